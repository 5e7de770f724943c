/// How ratings are divided into training, validation and test parts. The test part is only
/// ever used for the final report; early stopping and any choice look at validation alone.
public enum SplitStrategy: Sendable, Equatable, CustomStringConvertible {
  /// A random fraction of ratings is held out for testing (the AutoRec paper's 90/10).
  case holdout(testFraction: Double)
  /// Ratings shuffled once and cut into `folds` equal parts; part `fold` (0-based) is the test.
  case kFold(folds: Int, fold: Int)
  /// Ratings before the `quantile` of timestamps train, the rest test (time-ordered).
  case temporal(quantile: Double)
  /// The test ratings come from a separate file.
  case explicit

  public var description: String {
    switch self {
    case .holdout(let f): return "random holdout \(Int((1 - f) * 100))/\(Int((f * 100).rounded()))"
    case .kFold(let k, let i): return "\(k)-fold, fold \(i + 1)"
    case .temporal(let q): return "temporal, train before the \(q) quantile of timestamps"
    case .explicit: return "explicit train/test files"
    }
  }
}

/// The three parts of a split.
public struct DataSplit: Sendable {
  public var train: RatingSet
  public var validation: RatingSet
  public var test: RatingSet
  public var description: String
  /// Users held out of training whole, when the plan asks for it (`UserHoldout`).
  public var heldOutUsers: HeldOutUsers? = nil

  public init(train: RatingSet, validation: RatingSet, test: RatingSet, description: String) {
    self.train = train
    self.validation = validation
    self.test = test
    self.description = description
  }
}

public enum Splitter {
  /// Splits `ratings` by `strategy` (not `.explicit`) with `seed`.
  public static func split(_ ratings: RatingSet, _ strategy: SplitStrategy, seed: UInt64) throws -> (train: RatingSet, test: RatingSet) {
    let n = ratings.count
    switch strategy {
    case .holdout(let fraction):
      guard fraction > 0 && fraction < 1 else {
        throw EncoreError.invalidSetting("test-fraction", "must be between 0 and 1 (got \(fraction))")
      }
      let order = shuffledIndices(n, seed: seed, stream: 1)
      let cut = n - Int((Double(n) * fraction).rounded())
      return (ratings.subset(Array(order[..<cut]).sorted()), ratings.subset(Array(order[cut...]).sorted()))
    case .kFold(let folds, let fold):
      guard folds >= 2 else { throw EncoreError.invalidSetting("folds", "must be at least 2 (got \(folds))") }
      guard fold >= 0, fold < folds else {
        throw EncoreError.invalidSetting("fold", "must be between 1 and \(folds) (got \(fold + 1))")
      }
      let order = shuffledIndices(n, seed: seed, stream: 2)
      let lo = n * fold / folds, hi = n * (fold + 1) / folds
      let test = Array(order[lo..<hi]).sorted()
      let train = (Array(order[..<lo]) + Array(order[hi...])).sorted()
      return (ratings.subset(train), ratings.subset(test))
    case .temporal(let quantile):
      guard ratings.hasTimestamps else {
        throw EncoreError.invalidArgument("a temporal split needs timestamps, and these ratings have none")
      }
      guard quantile > 0 && quantile < 1 else {
        throw EncoreError.invalidSetting("temporal-quantile", "must be between 0 and 1 (got \(quantile))")
      }
      let sorted = ratings.timestamps.sorted()
      let cutTime = sorted[min(n - 1, Int(Double(n) * quantile))]
      var train: [Int] = [], test: [Int] = []
      for k in 0..<n {
        if ratings.timestamps[k] < cutTime { train.append(k) } else { test.append(k) }
      }
      return (ratings.subset(train), ratings.subset(test))
    case .explicit:
      throw EncoreError.invalidArgument("an explicit split takes its test ratings from a file")
    }
  }

