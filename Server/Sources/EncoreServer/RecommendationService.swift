import Encore
import Foundation
import Synchronization

/// What the API does, apart from HTTP: recommendations for stored and sent ratings,
/// predictions, similar items, title search and storing ratings. Every answer reads one
/// `ServedModel` from start to end, so a reload never mixes two models in one answer.
final class RecommendationService: Sendable {
  let slot: ModelSlot
  let log: RatingLog
  let limits: ServerLimits
  let counters: ServerMetrics
  /// Where every "score all items for this profile" goes, so concurrent requests share passes.
  let batcher = ScoringBatcher()

  /// Profiles folded in from stored ratings, by user, for the model and the store revision
  /// they were built from.
  private let profiles = Mutex<[String: CachedProfile]>([:])
  private struct CachedProfile {
    var model: ObjectIdentifier
    var revision: Int
    var profile: UserProfile
  }

  init(slot: ModelSlot, log: RatingLog, limits: ServerLimits, counters: ServerMetrics) {
    self.slot = slot
    self.log = log
    self.limits = limits
    self.counters = counters
  }

  func checkCount(_ n: Int?, name: String = "n") throws -> Int {
    let n = n ?? 10
    guard n >= 1 && n <= limits.maxCount else {
      throw APIError.badRequest("\(name) must be between 1 and \(limits.maxCount), not \(n)")
    }
    return n
  }

  // MARK: Recommendations

  /// A known user's top `n`: from the model, with their stored ratings folded in when they have
  /// any. A user neither trained on nor stored is a 404.
  func recommendations(user: String, n: Int, excludeRated: Bool) async throws -> RecommendationsAnswer {
    let model = slot.model
    let known = model.trained.users.index(of: user)
    let stored = log.entries(of: user)
    if let stored {
      let profile = storedProfile(user: user, known: known, stored: stored, model: model)
      let list = top(model, scores: await batcher.scores(profile, on: model), rated: profile.ratings.items, n: n, excludeRated: excludeRated)
      return RecommendationsAnswer(
        user: user, modelVersion: model.version, foldedIn: true, foldedInRatings: profile.ratings.count, unknownItems: nil,
        fallback: profile.isFallback, recommendations: list)
    }
    guard let known else {
      throw APIError.notFound(
        "unknown user '\(user)': not in the model's training data and no stored ratings",
        hint: "POST /v1/recommendations with the user's ratings for a session, or POST /v1/ratings to store them")
    }
    var scores: [Float]
    if let own = model.folder.trainedProfile(of: known) {
      scores = await batcher.scores(own, on: model)
    } else {
      scores = [Float](repeating: 0, count: model.trained.items.count)
      for i in 0..<scores.count { scores[i] = model.predictor.predict(user: known, item: Int32(i)).value }
    }
    let rated = model.trained.trainingRatings(of: known).items
    return RecommendationsAnswer(
      user: user, modelVersion: model.version, foldedIn: false, foldedInRatings: nil, unknownItems: nil, fallback: false,
      recommendations: top(model, scores: scores, rated: rated, n: n, excludeRated: excludeRated))
  }

  /// The top `n` for a session's ratings, folded in; unknown items are listed, not dropped.
  func recommendations(for request: RecommendRequest) async throws -> RecommendationsAnswer {
    let n = try checkCount(request.n)
    guard request.ratings.count <= limits.maxBatch else {
      throw APIError(.contentTooLarge, "at most \(limits.maxBatch) ratings per request, not \(request.ratings.count)")
    }
    let model = slot.model
    var ratings = UserRatings(), unknown: [String] = [], seen = Set<String>()
    for (index, entry) in request.ratings.enumerated() {
      try checkRating(entry.rating, field: "ratings[\(index)].rating", model: model)
      guard seen.insert(entry.item.value).inserted else {
        throw APIError.badRequest("ratings[\(index)].item: item '\(entry.item.value)' is rated twice")
      }
      if let item = model.trained.items.index(of: entry.item.value) {
        ratings.items.append(item)
        ratings.values.append(Float(entry.rating))
      } else {
        unknown.append(entry.item.value)
      }
    }
    let profile = model.folder.foldIn(ratings)
    counters.foldIns.increment()
    let list = top(model, scores: await batcher.scores(profile, on: model), rated: profile.ratings.items, n: n, excludeRated: request.excludeRated ?? true)
    return RecommendationsAnswer(
      user: nil, modelVersion: model.version, foldedIn: true, foldedInRatings: ratings.count, unknownItems: unknown,
      fallback: profile.isFallback, recommendations: list)
  }

