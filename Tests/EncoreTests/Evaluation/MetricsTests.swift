import XCTest

@testable import Encore

final class MetricsTests: XCTestCase {
  func testRMSEAndMAEAgainstHandComputedValues() {
    // errors: 1, -2, 0.5, 0 → squared 1, 4, 0.25, 0 → mean 1.3125
    let predicted: [Float] = [4, 1, 3.5, 2]
    let actual: [Float] = [3, 3, 3, 2]
    XCTAssertEqual(Metrics.rmse(predicted: predicted, actual: actual), 1.3125.squareRoot(), accuracy: 1e-12)
    XCTAssertEqual(Metrics.mae(predicted: predicted, actual: actual), 3.5 / 4, accuracy: 1e-12)
    XCTAssertEqual(Metrics.rmse(predicted: [], actual: []), 0)
  }

  func testBiasBaselineMatchesHandComputedALS() {
    // Two users, two items; one epoch of surprise's ALS by hand with reg_u = reg_i = 1.
    let r = RatingSet(users: [0, 0, 1], items: [0, 1, 0], values: [5, 3, 4])
    let b = BiasBaseline(fitting: r, userCount: 2, itemCount: 2, epochs: 1, userRegularization: 1, itemRegularization: 1)
    // μ = 4; b_i0 = (1 + 0)/(1+2) = 1/3, b_i1 = (-1)/(1+1) = -1/2
    // b_u0 = ((5-4-1/3) + (3-4+1/2))/(1+2) = (2/3 - 1/2)/3 = 1/18; b_u1 = (4-4-1/3)/(1+1) = -1/6
    XCTAssertEqual(b.globalMean, 4)
    XCTAssertEqual(b.itemBias[0], 1.0 / 3, accuracy: 1e-6)
    XCTAssertEqual(b.itemBias[1], -0.5, accuracy: 1e-6)
    XCTAssertEqual(b.userBias[0], 1.0 / 18, accuracy: 1e-6)
    XCTAssertEqual(b.userBias[1], -1.0 / 6, accuracy: 1e-6)
    XCTAssertEqual(b.predict(user: 5, item: 0), 4 + 1.0 / 3, accuracy: 1e-6)  // unknown user: no bias
  }

  func testBiasBaselineUsesEachRegulariserOnItsOwnSide() {
    // surprise's defaults, reg_i = 10 and reg_u = 15, one epoch. μ = 4.
    // b_i0 = (1 + 0)/(10 + 2) = 1/12; b_i1 = −1/(10 + 1) = −1/11;
    // b_u0 = ((1 − 1/12) + (−1 + 1/11))/(15 + 2) = (1/132)/17 = 1/2244; b_u1 = (−1/12)/(15 + 1) = −1/192.
    let r = RatingSet(users: [0, 0, 1], items: [0, 1, 0], values: [5, 3, 4])
    let b = BiasBaseline(fitting: r, userCount: 2, itemCount: 2, epochs: 1)
    XCTAssertEqual(b.itemBias[0], 1.0 / 12, accuracy: 1e-7)
    XCTAssertEqual(b.itemBias[1], -1.0 / 11, accuracy: 1e-7)
    XCTAssertEqual(b.userBias[0], 1.0 / 2244, accuracy: 1e-7)
    XCTAssertEqual(b.userBias[1], -1.0 / 192, accuracy: 1e-7)
  }
}

final class RankingMetricsTests: XCTestCase {
  // User 0: (true, est) = (5, 4.5), (3, 4.0), (4, 2.0); user 1: (2, 3.0), (4, 3.6).
  let users: [Int32] = [0, 0, 0, 1, 1]
  let actual: [Float] = [5, 3, 4, 2, 4]
  let predicted: [Float] = [4.5, 4.0, 2.0, 3.0, 3.6]

  func testFCPAgainstHandComputedPairs() throws {
    // User 0 ordered pairs: concordant (5,4.5)>(3,4.0) and (5,4.5)>(4,2.0) → 2; discordant:
    // (3,4.0) ≥ (4,2.0) with 3 < 4 → 1. User 1: (4,3.6) > (2,3.0) concordant → 1; none discordant.
    // surprise averages n_c over users with n_c > 0: (2 + 1)/2 = 1.5; n_d over users with n_d > 0: 1.
    XCTAssertEqual(try RankingMetrics.fcp(users: users, predicted: predicted, actual: actual), 1.5 / 2.5, accuracy: 1e-12)
    XCTAssertThrowsError(try RankingMetrics.fcp(users: [0], predicted: [1], actual: [1]))
  }

