import Foundation

/// Where the ratings come from and how they are split.
public struct DataPlan: Sendable {
  public enum Source: Sendable {
    case path(String)
    case trainTest(train: String, test: String)
    case synthetic(SyntheticRatings.Shape)
  }
  public var source: Source
  public var split: SplitStrategy = .holdout(testFraction: 0.1)
  /// Fraction of the training ratings held out for early stopping.
  public var validationFraction: Double = DataPlan.defaultValidationFraction
  public var loader = RatingDataLoader()
  public var seed: UInt64 = 42
  /// Hold whole users out of training before splitting the rest (fold-in evaluation).
  public var userHoldout: UserHoldout? = nil

  public init(source: Source) { self.source = source }

  /// The networks' default validation part: 2% of the training ratings. Chosen by a nested
  /// protocol that never reads a test file (`scripts/nested-validation.sh`): on held-out tenths
  /// of MovieLens-100K's u1–u5.base, 2% beat 5% for I-AutoRec (0.8917 against 0.8939, three
  /// seeds agreeing), U-AutoRec and the deep autoencoder; 1% stopped too noisily (0.8928).
  public static let defaultValidationFraction = 0.02

  /// Loads and splits the data.
  public func prepare() throws -> (data: RatingData, split: DataSplit) {
    var data: RatingData
    var train: RatingSet, test: RatingSet
    var rest = RatingSet(), heldOut: HeldOutUsers? = nil
    var splitDescription: String
    switch source {
    case .path(let path):
      data = try loader.load(path)
      (rest, heldOut) = try holdUsersOut(data)
      (train, test) = try Splitter.split(rest, split, seed: seed)
      splitDescription = split.description + " (seed \(seed))"
    case .trainTest(let trainPath, let testPath):
      guard userHoldout == nil else {
        throw EncoreError.invalidSetting("split users", "needs --data: it holds users out of one rating set, not of explicit train and test files")
      }
      let loaded = try loader.load(train: trainPath, test: testPath)
      data = loaded.data
      train = loaded.data.ratings
      test = loaded.test
      splitDescription = SplitStrategy.explicit.description
    case .synthetic(let shape):
      data = SyntheticRatings(shape: shape).generate()
      (rest, heldOut) = try holdUsersOut(data)
      (train, test) = try Splitter.split(rest, split, seed: seed)
      splitDescription = split.description + " (seed \(seed))"
    }
    if let held = heldOut, held.inTraining { train.append(held.foldIn) }
    if let userHoldout {
      splitDescription += String(
        format: "; %.0f%% of users held out, %.0f%% of their ratings %@", userHoldout.fraction * 100,
        userHoldout.foldInFraction * 100, userHoldout.trainOnFoldIn ? "in training" : "folded in")
    }
    let (fit, validation) = Splitter.carveValidation(train, fraction: validationFraction, seed: seed)
    if validationFraction > 0 {
      splitDescription += String(format: ", %.0f%% of training ratings for validation", validationFraction * 100)
    }
    let skipped = data.ratings.skippedLines, pairs = data.ratings.isPairs
    data.ratings = RatingSet()  // the parts below hold the ratings now
    data.ratings.skippedLines = skipped
    data.ratings.isPairs = pairs
    var result = DataSplit(train: fit, validation: validation, test: test, description: splitDescription)
    result.heldOutUsers = heldOut
    return (data, result)
  }

  /// The ratings of the users that stay, after taking the held-out users' out (when asked).
  private func holdUsersOut(_ data: RatingData) throws -> (RatingSet, HeldOutUsers?) {
    guard let userHoldout else { return (data.ratings, nil) }
    let (rest, held) = try userHoldout.split(data.ratings, userCount: data.users.count, seed: seed)
    return (rest, held)
  }
}
