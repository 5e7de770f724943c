/// Folds users into BaselineOnly: b_u in closed form with the item biases fixed,
/// Σ (r − μ − b_i) / (λ_u + n), exactly the user step of its alternating least squares.
struct BaselineFolder: UserFolder {
  let support: FoldInSupport

  var itemCount: Int { support.itemCount }
  func knows(_ item: Int32) -> Bool { support.isKnown(item) }

  func foldIn(_ ratings: UserRatings) -> UserProfile {
    let kept = support.usable(ratings)
    guard !kept.isEmpty else { return support.fallbackProfile(ratings) }
    return UserProfile(ratings: ratings, vector: [], baselineBias: support.baselineBias(kept), isFallback: false)
  }

  func score(_ profile: UserProfile, item: Int32) -> Float { support.baselineScore(profile, item: item) }
}

extension BaselineModel {
  public func userFolder(_ context: PredictionContext) -> any UserFolder {
    // Its own biases, which may differ from the fallback baseline the context holds.
    var own = context
    own.baseline = baseline
    return BaselineFolder(support: FoldInSupport(own))
  }
}
