/// How a model does for users it never trained on (`--split users`): each held-out user is
/// folded in from part of their ratings and scored on the rest. With the fold-in parts in
/// training instead (`--train-on-fold-in`), the same ratings are scored by the retrained
/// model, which is what fold-in is compared with.
public struct HeldOutUserReport: Codable, Sendable {
  /// "fold-in" or "retrain".
  public var mode: String
  public var users: Int
  public var foldInRatings: Int
  public var scoredRatings: Int
  public var rmse: Double
  public var mae: Double
  /// FCP over the scored ratings (nil: no user with two differing ratings).
  public var fcp: Double? = nil
  /// The bias baseline folded in the same way (b_u in closed form): the fallback to beat.
  public var baselineRMSE: Double
  /// Ranking of each user's scored items (surprise's test-items convention; K = 10 and relevant ≥ 3.5 unless set).
  public var ranking: RankingReport
  /// Mean fold-in time per user, in milliseconds (0 for a retrain).
  public var foldInMilliseconds: Double

  enum CodingKeys: String, CodingKey {
    case mode, users, rmse, mae, ranking, fcp
    case foldInRatings = "fold_in_ratings", scoredRatings = "scored_ratings", baselineRMSE = "baseline_rmse"
    case foldInMilliseconds = "fold_in_ms_per_user"
  }

  /// Folds in (or, for a retrain, predicts) every held-out user and scores their scored part;
  /// the ranking metrics use the top `k` and count ratings ≥ `threshold` as relevant.
  public init(measuring model: TrainedModel, on held: HeldOutUsers, compute: ComputeContext, k: Int = 10, threshold: Double = 3.5) {
    let scored = held.scored
    var byUser: [Int32: UserRatings] = [:]
    for k in 0..<held.foldIn.count {
      byUser[held.foldIn.users[k], default: UserRatings()].items.append(held.foldIn.items[k])
      byUser[held.foldIn.users[k]]!.values.append(held.foldIn.values[k])
    }
    let support = FoldInSupport(PredictionContext(baseline: model.baseline, scale: model.scale, rated: model.rated, compute: compute))
    var predicted = [Float](repeating: 0, count: scored.count), baseline = predicted
    var seconds = 0.0
    if held.inTraining {
      predicted = model.predictor(compute: compute).predict(scored).values
      for k in 0..<scored.count { baseline[k] = model.scale.clip(model.baseline.predict(user: scored.users[k], item: scored.items[k])) }
    } else {
      let folder = model.userFolder(compute: compute)
      var profiles: [Int32: UserProfile] = [:]
      let start = Platform.now()
      for user in held.users { profiles[user] = folder.foldIn(byUser[user] ?? UserRatings()) }
      seconds = Platform.now() - start
      for k in 0..<scored.count {
        let profile = profiles[scored.users[k]]!
        predicted[k] = folder.score(profile, item: scored.items[k])
        baseline[k] = support.baselineScore(profile, item: scored.items[k])
      }
    }
    mode = held.inTraining ? "retrain" : "fold-in"
    users = held.users.count
    foldInRatings = held.foldIn.count
    scoredRatings = scored.count
    rmse = Metrics.rmse(predicted: predicted, actual: scored.values)
    mae = Metrics.mae(predicted: predicted, actual: scored.values)
    fcp = try? RankingMetrics.fcp(users: scored.users, predicted: predicted, actual: scored.values)
    baselineRMSE = Metrics.rmse(predicted: baseline, actual: scored.values)
    ranking = RankingMetrics.testItems(users: scored.users, predicted: predicted, actual: scored.values, k: k, threshold: threshold)
    foldInMilliseconds = held.users.isEmpty ? 0 : seconds * 1000 / Double(held.users.count)
  }
}
