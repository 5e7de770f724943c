/// Ranking quality at K under a named protocol.
public struct RankingReport: Codable, Sendable, Equatable {
  /// "test-items" (surprise's convention) or "full-catalogue".
  public var protocolName: String
  public var k: Int
  public var threshold: Double
  public var precision: Double
  public var recall: Double
  public var ndcg: Double
  public var map: Double
  public var hitRate: Double
  /// Share of the catalogue that appears in some user's top K (full-catalogue only).
  public var coverage: Double?
  /// Users the averages run over.
  public var users: Int

  enum CodingKeys: String, CodingKey {
    case protocolName = "protocol", k, threshold, precision, recall, ndcg, map, coverage, users
    case hitRate = "hit_rate"
  }
}

/// Accuracy of the order of predictions, with exactly surprise's definitions where surprise
/// has them (FCP; precision and recall at K).
public enum RankingMetrics {
  /// Fraction of Concordant Pairs as surprise computes it (Koren & Sill 2013, §5.2): for
  /// each user, n_c counts pairs with est_i > est_j and r_i > r_j, n_d pairs with
  /// est_i ≥ est_j and r_i < r_j; n_c is averaged over the users with n_c > 0, n_d over the
  /// users with n_d > 0 (surprise's dictionaries only hold users that were counted), and
  /// FCP = mean(n_c) / (mean(n_c) + mean(n_d)).
  public static func fcp(users: [Int32], predicted: [Float], actual: [Float]) throws -> Double {
    var byUser: [Int32: [(Float, Float)]] = [:]
    for k in 0..<users.count { byUser[users[k], default: []].append((actual[k], predicted[k])) }
    var ncSum = 0.0, ndSum = 0.0, ncUsers = 0, ndUsers = 0
    for (_, pairs) in byUser {
      var nc = 0, nd = 0
      for (ri, ei) in pairs {
        for (rj, ej) in pairs {
          if ei > ej && ri > rj { nc += 1 }
          if ei >= ej && ri < rj { nd += 1 }
        }
      }
      if nc > 0 { ncSum += Double(nc); ncUsers += 1 }
      if nd > 0 { ndSum += Double(nd); ndUsers += 1 }
    }
    let nc = ncUsers > 0 ? ncSum / Double(ncUsers) : 0
    let nd = ndUsers > 0 ? ndSum / Double(ndUsers) : 0
    guard nc + nd > 0 else {
      throw EncoreError.invalidArgument("cannot compute FCP: no user has two test ratings that differ")
    }
    return nc / (nc + nd)
  }

  /// Ranks each user's test items by estimate (stable: ties keep test order) and measures
  /// the top K. Precision and recall follow surprise: relevant = true ≥ threshold;
  /// recommended = in the top K and est ≥ threshold; an undefined ratio counts as 0; averaged
  /// over every user with test ratings. NDCG, MAP and hit rate use binary relevance over the
  /// same ranking (0 for users without relevant items).
  public static func testItems(users: [Int32], predicted: [Float], actual: [Float], k: Int = 10, threshold: Double = 3.5) -> RankingReport {
    var byUser: [Int32: [(est: Float, truth: Float)]] = [:]
    var order: [Int32] = []
    for idx in 0..<users.count {
      if byUser[users[idx]] == nil { order.append(users[idx]) }
      byUser[users[idx], default: []].append((predicted[idx], actual[idx]))
    }
    var precision = 0.0, recall = 0.0, ndcg = 0.0, map = 0.0, hits = 0.0
    let t = Float(threshold)
    for u in order {
      let list = stableSortedByEstimate(byUser[u]!)
      let top = list.prefix(k)
      let nRel = list.filter { $0.truth >= t }.count
      let nRecK = top.filter { $0.est >= t }.count
      let nRelAndRecK = top.filter { $0.truth >= t && $0.est >= t }.count
      precision += nRecK > 0 ? Double(nRelAndRecK) / Double(nRecK) : 0
      recall += nRel > 0 ? Double(nRelAndRecK) / Double(nRel) : 0
      let relevance = top.map { $0.truth >= t }
      ndcg += ndcgAt(relevance, relevantCount: nRel, k: k)
      map += averagePrecision(relevance, relevantCount: nRel, k: k)
      hits += relevance.contains(true) ? 1 : 0
    }
    let n = Double(max(order.count, 1))
    return RankingReport(
      protocolName: "test-items", k: k, threshold: threshold, precision: precision / n, recall: recall / n,
      ndcg: ndcg / n, map: map / n, hitRate: hits / n, coverage: nil, users: order.count)
  }

