/// A trained neighbourhood model: its settings and the x × x similarity matrix (x = users, or
/// items when item-based). Predictions read the training ratings from the context.
public struct NeighbourModel: RatingModel {
  public let settings: NeighbourSettings
  /// Row-major `size` × `size` similarities.
  public let similarities: [Float]
  public let size: Int

  public var spec: ModelSpec { settings.spec }
  public var storedRatings: SparseMatrix? { nil }

  public var namedParameters: [NamedTensor] { [NamedTensor("knn.similarity", shape: [size, size], values: similarities)] }

  public func predictor(_ context: PredictionContext) -> any PairPredictor {
    NeighbourPredictor(NeighbourScorer(model: self, context: context))
  }

  public func userFolder(_ context: PredictionContext) -> any UserFolder {
    NeighbourFolder(scorer: NeighbourScorer(model: self, context: context), support: FoldInSupport(context))
  }
}

/// What scoring reads, built once per loaded model: the ratings grouped by y, the x means and
/// which users and items had training ratings.
struct NeighbourScorer: Sendable {
  let model: NeighbourModel
  let context: PredictionContext
  /// Ratings grouped by y (by item when user-based): who rated it and how.
  let byY: SparseMatrix
  let xMeans: [Float]
  let userKnown: [Bool]
  let itemKnown: [Bool]

  init(model: NeighbourModel, context: PredictionContext) {
    self.model = model
    self.context = context
    let rated = context.rated
    let userBased = model.settings.userBased
    byY = userBased ? rated.transposed() : rated
    var known = [Bool](repeating: false, count: rated.columnCount)
    for c in rated.columns { known[Int(c)] = true }
    itemKnown = known
    userKnown = (0..<rated.rowCount).map { rated.rowLength($0) > 0 }
    let byX = userBased ? rated : rated.transposed()
    xMeans = (0..<byX.rowCount).map { x in
      let range = byX.rowStart[x]..<byX.rowStart[x + 1]
      return range.isEmpty ? 0 : byX.values[range].reduce(0, +) / Float(range.count)
    }
  }

  /// The estimate for y from the xs that rated it, at similarities `similarity(x2)`, given
  /// the x's own mean and baseline bias and y's bias.
  func estimate(y: Int, ownMean: Float, ownBias: Float, yBias: Float, similarity: (Int) -> Float) -> Float? {
    let range = byY.rowStart[y]..<byY.rowStart[y + 1]
    var candidates: [Neighbour] = []
    candidates.reserveCapacity(range.count)
    for q in range { candidates.append(Neighbour(sim: similarity(Int(byY.columns[q])), x: Int(byY.columns[q]), rating: byY.values[q])) }
    return combine(candidates, ownMean: ownMean, ownBias: ownBias, yBias: yBias)
  }

  /// A candidate neighbour: its similarity, index and rating of the y being predicted.
  struct Neighbour {
    var sim: Float
    var x: Int
    var rating: Float
  }

  /// surprise's estimate from the candidates: the k most similar (ties: earlier first, as
  /// heapq.nlargest), those with positive similarity, combined by the kind's formula; nil
  /// when KNNBasic has fewer than min_k of them (the others then keep their base term).
  func combine(_ all: [Neighbour], ownMean: Float, ownBias: Float, yBias: Float) -> Float? {
    let s = model.settings
    let b = context.baseline
    let xBiases = s.userBased ? b.userBias : b.itemBias
    var candidates = all
    if candidates.count > s.neighbours {
      let order = candidates.indices.sorted { candidates[$0].sim != candidates[$1].sim ? candidates[$0].sim > candidates[$1].sim : $0 < $1 }
      candidates = order.prefix(s.neighbours).map { candidates[$0] }
    }
    var sumSim = 0.0, sumRatings = 0.0, actualK = 0
    for c in candidates where c.sim > 0 {
      sumSim += Double(c.sim)
      switch s.kind {
      case .basic: sumRatings += Double(c.sim) * Double(c.rating)
      case .means: sumRatings += Double(c.sim) * Double(c.rating - xMeans[c.x])
      case .baseline: sumRatings += Double(c.sim) * Double(c.rating - (b.globalMean + xBiases[c.x] + yBias))
      }
      actualK += 1
    }
    let term: Float = actualK >= s.minNeighbours && sumSim > 0 ? Float(sumRatings / sumSim) : 0
    switch s.kind {
    case .basic: return actualK >= s.minNeighbours && sumSim > 0 ? term : nil
    case .means: return ownMean + term
    case .baseline: return b.globalMean + ownBias + yBias + term
    }
  }
}

