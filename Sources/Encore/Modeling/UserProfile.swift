/// A user's ratings by the model's item indices, one rating per item: what fold-in reads.
public struct UserRatings: Sendable, Equatable {
  public var items: [Int32]
  public var values: [Float]

  public init(items: [Int32] = [], values: [Float] = []) {
    precondition(items.count == values.count)
    self.items = items
    self.values = values
  }

  public var count: Int { items.count }
  public var isEmpty: Bool { items.isEmpty }

  /// These ratings with `newer` added; an item in both takes `newer`'s rating.
  public func updated(with newer: UserRatings) -> UserRatings {
    var byItem: [Int32: Float] = [:]
    for (i, v) in zip(items, values) { byItem[i] = v }
    for (i, v) in zip(newer.items, newer.values) { byItem[i] = v }
    let sorted = byItem.keys.sorted()
    return UserRatings(items: sorted, values: sorted.map { byItem[$0]! })
  }
}

/// A user folded into a trained model without retraining: the family's representation of
/// the user, reusable for any number of scorings. Folding in never changes the model, so no
/// trained user's predictions move.
public struct UserProfile: Sendable {
  /// The ratings that were folded in.
  public var ratings: UserRatings
  /// The family's view of the user: an output row and bias for item-based networks, the code
  /// for user-based networks, p_u (plus SVD++'s implicit term) and b_u for factor models.
  public var vector: [Float]
  /// The user's bias under the fallback baseline, in closed form (λ_u = 15, as BaselineOnly).
  public var baselineBias: Float
  /// True when none of the ratings is of an item the model can use: every score is then the
  /// baseline's (μ + b_u + b_i).
  public var isFallback: Bool
  /// An ensemble's profile: one profile per member, in member order (empty otherwise).
  public var members: [UserProfile] = []

  public init(ratings: UserRatings, vector: [Float], baselineBias: Float, isFallback: Bool) {
    self.ratings = ratings
    self.vector = vector
    self.baselineBias = baselineBias
    self.isFallback = isFallback
  }
}

/// Folds users into one trained model and scores them; built once per loaded model (it
/// caches what every fold-in reads, such as the items' codes), then safe to share.
public protocol UserFolder: Sendable {
  /// A profile for a user with these ratings (may be empty: the baseline then answers).
  func foldIn(_ ratings: UserRatings) -> UserProfile
  /// The profile's predicted rating of `item`, clipped to the scale.
  func score(_ profile: UserProfile, item: Int32) -> Float
  /// The number of items the model scores.
  var itemCount: Int { get }
  /// Whether the model knows `item` (it had training ratings); others only get the baseline's
  /// guess and are left out of recommendations.
  func knows(_ item: Int32) -> Bool
  /// The profile the model itself holds for a training user, when it has one that scores
  /// exactly like its predictor (I-AutoRec's decoder row); nil means "ask the predictor".
  func trainedProfile(of user: Int32) -> UserProfile?
  /// Every item's score for each profile: one pass over the items for the whole batch where
  /// the family can (a GEMM), so that a server scoring many users at once reads the item
  /// vectors once per batch, not once per user.
  func scores(_ profiles: [UserProfile], compute: ComputeContext) -> [[Float]]
}

extension UserFolder {
  public func trainedProfile(of user: Int32) -> UserProfile? { nil }

  public func scores(_ profiles: [UserProfile], compute: ComputeContext) -> [[Float]] {
    profiles.map { scores($0, compute: compute) }
  }

  /// The profile's predicted rating of every item: one pass on the context's threads.
  public func scores(_ profile: UserProfile, compute: ComputeContext) -> [Float] {
    var result = [Float](repeating: 0, count: itemCount)
    result.withUnsafeMutableBufferPointer { out in
      let box = UncheckedSendable(out.baseAddress!)
      compute.forRanges(itemCount, grain: 256) { lo, hi in
        for i in lo..<hi { box.value[i] = score(profile, item: Int32(i)) }
      }
    }
    return result
  }
}

