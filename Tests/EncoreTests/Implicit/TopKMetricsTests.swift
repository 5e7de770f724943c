import XCTest

@testable import Encore

/// The ranking metrics on hand-worked cases, including the degenerate ones, and the evaluator
/// against a plain recomputation.
final class TopKMetricsTests: XCTestCase {
  func testHandWorkedUser() {
    // Ranking: items 0, 1, 2, 3, … ; targets {0, 2}.
    let relevant = [true, false, true, false, false]
    XCTAssertEqual(TopKMetric.recall(2).value(hits: relevant, targets: 2), 0.5)
    XCTAssertEqual(TopKMetric.recall(3).value(hits: relevant, targets: 2), 1)
    // DCG = 1/log2(2) + 1/log2(4) = 1.5; ideal = 1 + 1/log2(3).
    XCTAssertEqual(TopKMetric.ndcg(3).value(hits: relevant, targets: 2), 1.5 / (1 + 1 / log2(3.0)), accuracy: 1e-12)
    XCTAssertEqual(TopKMetric.ndcg(1).value(hits: relevant, targets: 2), 1)
    // Only the second-ranked item relevant: NDCG@5 with one target = 1/log2(3).
    XCTAssertEqual(TopKMetric.ndcg(5).value(hits: [false, true, false, false, false], targets: 1), 1 / log2(3.0), accuracy: 1e-12)
  }

  func testRecallDenominatorsDifferWhenTargetsExceedK() {
    // 30 targets, the top 20 all hits: vae_cf's recall divides by min(K, 30) = 20, LensKit's by 30.
    let relevant = [Bool](repeating: true, count: 20)
    XCTAssertEqual(TopKMetric.recall(20).value(hits: relevant, targets: 30), 1)
    XCTAssertEqual(TopKMetric.targetRecall(20).value(hits: relevant, targets: 30), 20.0 / 30, accuracy: 1e-15)
    // Ideal DCG runs over min(K, targets) positions: a perfect top 20 of 30 targets is 1.
    XCTAssertEqual(TopKMetric.ndcg(20).value(hits: relevant, targets: 30), 1, accuracy: 1e-12)
  }

  /// A model that scores item i as `scores[i]` for everyone.
  struct FixedScores: InteractionModel {
    let scores: [Float]
    var settings: any InteractionModelSettings { MostPopularSettings() }
    var itemCount: Int { scores.count }
    func score(_ input: SparseMatrix, rows: Range<Int>, into out: UnsafeMutablePointer<Float>, compute: ComputeContext) {
      for j in 0..<rows.count { (out + j * scores.count).update(from: scores, count: scores.count) }
    }
    var namedParameters: [NamedTensor] { [] }
  }

  func testInputItemsAreNeverRankedAndUsersWithoutTargetsAreNotScored() {
    // Item 0 scores highest but is the user's input: the ranking starts at item 1.
    let model = FixedScores(scores: [10, 5, 4, 3, 2, 1])
    let users = HeldOutInteractions(
      users: [0, 1], input: SparseMatrix(binaryRows: [[0], [2]], columnCount: 6),
      targets: SparseMatrix(binaryRows: [[1], []], columnCount: 6))
    let report = TopKEvaluator(metrics: [.recall(1), .ndcg(100)], compute: .serial).evaluate(model, on: users)
    XCTAssertEqual(report.usersScored, 1)
    XCTAssertEqual(report.usersWithoutTargets, 1)
    XCTAssertEqual(report.mean(.recall(1)), 1)
    XCTAssertEqual(report.mean(.ndcg(100)), 1)
  }

  func testEvaluatorMatchesAPlainRecomputationWithStandardErrors() {
    var rng = SeededGenerator(seed: 7)
    let items = 40
    let scores = (0..<items).map { _ in Float(rng.next() % 1000) }
    let model = FixedScores(scores: scores)
    var inputs: [[Int32]] = [], targets: [[Int32]] = []
    for _ in 0..<300 {
      var all = Array(0..<Int32(items))
      rng.shuffle(&all)
      let t = 1 + Int(rng.next() % 12), i = Int(rng.next() % 10)
      targets.append(Array(all[0..<t]))
      inputs.append(Array(all[t..<(t + i)]))
    }
    let users = HeldOutInteractions(
      users: (0..<300).map { Int32($0) }, input: SparseMatrix(binaryRows: inputs, columnCount: items),
      targets: SparseMatrix(binaryRows: targets, columnCount: items))
    var evaluator = TopKEvaluator(metrics: [.recall(5), .ndcg(10), .targetRecall(5)], compute: try! ComputeContext(threads: 2))
    evaluator.batchSize = 7  // several batches, split over threads
    let report = evaluator.evaluate(model, on: users)
    // Plain: sort every item by score (ties: lower index), drop inputs, read the top.
    var recall: [Double] = [], ndcg: [Double] = [], lenskit: [Double] = []
    for u in 0..<300 {
      let ranked = (0..<items).filter { !inputs[u].contains(Int32($0)) }.sorted { scores[$0] > scores[$1] || (scores[$0] == scores[$1] && $0 < $1) }
      let t = Set(targets[u].map(Int.init))
      let hits5 = ranked.prefix(5).filter(t.contains).count
      recall.append(Double(hits5) / Double(min(5, t.count)))
      lenskit.append(Double(hits5) / Double(t.count))
      var dcg = 0.0, ideal = 0.0
      for (r, i) in ranked.prefix(10).enumerated() where t.contains(i) { dcg += 1 / log2(Double(r) + 2) }
      for r in 0..<min(10, t.count) { ideal += 1 / log2(Double(r) + 2) }
      ndcg.append(dcg / ideal)
    }
    func meanSE(_ v: [Double]) -> (Double, Double) {
      let m = v.reduce(0, +) / Double(v.count)
      let sd = (v.map { ($0 - m) * ($0 - m) }.reduce(0, +) / Double(v.count)).squareRoot()
      return (m, sd / Double(v.count).squareRoot())
    }
    for (figure, values) in zip(report.figures, [recall, ndcg, lenskit]) {
      let (m, se) = meanSE(values)
      XCTAssertEqual(figure.mean, m, accuracy: 1e-12, figure.metric)
      XCTAssertEqual(figure.standardError, se, accuracy: 1e-12, figure.metric)
    }
    XCTAssertNotEqual(report.figures[0].mean, report.figures[2].mean, "some user has more than 5 targets")
  }

  func testTopKIndicesBreakTiesByLowerIndexAndSkipNaN() {
    let values: [Float] = [1, 3, 3, .nan, 2, 3, -.infinity]
    let top = values.withUnsafeBufferPointer { TopK.indices(of: $0, k: 4) }
    XCTAssertEqual(top, [1, 2, 5, 4])
    XCTAssertEqual(values.withUnsafeBufferPointer { TopK.indices(of: $0, k: 100) }, [1, 2, 5, 4, 0, 6])
  }
}