/// Scores training users: known user and item, else the baseline (a fallback).
struct NeighbourPredictor: PairPredictor {
  let scorer: NeighbourScorer
  init(_ scorer: NeighbourScorer) { self.scorer = scorer }

  func predict(user: Int32, item: Int32) -> (value: Float, fallback: Bool) {
    let c = scorer.context
    guard Int(user) < scorer.userKnown.count, Int(item) < scorer.itemKnown.count,
      scorer.userKnown[Int(user)], scorer.itemKnown[Int(item)]
    else { return c.fallback(user: user, item: item) }
    let s = scorer.model.settings, b = c.baseline
    let (x, y) = s.userBased ? (Int(user), Int(item)) : (Int(item), Int(user))
    let n = scorer.model.size
    let row = x * n
    let (ownBias, yBias) = s.userBased ? (b.userBias[x], b.itemBias[y]) : (b.itemBias[x], b.userBias[y])
    let value = scorer.model.similarities.withUnsafeBufferPointer { sims in
      scorer.estimate(y: y, ownMean: scorer.xMeans[x], ownBias: ownBias, yBias: yBias) { sims[row + $0] }
    }
    // KNNBasic with too few neighbours answers with the baseline (surprise: the global mean).
    return (c.scale.clip(value ?? b.predict(user: user, item: item)), false)
  }
}

/// Folds a new user in: item-based, the user's items are the neighbours of every item;
/// user-based, the user's similarity to every training user is computed from their ratings
/// (the profile's vector), with their mean last.
struct NeighbourFolder: UserFolder {
  let scorer: NeighbourScorer
  let support: FoldInSupport

  var itemCount: Int { support.itemCount }
  func knows(_ item: Int32) -> Bool { support.isKnown(item) }

  func foldIn(_ ratings: UserRatings) -> UserProfile {
    let kept = support.usable(ratings)
    guard !kept.isEmpty else { return support.fallbackProfile(ratings) }
    let bias = support.baselineBias(kept)
    let mean = kept.values.reduce(0, +) / Float(kept.count)
    let s = scorer.model.settings
    guard s.userBased else { return UserProfile(ratings: kept, vector: [mean], baselineBias: bias, isFallback: false) }
    let b = scorer.context.baseline
    let row = SimilarityRow(
      measure: s.similarity, byY: scorer.byY, minSupport: s.minSupport, shrinkage: s.shrinkage, globalMean: b.globalMean,
      xBias: b.userBias, yBias: b.itemBias)
    var sims = [Float](repeating: 0, count: scorer.model.size)
    sims.withUnsafeMutableBufferPointer { out in
      row.compute(ys: kept.items[...], values: kept.values[...], ownBias: bias, own: nil, scratch: .init(scorer.model.size), into: out.baseAddress!)
    }
    return UserProfile(ratings: kept, vector: sims + [mean], baselineBias: bias, isFallback: false)
  }

  func score(_ profile: UserProfile, item: Int32) -> Float {
    guard !profile.isFallback, support.isKnown(item) else { return support.baselineScore(profile, item: item) }
    let s = scorer.model.settings, b = scorer.context.baseline
    let value: Float?
    if s.userBased {
      let mean = profile.vector.last ?? 0
      value = scorer.estimate(y: Int(item), ownMean: mean, ownBias: profile.baselineBias, yBias: b.itemBias[Int(item)]) { profile.vector[$0] }
    } else {
      // The item is the x; the user's rated items are its candidate neighbours.
      let n = scorer.model.size, x = Int(item)
      let candidates = zip(profile.ratings.items, profile.ratings.values).map { j, r in
        NeighbourScorer.Neighbour(sim: scorer.model.similarities[x * n + Int(j)], x: Int(j), rating: r)
      }
      value = scorer.combine(candidates, ownMean: scorer.xMeans[x], ownBias: b.itemBias[x], yBias: profile.baselineBias)
    }
    return scorer.context.scale.clip(value ?? support.baselineScore(profile, item: item))
  }
}
