import Foundation

/// Ranking metrics for implicit feedback, defined as vae_cf's notebook defines them:
/// - Recall@K = hits in the top K / min(K, number of targets) (`Recall_at_k_batch`);
/// - NDCG@K with binary relevance, discount 1/log2(rank + 1), ideal DCG over
///   min(K, number of targets) positions (`NDCG_binary_at_k_batch`);
/// and, under its own name, LensKit's and Microsoft Recommenders' recall, hits / targets.
/// Input items are never ranked. A user without targets is not scored (counted apart).
public enum TopKMetric: Sendable, Hashable, Codable {
  case recall(Int)
  case ndcg(Int)
  case targetRecall(Int)

  public var k: Int {
    switch self { case .recall(let k), .ndcg(let k), .targetRecall(let k): return k }
  }

  /// "recall@20", "ndcg@100", "target-recall@20".
  public var name: String {
    switch self {
    case .recall(let k): return "recall@\(k)"
    case .ndcg(let k): return "ndcg@\(k)"
    case .targetRecall(let k): return "target-recall@\(k)"
    }
  }

  /// The metrics reports lead with: the three figures papers quote, then LensKit's recall.
  public static let standard: [TopKMetric] = [.recall(20), .recall(50), .ndcg(100), .targetRecall(20)]
  /// What validation selects on.
  public static let validation = TopKMetric.ndcg(100)

  /// This metric for one user, from the 0/1 relevance of the top `k` ranked items.
  public func value(hits relevant: [Bool], targets: Int) -> Double {
    let k = self.k
    let top = min(k, relevant.count)
    switch self {
    case .recall:
      var hits = 0
      for r in 0..<top where relevant[r] { hits += 1 }
      return Double(hits) / Double(min(k, targets))
    case .targetRecall:
      var hits = 0
      for r in 0..<top where relevant[r] { hits += 1 }
      return Double(hits) / Double(targets)
    case .ndcg:
      var dcg = 0.0, ideal = 0.0
      for r in 0..<top where relevant[r] { dcg += 1 / Foundation.log2(Double(r) + 2) }
      for r in 0..<min(k, targets) { ideal += 1 / Foundation.log2(Double(r) + 2) }
      return dcg / ideal
    }
  }
}

/// A metric's mean over the scored users and its standard error (the population standard
/// deviation over √n, as vae_cf prints it).
public struct TopKFigure: Sendable, Codable, Equatable {
  public var metric: String
  public var mean: Double
  public var standardError: Double
}

/// What scoring held-out users gives.
public struct TopKReport: Sendable, Codable, Equatable {
  public var figures: [TopKFigure]
  /// Users with at least one target, over whom the means run.
  public var usersScored: Int
  /// Users with no target (too few items for the split to hold any out): not scored.
  public var usersWithoutTargets: Int

  /// The mean of `metric`, or nil when it was not computed.
  public func mean(_ metric: TopKMetric) -> Double? { figures.first { $0.metric == metric.name }?.mean }
}

/// Scores held-out users: the model ranks every item but their input items, and each metric
/// reads the top of that ranking against their targets.
public struct TopKEvaluator: Sendable {
  public var metrics: [TopKMetric]
  public var compute: ComputeContext
  /// Users scored per call of the model (one dense row of scores each).
  public var batchSize = 256

  public init(metrics: [TopKMetric] = TopKMetric.standard, compute: ComputeContext) {
    self.metrics = metrics
    self.compute = compute
  }

  /// Every metric of every held-out user with targets, as rows of `metrics.count` values.
  public func perUser(_ model: any InteractionModel, on users: HeldOutInteractions) -> (values: [[Double]], withoutTargets: Int) {
    let maxK = metrics.map(\.k).max() ?? 0
    let itemCount = model.itemCount
    let batches = (users.count + batchSize - 1) / batchSize
    var results = [[[Double]?]](repeating: [], count: batches)
    results.withUnsafeMutableBufferPointer { out in
      let out = UncheckedSendable(out)
      compute.forRanges(batches) { lo, hi in
        let scores = UnsafeMutablePointer<Float>.allocate(capacity: batchSize * itemCount)
        defer { scores.deallocate() }
        for b in lo..<hi {
          let rows = (b * batchSize)..<min(users.count, (b + 1) * batchSize)
          model.score(users.input, rows: rows, into: scores, compute: .serial)
          var batch: [[Double]?] = []
          for (j, r) in rows.enumerated() {
            let targets = users.targets.row(r)
            guard !targets.isEmpty else { batch.append(nil); continue }
            let rowScores = scores + j * itemCount
            for i in users.input.row(r) { rowScores[Int(i)] = -.infinity }
            let top = TopK.indices(of: UnsafeBufferPointer(start: rowScores, count: itemCount), k: maxK)
            let targetSet = Set(targets)
            let relevant = top.map { targetSet.contains(Int32($0)) }
            batch.append(metrics.map { $0.value(hits: relevant, targets: targets.count) })
          }
          out.value[b] = batch
        }
      }
    }
    let flat = results.flatMap { $0 }
    return (flat.compactMap { $0 }, flat.filter { $0 == nil }.count)
  }

  /// The mean and standard error of every metric over `users`.
  public func evaluate(_ model: any InteractionModel, on users: HeldOutInteractions) -> TopKReport {
    let (values, without) = perUser(model, on: users)
    var figures: [TopKFigure] = []
    for (m, metric) in metrics.enumerated() {
      let column = values.map { $0[m] }
      let n = Double(column.count)
      let mean = column.isEmpty ? .nan : column.reduce(0, +) / n
      let variance = column.isEmpty ? .nan : column.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / n
      figures.append(TopKFigure(metric: metric.name, mean: mean, standardError: (variance / n).squareRoot()))
    }
    return TopKReport(figures: figures, usersScored: values.count, usersWithoutTargets: without)
  }
}

extension TopK {
  /// The indices of the `k` largest values, largest first (ties: the lower index first, as
  /// `best`), by a bounded min-heap: O(n log k), for rows as wide as a catalogue. NaN is skipped.
  public static func indices(of values: UnsafeBufferPointer<Float>, k: Int) -> [Int] {
    let k = min(k, values.count)
    guard k > 0 else { return [] }
    // Heap of (value, index); the root is the worst kept: smallest value, then largest index.
    var heap: [(Float, Int)] = []
    heap.reserveCapacity(k)
    @inline(__always) func worse(_ a: (Float, Int), _ b: (Float, Int)) -> Bool { a.0 < b.0 || (a.0 == b.0 && a.1 > b.1) }
    func siftDown(_ start: Int) {
      var i = start
      while true {
        let l = 2 * i + 1, r = l + 1
        var m = i
        if l < heap.count && worse(heap[l], heap[m]) { m = l }
        if r < heap.count && worse(heap[r], heap[m]) { m = r }
        if m == i { return }
        heap.swapAt(i, m)
        i = m
      }
    }
    for i in 0..<values.count {
      let v = values[i]
      if v.isNaN { continue }
      if heap.count < k {
        heap.append((v, i))
        var c = heap.count - 1
        while c > 0 {
          let p = (c - 1) / 2
          if worse(heap[c], heap[p]) { heap.swapAt(c, p); c = p } else { break }
        }
      } else if worse(heap[0], (v, i)) {
        heap[0] = (v, i)
        siftDown(0)
      }
    }
    return heap.sorted { worse($1, $0) }.map(\.1)
  }
}
