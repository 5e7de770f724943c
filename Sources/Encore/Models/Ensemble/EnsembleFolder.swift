/// Folds a user into every member and combines the members' scores as the ensemble's
/// predictor does; the profile keeps one member profile per member.
struct EnsembleFolder: UserFolder {
  let members: [any UserFolder]
  let combiner: MemberCombiner
  let support: FoldInSupport
  /// The training ratings' supports, for a support-weighted combination (a folded-in user's
  /// support is the number of ratings folded in).
  let counts: SupportCounts?

  var itemCount: Int { support.itemCount }

  func knows(_ item: Int32) -> Bool { support.isKnown(item) }

  func foldIn(_ ratings: UserRatings) -> UserProfile {
    let parts = members.map { $0.foldIn(ratings) }
    return combined(parts, ratings: ratings)
  }

  func combined(_ parts: [UserProfile], ratings: UserRatings) -> UserProfile {
    var profile = UserProfile(
      ratings: ratings, vector: [], baselineBias: support.baselineBias(ratings), isFallback: parts.allSatisfy(\.isFallback))
    profile.members = parts
    return profile
  }

  func trainedProfile(of user: Int32) -> UserProfile? {
    var parts: [UserProfile] = []
    for member in members {
      guard let p = member.trainedProfile(of: user) else { return nil }
      parts.append(p)
    }
    return combined(parts, ratings: parts.first?.ratings ?? UserRatings())
  }

  func score(_ profile: UserProfile, item: Int32) -> Float {
    guard !profile.isFallback, profile.members.count == members.count else { return support.baselineScore(profile, item: item) }
    return support.context.scale.clip(
      combiner.combine(userSupport: profile.ratings.items.count, itemSupport: counts?.item(item) ?? 0) {
        members[$0].score(profile.members[$0], item: item)
      })
  }

  /// Each member scores the whole batch its own way (a GEMM where it can); then the scores
  /// are combined item by item.
  func scores(_ profiles: [UserProfile], compute: ComputeContext) -> [[Float]] {
    let usable = profiles.map { !$0.isFallback && $0.members.count == members.count }
    let batch = profiles.indices.filter { usable[$0] }
    let memberScores = members.indices.map { m in members[m].scores(batch.map { profiles[$0].members[m] }, compute: compute) }
    var result: [[Float]] = []
    var next = 0
    for (p, profile) in profiles.enumerated() {
      if !usable[p] {
        result.append((0..<itemCount).map { support.baselineScore(profile, item: Int32($0)) })
        continue
      }
      let b = next
      next += 1
      let userSupport = profile.ratings.items.count
      result.append((0..<itemCount).map { i in
        support.context.scale.clip(combiner.combine(userSupport: userSupport, itemSupport: counts?.item(Int32(i)) ?? 0) { memberScores[$0][b][i] })
      })
    }
    return result
  }
}