  /// Carves a random `fraction` of `train` out as validation (seeded, never touching test).
  public static func carveValidation(_ train: RatingSet, fraction: Double, seed: UInt64) -> (train: RatingSet, validation: RatingSet) {
    guard fraction > 0, train.count >= 2 else { return (train, RatingSet()) }
    let order = shuffledIndices(train.count, seed: seed, stream: 3)
    let cut = train.count - max(1, Int((Double(train.count) * fraction).rounded()))
    return (train.subset(Array(order[..<cut]).sorted()), train.subset(Array(order[cut...]).sorted()))
  }

  /// 0..<n in a seeded random order (Fisher–Yates).
  public static func shuffledIndices(_ n: Int, seed: UInt64, stream: UInt64) -> [Int] {
    var rng = SeededGenerator(seed: seed, stream: stream)
    var order = Array(0..<n)
    rng.shuffle(&order)
    return order
  }
}

/// Whole users held out of training (the "strong generalisation" protocol): they are never
/// trained on; each one's ratings are cut into a part to fold in and a part to score.
public struct UserHoldout: Sendable, Equatable {
  /// Fraction of users held out.
  public var fraction: Double
  /// Fraction of each held-out user's ratings given to fold-in; the rest is scored.
  public var foldInFraction: Double
  /// Put the fold-in parts into training instead (the retrain the fold-in is compared with).
  public var trainOnFoldIn: Bool

  public init(fraction: Double = 0.1, foldInFraction: Double = 0.8, trainOnFoldIn: Bool = false) {
    self.fraction = fraction
    self.foldInFraction = foldInFraction
    self.trainOnFoldIn = trainOnFoldIn
  }

  /// Held-out users need at least this many ratings (one to fold in, one to score).
  public static let minimumRatings = 2

  /// Splits `ratings` into the ratings of the remaining users and the held-out users' parts.
  public func split(_ ratings: RatingSet, userCount: Int, seed: UInt64) throws -> (rest: RatingSet, heldOut: HeldOutUsers) {
    guard fraction > 0 && fraction < 1 else { throw EncoreError.invalidSetting("held-out-users", "must be between 0 and 1 (got \(fraction))") }
    guard foldInFraction > 0 && foldInFraction < 1 else {
      throw EncoreError.invalidSetting("fold-in-fraction", "must be between 0 and 1 (got \(foldInFraction))")
    }
    var byUser = [[Int]](repeating: [], count: userCount)
    for k in 0..<ratings.count { byUser[Int(ratings.users[k])].append(k) }
    let eligible = (0..<userCount).filter { byUser[$0].count >= Self.minimumRatings }
    var generator = SeededGenerator(seed: seed, stream: 5)
    var order = eligible
    generator.shuffle(&order)
    let chosen = order.prefix(Int((Double(eligible.count) * fraction).rounded())).sorted()
    guard !chosen.isEmpty else { throw EncoreError.invalidSetting("held-out-users", "holds out no user (\(eligible.count) users have 2+ ratings)") }
    var held = [Bool](repeating: false, count: userCount)
    var foldIn: [Int] = [], scored: [Int] = []
    for u in chosen {
      held[u] = true
      var indices = byUser[u]
      generator.shuffle(&indices)
      let cut = min(indices.count - 1, max(1, Int((Double(indices.count) * foldInFraction).rounded())))
      foldIn += indices[..<cut]
      scored += indices[cut...]
    }
    let rest = (0..<ratings.count).filter { !held[Int(ratings.users[$0])] }
    return (ratings.subset(rest), HeldOutUsers(
      users: chosen.map(Int32.init), foldIn: ratings.subset(foldIn.sorted()), scored: ratings.subset(scored.sorted()),
      inTraining: trainOnFoldIn))
  }
}

/// The held-out users' ratings: the part to fold in and the part to score.
public struct HeldOutUsers: Sendable {
  public var users: [Int32]
  public var foldIn: RatingSet
  public var scored: RatingSet
  /// Whether the fold-in parts were put into training (the retrain comparison).
  public var inTraining: Bool
}
