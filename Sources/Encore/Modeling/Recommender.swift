/// One recommended item.
public struct Recommendation: Codable, Sendable, Equatable {
  public var item: String
  public var title: String?
  public var predictedRating: Float

  public init(item: String, title: String?, predictedRating: Float) {
    self.item = item
    self.title = title
    self.predictedRating = predictedRating
  }

  enum CodingKeys: String, CodingKey {
    case item, title
    case predictedRating = "predicted_rating"
  }
}

extension TrainedModel {
  /// The `count` items with the highest predicted rating among those `user` has not rated in
  /// training (ties broken by item index, so the list is stable).
  public func recommend(user rawUser: String, count: Int, predictor: RatingPredictor? = nil) throws -> [Recommendation] {
    guard let user = users.index(of: rawUser) else { throw EncoreError.unknownID(kind: "user", id: rawUser) }
    guard count >= 1 else { throw EncoreError.invalidArgument("-k must be at least 1") }
    let p = predictor ?? self.predictor()
    var alreadyRated = Set<Int32>()
    if Int(user) < rated.rowCount {
      for q in rated.rowStart[Int(user)]..<rated.rowStart[Int(user) + 1] { alreadyRated.insert(rated.columns[q]) }
    }
    var scored: [(Int32, Float)] = []
    scored.reserveCapacity(items.count)
    for i in 0..<Int32(items.count) where !alreadyRated.contains(i) {
      scored.append((i, p.predict(user: user, item: i).value))
    }
    scored.sort { $0.1 != $1.1 ? $0.1 > $1.1 : $0.0 < $1.0 }
    return scored.prefix(count).map {
      Recommendation(item: items.rawIDs[Int($0.0)], title: titles[$0.0], predictedRating: $0.1)
    }
  }

  /// Predictions for ratings given with raw IDs (as read through copies of this model's maps):
  /// IDs the model never saw get the baseline's global mean plus any known bias.
  public func evaluate(_ ratings: RatingSet, compute: ComputeContext = .automatic) -> (rmse: Double, mae: Double, unseen: Int, predictions: [Float]) {
    let (values, unseen) = predictor(compute: compute).predict(ratings)
    return (Metrics.rmse(predicted: values, actual: ratings.values), Metrics.mae(predicted: values, actual: ratings.values), unseen, values)
  }

  /// The model's figures on `ratings` under `policy` (and over seen pairs alone).
  public func scores(_ ratings: RatingSet, policy: UnseenPolicy, compute: ComputeContext = .automatic) -> TestScores {
    TestScores(predictor(compute: compute), on: ratings, policy: policy)
  }
}
