import XCTest

@testable import Encore

final class TestScoresTests: XCTestCase {
  // Four test pairs; the second is of an unseen user or item (a baseline guess).
  let test = RatingSet(users: [0, 0, 1, 1], items: [0, 1, 0, 1], values: [5, 1, 3, 4])
  let predicted: [Float] = [4, 2, 3, 5]
  let fallback = [false, true, false, false]

  func testBaselinePolicyCountsEveryPairAndStillReportsTheSeenOnes() {
    let s = TestScores(predicted: predicted, fallback: fallback, test: test, policy: .baseline)
    XCTAssertEqual(s.count, 4)
    XCTAssertEqual(s.unseen, 1)
    XCTAssertEqual(s.scored, 4)
    XCTAssertEqual(s.rmse, (3.0 / 4).squareRoot(), accuracy: 1e-12)  // errors 1, 1, 0, 1
    XCTAssertEqual(s.mae, 3.0 / 4, accuracy: 1e-12)
    XCTAssertEqual(s.rmseSeen!, (2.0 / 3).squareRoot(), accuracy: 1e-12)  // errors 1, 0, 1
    XCTAssertEqual(s.maeSeen!, 2.0 / 3, accuracy: 1e-12)
    // FCP over all four: user 0 (5, 4) > (1, 2) concordant; user 1 (4, 5) > (3, 3) concordant.
    XCTAssertEqual(s.fcp!, 1, accuracy: 1e-12)
  }

  func testDropPolicyLeavesUnseenPairsOut() {
    let s = TestScores(predicted: predicted, fallback: fallback, test: test, policy: .drop)
    XCTAssertEqual(s.scored, 3)
    XCTAssertEqual(s.rmse, (2.0 / 3).squareRoot(), accuracy: 1e-12)
    XCTAssertEqual(s.rmse, s.rmseSeen!)
    XCTAssertEqual(s.mae, 2.0 / 3, accuracy: 1e-12)
    // User 0 keeps one pair (no FCP pair); user 1's pair is concordant.
    XCTAssertEqual(s.fcp!, 1, accuracy: 1e-12)
    // Every pair unseen: no seen figures, no FCP, and RMSE over nothing is 0 with 0 scored.
    let none = TestScores(predicted: predicted, fallback: [true, true, true, true], test: test, policy: .drop)
    XCTAssertEqual(none.scored, 0)
    XCTAssertNil(none.rmseSeen)
    XCTAssertNil(none.fcp)
  }
}