/// What every family's folder shares: the fallback baseline fitted for the new user, which
/// items have training ratings, and the ridge every network uses for an unregularised bias.
struct FoldInSupport: Sendable {
  let context: PredictionContext
  /// Items with at least one training rating; the others always get the baseline.
  let itemKnown: [Bool]

  /// A bias's ridge when the model does not decay biases: small, so it barely pulls.
  static let biasRidge: Float = 1e-4
  /// BaselineOnly's user regularisation λ_u.
  static let userRegularization = Float(BiasBaseline.userRegularization)

  init(_ context: PredictionContext) {
    self.context = context
    var known = [Bool](repeating: false, count: context.rated.columnCount)
    for c in context.rated.columns { known[Int(c)] = true }
    itemKnown = known
  }

  var itemCount: Int { itemKnown.count }

  func isKnown(_ item: Int32) -> Bool { item >= 0 && Int(item) < itemKnown.count && itemKnown[Int(item)] }

  /// The ratings of items the model can use, in the given order.
  func usable(_ ratings: UserRatings) -> UserRatings {
    var kept = UserRatings()
    for (i, v) in zip(ratings.items, ratings.values) where isKnown(i) {
      kept.items.append(i)
      kept.values.append(v)
    }
    return kept
  }

  /// b_u = Σ (r − μ − b_i) / (λ_u + n): BaselineOnly's user step with the item biases fixed.
  func baselineBias(_ ratings: UserRatings) -> Float {
    let b = context.baseline
    var sum: Float = 0
    for (i, v) in zip(ratings.items, ratings.values) { sum += v - b.predict(item: i) }
    return ratings.isEmpty ? 0 : sum / (Self.userRegularization + Float(ratings.count))
  }

  /// A profile the baseline alone answers.
  func fallbackProfile(_ ratings: UserRatings) -> UserProfile {
    UserProfile(ratings: ratings, vector: [], baselineBias: baselineBias(ratings), isFallback: true)
  }

  /// μ + b_u + b_i for the profile, clipped.
  func baselineScore(_ profile: UserProfile, item: Int32) -> Float {
    context.scale.clip(context.baseline.predict(item: item) + profile.baselineBias)
  }

  /// The output row and bias of a new output unit over `features` (one row of `width` per
  /// rating): ridge regression for an identity output, Gauss–Newton steps (each a ridge
  /// regression on the linearised output) for any other activation.
  static func fitOutputRow(
    features: [Float], width: Int, targets: [Float], activation: Activation, weightRidge: Float, biasRidge: Float,
    steps: Int = 6
  ) -> [Float]? {
    let n = targets.count, m = width + 1
    var design = [Float](repeating: 0, count: n * m)
    for r in 0..<n {
      for j in 0..<width { design[r * m + j] = features[r * width + j] }
      design[r * m + width] = 1
    }
    let ridge = [Float](repeating: weightRidge, count: width) + [biasRidge]
    guard var x = RidgeRegression.solve(design: design, rows: n, columns: m, targets: targets, ridge: ridge) else { return nil }
    if activation == .identity { return x }
    // Gauss–Newton: linearise f(z) at the current z and solve the ridge problem for the new x.
    for _ in 0..<steps {
      var jacobian = design, target = targets
      for r in 0..<n {
        var z: Float = 0
        for j in 0..<m { z += design[r * m + j] * x[j] }
        let a = activation.apply(z), slope = max(activation.derivative(z, a), 1e-4)
        for j in 0..<m { jacobian[r * m + j] = slope * design[r * m + j] }
        target[r] = targets[r] - a + slope * z
      }
      guard let next = RidgeRegression.solve(design: jacobian, rows: n, columns: m, targets: target, ridge: ridge) else { break }
      x = next
    }
    return x
  }
}