  private func storedProfile(user: String, known: Int32?, stored: RatingLog.UserEntries, model: ServedModel) -> UserProfile {
    let key = ObjectIdentifier(model)
    if let cached = profiles.withLock({ $0[user] }), cached.model == key, cached.revision == stored.revision {
      return cached.profile
    }
    var newer = UserRatings()
    for (item, rating) in stored.ratings.sorted(by: { $0.key < $1.key }) {
      if let index = model.trained.items.index(of: item) {
        newer.items.append(index)
        newer.values.append(rating)
      }
    }
    let base = known.map { model.trained.trainingRatings(of: $0) } ?? UserRatings()
    let profile = model.folder.foldIn(base.updated(with: newer))
    counters.foldIns.increment()
    profiles.withLock { cache in
      if cache.count >= limits.cachedProfiles { cache.removeAll(keepingCapacity: true) }
      cache[user] = CachedProfile(model: key, revision: stored.revision, profile: profile)
    }
    return profile
  }

  private func top(_ model: ServedModel, scores: [Float], rated: [Int32], n: Int, excludeRated: Bool) -> [Recommendation] {
    TopK.best(n, of: scores, eligible: model.recommendable, excluding: excludeRated ? Set(rated) : []).map {
      Recommendation(item: model.rawID($0.0), title: model.title($0.0), predictedRating: $0.1)
    }
  }

  private func checkRating(_ rating: Double, field: String, model: ServedModel) throws {
    let scale = model.trained.scale
    guard rating.isFinite, rating >= Double(scale.minimum), rating <= Double(scale.maximum) else {
      throw APIError.badRequest("\(field): \(rating) is outside the model's rating scale \(scale.minimum)–\(scale.maximum)")
    }
  }

  // MARK: Predictions, similar items, search

  func predictions(for request: PredictRequest) throws -> PredictionsAnswer {
    guard request.pairs.count <= limits.maxBatch else {
      throw APIError(.contentTooLarge, "at most \(limits.maxBatch) pairs per request, not \(request.pairs.count)")
    }
    let model = slot.model
    var answers: [PredictionsAnswer.Prediction] = []
    answers.reserveCapacity(request.pairs.count)
    for pair in request.pairs {
      let user = pair.user.value, rawItem = pair.item.value
      let known = model.trained.users.index(of: user)
      guard let item = model.trained.items.index(of: rawItem) else {
        let baseline = model.trained.baseline
        let guess = baseline.globalMean + (known.map { Int($0) < baseline.userBias.count ? baseline.userBias[Int($0)] : 0 } ?? 0)
        answers.append(.init(user: user, item: rawItem, rating: model.trained.scale.clip(guess), fallback: true))
        continue
      }
      if let stored = log.entries(of: user) {
        let profile = storedProfile(user: user, known: known, stored: stored, model: model)
        answers.append(.init(user: user, item: rawItem, rating: model.folder.score(profile, item: item), fallback: profile.isFallback || !model.folder.knows(item)))
      } else if let known {
        let (value, fallback) = model.predictor.predict(user: known, item: item)
        answers.append(.init(user: user, item: rawItem, rating: value, fallback: fallback))
      } else {
        answers.append(.init(user: user, item: rawItem, rating: model.trained.scale.clip(model.trained.baseline.predict(item: item)), fallback: true))
      }
    }
    return PredictionsAnswer(modelVersion: model.version, predictions: answers)
  }

