/// What to do with test pairs whose user or item has no training rating (the model can only
/// guess them with the bias baseline).
public enum UnseenPolicy: String, Codable, Sendable, CaseIterable {
  /// Predict them with the bias baseline and count them (Encore's default; surprise also
  /// counts them, with its default prediction).
  case baseline
  /// Leave them out of the figures, as seed 004 drops test users and items training never saw.
  case drop
}

/// A model's accuracy on a test set, reported both ways: under the chosen `UnseenPolicy`, and
/// over the pairs the model has seen alone, so that a figure made mostly of baseline guesses
/// is visible as such.
public struct TestScores: Sendable, Equatable {
  public var policy: UnseenPolicy
  /// Test pairs, and those of unseen users or items.
  public var count: Int
  public var unseen: Int
  /// The pairs the figures below are over: all of them (`baseline`) or the seen ones (`drop`).
  public var scored: Int { scoredPairs.count }
  /// Indices into the test set of those pairs, so other figures can be taken over the same ones.
  public var scoredPairs: [Int]
  public var rmse: Double
  public var mae: Double
  /// Fraction of concordant pairs (surprise's FCP) over the scored pairs; nil when no user has
  /// two scored ratings that differ.
  public var fcp: Double?
  /// RMSE and MAE over the seen pairs alone (nil when every pair is unseen).
  public var rmseSeen: Double?
  public var maeSeen: Double?

  /// Scores `predicted` (with `fallback` marking the unseen pairs) against `test`.
  public init(predicted: [Float], fallback: [Bool], test: RatingSet, policy: UnseenPolicy) {
    precondition(predicted.count == test.count && fallback.count == test.count)
    self.policy = policy
    count = test.count
    let seen = (0..<test.count).filter { !fallback[$0] }
    unseen = test.count - seen.count
    let seenPredicted = seen.map { predicted[$0] }, seenActual = seen.map { test.values[$0] }
    rmseSeen = seen.isEmpty ? nil : Metrics.rmse(predicted: seenPredicted, actual: seenActual)
    maeSeen = seen.isEmpty ? nil : Metrics.mae(predicted: seenPredicted, actual: seenActual)
    scoredPairs = policy == .drop ? seen : Array(0..<test.count)
    let (users, values, actual): ([Int32], [Float], [Float])
    switch policy {
    case .baseline: (users, values, actual) = (test.users, predicted, test.values)
    case .drop: (users, values, actual) = (seen.map { test.users[$0] }, seenPredicted, seenActual)
    }
    rmse = Metrics.rmse(predicted: values, actual: actual)
    mae = Metrics.mae(predicted: values, actual: actual)
    fcp = try? RankingMetrics.fcp(users: users, predicted: values, actual: actual)
  }

  /// Scores `predictor` on `test`.
  public init(_ predictor: RatingPredictor, on test: RatingSet, policy: UnseenPolicy) {
    let (values, fallback) = predictor.predictEach(test)
    self.init(predicted: values, fallback: fallback, test: test, policy: policy)
  }
}