  func testPrecisionRecallAtKWithSurprisesConvention() {
    // K = 2, threshold 3.5. User 0 top 2 by est: (5, 4.5), (3, 4.0): recommended (est ≥ 3.5) = 2,
    // relevant ∩ recommended = 1 → precision 1/2; relevant = {5, 4} → recall 1/2.
    // User 1 top 2: (4, 3.6), (2, 3.0): recommended = 1, hit 1 → precision 1; relevant = 1 → recall 1.
    let r = RankingMetrics.testItems(users: users, predicted: predicted, actual: actual, k: 2, threshold: 3.5)
    XCTAssertEqual(r.precision, (0.5 + 1) / 2, accuracy: 1e-12)
    XCTAssertEqual(r.recall, (0.5 + 1) / 2, accuracy: 1e-12)
    XCTAssertEqual(r.protocolName, "test-items")
    // NDCG@2: user 0 relevance [1, 0], ideal [1, 1] → 1 / (1 + 1/log2 3); user 1 [1, 0], ideal [1] → 1.
    XCTAssertEqual(r.ndcg, (1 / (1 + 1 / log2(3.0)) + 1) / 2, accuracy: 1e-12)
    // AP@2: user 0: (1/1) / min(2, 2) = 0.5; user 1: 1 / 1 = 1.
    XCTAssertEqual(r.map, 0.75, accuracy: 1e-12)
    XCTAssertEqual(r.hitRate, 1)
  }

  func testFullCatalogueProtocolAndCoverage() throws {
    let plan = DataPlan(source: .synthetic(.init(users: 60, items: 40, ratings: 900, seed: 3)))
    let (data, split) = try plan.prepare()
    let (model, _) = try ExperimentRun(testModel: "svd").run(data: data, split: split)
    let r = RankingMetrics.fullCatalogue(predictor: model.predictor(), rated: model.rated, test: split.test, itemCount: 40, k: 5)
    XCTAssertEqual(r.protocolName, "full-catalogue")
    XCTAssertTrue((0...1).contains(r.precision) && (0...1).contains(r.recall) && (0...1).contains(r.ndcg))
    XCTAssertGreaterThan(r.coverage!, 0)
    XCTAssertLessThanOrEqual(r.coverage!, 1)
    XCTAssertGreaterThan(r.users, 0)
  }

  /// surprise counts a tie in the estimates as discordant when the truths differ (est_i ≥ est_j,
  /// r_i < r_j), and a tie in the truths as neither.
  func testFCPCountsEstimateTiesAsDiscordant() throws {
    // User 0 (truth, est): (5, 3), (3, 3), (4, 4). Concordant: (4,4)>(3,3) → 1. Discordant:
    // (3,3) vs (5,3) (a tie in est) and (4,4) vs (5,3) → 2.
    // User 1: (4, 2), (4, 5), (2, 1). Concordant: (4,2)>(2,1), (4,5)>(2,1) → 2; the tied truths
    // (4, 4) count neither way; discordant 0.
    // mean n_c over users with n_c > 0 = (1 + 2)/2; mean n_d over users with n_d > 0 = 2/1.
    let fcp = try RankingMetrics.fcp(
      users: [0, 0, 0, 1, 1, 1], predicted: [3, 3, 4, 2, 5, 1], actual: [5, 3, 4, 4, 4, 2])
    XCTAssertEqual(fcp, 1.5 / 3.5, accuracy: 1e-12)
  }