  func similar(item rawItem: String, n: Int) throws -> SimilarAnswer {
    let model = slot.model
    guard let item = model.trained.items.index(of: rawItem) else {
      throw APIError.notFound("unknown item '\(rawItem)'", hint: "GET /v1/items?query=TITLE finds items by title")
    }
    guard let vectors = model.itemVectors else {
      throw APIError(.unprocessableContent, "model \(model.trained.name) has no item representation to compare items by")
    }
    let list = vectors.nearest(to: item, count: n, compute: ServedModel.compute).map {
      SimilarAnswer.Neighbour(item: model.rawID($0.item), title: model.title($0.item), similarity: $0.similarity)
    }
    return SimilarAnswer(item: rawItem, title: model.title(item), representation: vectors.kind, similar: list)
  }

  /// Items whose title contains every word of `query` (case-insensitive), most rated first;
  /// with no query, the most rated items.
  func items(query: String?, n: Int) -> ItemsAnswer {
    let model = slot.model
    let words = (query ?? "").lowercased().split(whereSeparator: \.isWhitespace).map(String.init)
    var found: [ItemsAnswer.Item] = []
    for item in model.popularItems {
      if !words.isEmpty {
        let title = model.searchTitles[Int(item)]
        guard words.allSatisfy({ title.contains($0) || model.rawID(item) == $0 }) else { continue }
      }
      found.append(.init(item: model.rawID(item), title: model.title(item), ratings: model.ratingCounts[Int(item)]))
      if found.count == n { break }
    }
    return ItemsAnswer(items: found)
  }

  // MARK: Storing ratings

  /// Checks the whole batch, then stores it durably; nothing is stored if any entry is wrong.
  func store(_ batch: RatingsBatch) async throws -> StoredAnswer {
    guard !batch.ratings.isEmpty else { throw APIError.badRequest("ratings is empty; send at least one rating") }
    guard batch.ratings.count <= limits.maxBatch else {
      throw APIError(.contentTooLarge, "at most \(limits.maxBatch) ratings per request, not \(batch.ratings.count)")
    }
    let model = slot.model
    var received: [ReceivedRating] = []
    var unknown = 0
    for (index, entry) in batch.ratings.enumerated() {
      try checkRating(entry.rating, field: "ratings[\(index)].rating", model: model)
      for (name, id) in [("user", entry.user.value), ("item", entry.item.value)] {
        guard !id.isEmpty, id.utf8.count <= 256 else {
          throw APIError.badRequest("ratings[\(index)].\(name): an ID must have 1 to 256 bytes")
        }
      }
      if model.trained.items.index(of: entry.item.value) == nil { unknown += 1 }
      received.append(ReceivedRating(user: entry.user.value, item: entry.item.value, rating: Float(entry.rating), timestamp: entry.timestamp))
    }
    try await log.append(received)
    counters.ratingsStored.increment(by: received.count)
    return StoredAnswer(stored: received.count, unknownItems: unknown, users: Set(received.map(\.user)).count)
  }

  func modelInfo() -> ModelAnswer {
    let model = slot.model
    let formatter = ISO8601DateFormatter()
    return ModelAnswer(
      name: model.trained.name, version: model.version, sha256: model.sha256, path: model.path,
      loadedAt: formatter.string(from: model.loadedAt), users: model.trained.users.count, items: model.trained.items.count,
      trainingRatings: model.trained.rated.columns.count, scale: [model.trained.scale.minimum, model.trained.scale.maximum],
      settings: ((try? model.trained.spec.flattened()) ?? []).map { "\($0.0)=\($0.1)" }.joined(separator: " "),
      storedRatings: log.count)
  }
}

/// Caps on what one request may ask for.
public struct ServerLimits: Sendable {
  /// Largest request body, in bytes (413 beyond).
  public var maxBodyBytes = 1 << 20
  /// Largest batch of ratings or pairs in one request.
  public var maxBatch = 10_000
  /// Largest `n`.
  public var maxCount = 1_000
  /// Profiles kept in memory before the cache starts over.
  public var cachedProfiles = 100_000
  public init() {}
}
