/// A user folded in from raw IDs, with what could not be used.
public struct FoldedUser: Sendable {
  public var profile: UserProfile
  /// Items of the list the model has never seen (they cannot inform the profile), in file order.
  public var unknownItems: [String]
}

extension TrainedModel {
  /// The model's folder for new users; build it once and reuse it (it caches item codes).
  public func userFolder(compute: ComputeContext = .automatic) -> any UserFolder {
    model.userFolder(PredictionContext(baseline: baseline, scale: scale, rated: rated, compute: compute))
  }

  /// The model's item vectors for similarity, or nil when it has none.
  public func itemVectors(compute: ComputeContext = .automatic) -> ItemVectors? {
    model.itemVectors(PredictionContext(baseline: baseline, scale: scale, rated: rated, compute: compute))
  }

  /// A known user's training ratings.
  public func trainingRatings(of user: Int32) -> UserRatings {
    guard Int(user) < rated.rowCount else { return UserRatings() }
    let range = rated.rowStart[Int(user)]..<rated.rowStart[Int(user) + 1]
    return UserRatings(items: Array(rated.columns[range]), values: Array(rated.values[range]))
  }

  /// Maps a user's raw ratings to the model's items. Ratings outside the model's scale are an
  /// error naming the line; items the model never saw are returned, not dropped silently.
  public func userRatings(_ file: UserRatingsFile) throws -> (ratings: UserRatings, unknownItems: [String]) {
    var ratings = UserRatings(), unknown: [String] = []
    for entry in file.entries {
      guard entry.rating >= scale.minimum && entry.rating <= scale.maximum else {
        throw EncoreError.malformedLine(
          file: file.source, line: entry.line,
          reason: "rating \(entry.rating) is outside the model's scale \(scale.minimum)–\(scale.maximum)")
      }
      if let index = items.index(of: entry.item) {
        ratings.items.append(index)
        ratings.values.append(entry.rating)
      } else {
        unknown.append(entry.item)
      }
    }
    return (ratings, unknown)
  }

  /// Folds in a user from a ratings file: a new user, or with `knownUser` a training user
  /// whose training ratings are updated by the file's.
  public func foldIn(_ file: UserRatingsFile, knownUser rawUser: String? = nil, folder: any UserFolder) throws -> FoldedUser {
    var (ratings, unknown) = try userRatings(file)
    if let rawUser {
      guard let user = users.index(of: rawUser) else { throw EncoreError.unknownID(kind: "user", id: rawUser) }
      ratings = trainingRatings(of: user).updated(with: ratings)
    }
    return FoldedUser(profile: folder.foldIn(ratings), unknownItems: unknown)
  }

  /// The `count` best-scored items the profile has not rated (ties by item index), among the
  /// items the model knows.
  public func recommend(_ profile: UserProfile, folder: any UserFolder, count: Int, compute: ComputeContext = .automatic)
    throws -> [Recommendation]
  {
    guard count >= 1 else { throw EncoreError.invalidSetting("k", "must be at least 1") }
    let scores = folder.scores(profile, compute: compute)
    let eligible = (0..<scores.count).map { folder.knows(Int32($0)) }
    let top = TopK.best(count, of: scores, eligible: eligible, excluding: Set(profile.ratings.items))
    return top.map { Recommendation(item: items.rawIDs[Int($0.0)], title: titles[$0.0], predictedRating: $0.1) }
  }
}

/// The best `k` scored items: highest score first, ties by the smaller index.
public enum TopK {
  /// The best `k` of `scores` among the eligible indices not in `excluded`. Concrete types
  /// throughout, because a server calls this on every request.
  public static func best(_ k: Int, of scores: [Float], eligible: [Bool], excluding excluded: Set<Int32> = []) -> [(Int32, Float)] {
    precondition(eligible.count == scores.count)
    var heap: [(Int32, Float)] = []  // sorted best-first
    heap.reserveCapacity(k + 1)
    scores.withUnsafeBufferPointer { scores in
      eligible.withUnsafeBufferPointer { eligible in
        for i in 0..<scores.count where eligible[i] {
          let score = scores[i]
          if heap.count == k, let last = heap.last, !(score > last.1) { continue }  // ties keep the smaller index
          if !excluded.isEmpty && excluded.contains(Int32(i)) { continue }
          var position = heap.count
          while position > 0 && score > heap[position - 1].1 { position -= 1 }
          heap.insert((Int32(i), score), at: position)
          if heap.count > k { heap.removeLast() }
        }
      }
    }
    return heap
  }
}