  /// Full-catalogue ranking: for each user with a relevant test rating (true ≥ threshold), every
  /// item the user did not rate in training is scored and the top K are compared with the
  /// relevant test items. Precision = hits/K, recall = hits/|relevant|; averaged over those
  /// users. Coverage = distinct recommended items / catalogue size.
  public static func fullCatalogue(
    predictor: RatingPredictor, rated: SparseMatrix, test: RatingSet, itemCount: Int, k: Int = 10, threshold: Double = 3.5
  ) -> RankingReport {
    var relevant: [Int32: Set<Int32>] = [:]
    for idx in 0..<test.count where test.values[idx] >= Float(threshold) {
      relevant[test.users[idx], default: []].insert(test.items[idx])
    }
    let users = relevant.keys.sorted()
    var perUser = [(p: Double, r: Double, ndcg: Double, ap: Double, hit: Double)](repeating: (0, 0, 0, 0, 0), count: users.count)
    var tops = [[Int32]](repeating: [], count: users.count)
    perUser.withUnsafeMutableBufferPointer { out in
      tops.withUnsafeMutableBufferPointer { topOut in
        let box = UncheckedSendable((out.baseAddress!, topOut.baseAddress!, relevant, users))
        predictor.compute.forRanges(users.count, grain: 8) { lo, hi in
          let (out, topOut, relevant, users) = box.value
          var seen = [Bool](repeating: false, count: itemCount)
          for t in lo..<hi {
            let u = users[t]
            if Int(u) < rated.rowCount {
              for p in rated.rowStart[Int(u)]..<rated.rowStart[Int(u) + 1] { seen[Int(rated.columns[p])] = true }
            }
            var scored: [(Int32, Float)] = []
            scored.reserveCapacity(itemCount)
            for i in 0..<itemCount where !seen[i] { scored.append((Int32(i), predictor.predict(user: u, item: Int32(i)).value)) }
            if Int(u) < rated.rowCount {
              for p in rated.rowStart[Int(u)]..<rated.rowStart[Int(u) + 1] { seen[Int(rated.columns[p])] = false }
            }
            let top = topK(scored, k)
            let rel = relevant[u]!
            let relevance = top.map { rel.contains($0) }
            let hits = relevance.filter { $0 }.count
            out[t] = (Double(hits) / Double(k), Double(hits) / Double(rel.count), ndcgAt(relevance, relevantCount: rel.count, k: k),
                      averagePrecision(relevance, relevantCount: rel.count, k: k), hits > 0 ? 1 : 0)
            topOut[t] = top
          }
        }
      }
    }
    let n = Double(max(users.count, 1))
    var recommended = Set<Int32>()
    for top in tops { recommended.formUnion(top) }
    return RankingReport(
      protocolName: "full-catalogue", k: k, threshold: threshold, precision: perUser.reduce(0) { $0 + $1.p } / n,
      recall: perUser.reduce(0) { $0 + $1.r } / n, ndcg: perUser.reduce(0) { $0 + $1.ndcg } / n,
      map: perUser.reduce(0) { $0 + $1.ap } / n, hitRate: perUser.reduce(0) { $0 + $1.hit } / n,
      coverage: Double(recommended.count) / Double(max(itemCount, 1)), users: users.count)
  }

  /// The K best (item, score) pairs, highest score first, ties by smaller item index.
  static func topK(_ scored: [(Int32, Float)], _ k: Int) -> [Int32] {
    scored.sorted { $0.1 != $1.1 ? $0.1 > $1.1 : $0.0 < $1.0 }.prefix(k).map(\.0)
  }

  static func stableSortedByEstimate(_ list: [(est: Float, truth: Float)]) -> [(est: Float, truth: Float)] {
    list.enumerated().sorted { $0.element.est != $1.element.est ? $0.element.est > $1.element.est : $0.offset < $1.offset }.map(\.element)
  }

  /// NDCG@K with binary gains: Σ rel_i / log2(i + 2) over the ideal ordering's value.
  static func ndcgAt(_ relevance: [Bool], relevantCount: Int, k: Int) -> Double {
    guard relevantCount > 0 else { return 0 }
    var dcg = 0.0
    for (i, r) in relevance.prefix(k).enumerated() where r { dcg += 1 / log2(Double(i) + 2) }
    var ideal = 0.0
    for i in 0..<min(k, relevantCount) { ideal += 1 / log2(Double(i) + 2) }
    return dcg / ideal
  }

  /// AP@K: Σ_i P@i · rel_i / min(K, |relevant|).
  static func averagePrecision(_ relevance: [Bool], relevantCount: Int, k: Int) -> Double {
    guard relevantCount > 0 else { return 0 }
    var hits = 0, sum = 0.0
    for (i, r) in relevance.prefix(k).enumerated() where r {
      hits += 1
      sum += Double(hits) / Double(i + 1)
    }
    return sum / Double(min(k, relevantCount))
  }

  static func log2(_ x: Double) -> Double { log_(x) / log_(2) }
}