  /// With more relevant items than K, the ideal DCG and AP's denominator stop at K.
  func testNDCGAndAveragePrecisionWhenMoreItemsAreRelevantThanK() {
    // One user, (truth, est): (5, 5), (4, 4), (2, 3), (5, 1). Relevant (≥ 3.5): three items.
    // K = 2: top 2 are both relevant → NDCG 1 (the ideal also has 2 hits), AP (1 + 1)/min(2, 3) = 1.
    let r = RankingMetrics.testItems(users: [0, 0, 0, 0], predicted: [5, 4, 3, 1], actual: [5, 4, 2, 5], k: 2, threshold: 3.5)
    XCTAssertEqual(r.ndcg, 1, accuracy: 1e-12)
    XCTAssertEqual(r.map, 1, accuracy: 1e-12)
    XCTAssertEqual(r.recall, 2.0 / 3, accuracy: 1e-12)
    // K = 3: hits at ranks 1 and 2 only → NDCG (1 + 1/log2 3)/(1 + 1/log2 3 + 1/2), AP 2/3.
    let r3 = RankingMetrics.testItems(users: [0, 0, 0, 0], predicted: [5, 4, 3, 1], actual: [5, 4, 2, 5], k: 3, threshold: 3.5)
    XCTAssertEqual(r3.ndcg, (1 + 1 / log2(3.0)) / (1 + 1 / log2(3.0) + 0.5), accuracy: 1e-12)
    XCTAssertEqual(r3.map, 2.0 / 3, accuracy: 1e-12)
  }

  /// Equal estimates keep the test file's order (as Python's stable sort in surprise's recipe).
  func testTiedEstimatesKeepTestOrder() {
    // One user, (truth, est) in test order: (2, 4), (5, 4), (4, 3). K = 1: the first of the tied
    // pair, truth 2, is the recommendation → precision 0, recall 0, no hit.
    let r = RankingMetrics.testItems(users: [0, 0, 0], predicted: [4, 4, 3], actual: [2, 5, 4], k: 1, threshold: 3.5)
    XCTAssertEqual(r.precision, 0)
    XCTAssertEqual(r.recall, 0)
    XCTAssertEqual(r.hitRate, 0)
    // Reversed test order puts truth 5 first: precision 1, recall 1/2.
    let reversed = RankingMetrics.testItems(users: [0, 0, 0], predicted: [4, 4, 3], actual: [5, 2, 4], k: 1, threshold: 3.5)
    XCTAssertEqual(reversed.precision, 1)
    XCTAssertEqual(reversed.recall, 0.5)
    // The catalogue ranking breaks ties by the smaller item index.
    XCTAssertEqual(RankingMetrics.topK([(3, 1), (1, 1), (2, 2), (0, 0.5)], 3), [2, 1, 3])
  }

  /// Scores fixed by a table, so the full-catalogue figures can be worked out by hand.
  struct TablePredictor: PairPredictor {
    let scores: [[Float]]
    func predict(user: Int32, item: Int32) -> (value: Float, fallback: Bool) { (scores[Int(user)][Int(item)], false) }
  }

  func testFullCatalogueKnownAnswer() {
    // Five items, K = 2, threshold 3.5.
    // User 0 rated item 0 in training (excluded however high it scores); relevant test items
    // {1, 3}; scores put items 1, 2 on top → 1 hit: precision 1/2, recall 1/2,
    // NDCG 1/(1 + 1/log2 3), AP 1/2.
    // User 1 rated nothing; relevant {4}; items 3 and 4 tie at 2 and the smaller index goes
    // first → top [3, 4], 1 hit at rank 2: precision 1/2 (hits/K), recall 1, NDCG 1/log2 3, AP 1/2.
    // User 2 has no relevant test item and is not averaged.
    let predictor = RatingPredictor(TablePredictor(scores: [
      [9, 5, 4, 1, 0],
      [0, 0, 0, 2, 2],
      [1, 2, 3, 4, 5],
    ]), compute: .serial)
    let rated = SparseMatrix(rows: [0], columns: [0], values: [5], rowCount: 3, columnCount: 5)
    let test = RatingSet(users: [0, 0, 0, 1, 2], items: [1, 3, 4, 4, 2], values: [5, 4, 2, 4, 1])
    let r = RankingMetrics.fullCatalogue(predictor: predictor, rated: rated, test: test, itemCount: 5, k: 2, threshold: 3.5)
    XCTAssertEqual(r.users, 2)
    XCTAssertEqual(r.precision, 0.5, accuracy: 1e-12)
    XCTAssertEqual(r.recall, 0.75, accuracy: 1e-12)
    XCTAssertEqual(r.ndcg, (1 / (1 + 1 / log2(3.0)) + 1 / log2(3.0)) / 2, accuracy: 1e-12)
    XCTAssertEqual(r.map, 0.5, accuracy: 1e-12)
    XCTAssertEqual(r.hitRate, 1)
    XCTAssertEqual(r.coverage!, 4.0 / 5, accuracy: 1e-12)  // items 1, 2, 3, 4
  }
}
