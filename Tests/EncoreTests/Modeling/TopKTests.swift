import XCTest

@testable import Encore

final class TopKTests: XCTestCase {
  func testBestIsSortedWithTiesBySmallerIndexAndHonoursEligibilityAndExclusion() {
    let scores: [Float] = [3, 5, 5, 1, 9, 5, 7]
    let eligible = [true, true, true, true, false, true, true]
    let top = TopK.best(4, of: scores, eligible: eligible, excluding: [6])
    XCTAssertEqual(top.map(\.0), [1, 2, 5, 0])
    XCTAssertEqual(top.map(\.1), [5, 5, 5, 3])
    XCTAssertEqual(TopK.best(10, of: scores, eligible: eligible).map(\.0), [6, 1, 2, 5, 0, 3])
    XCTAssertEqual(TopK.best(1, of: [], eligible: []).count, 0)
  }

  func testBestAgreesWithAFullSort() {
    var rng = SeededGenerator(seed: 5)
    let scores = (0..<2_000).map { _ in Float(rng.next() % 50) }
    let eligible = (0..<2_000).map { _ in rng.next() % 4 != 0 }
    let excluded = Set((0..<2_000).filter { _ in rng.next() % 7 == 0 }.map { Int32($0) })
    let candidates: [Int] = (0..<2_000).filter { eligible[$0] && !excluded.contains(Int32($0)) }
    let sorted: [Int] = candidates.sorted { (a: Int, b: Int) -> Bool in scores[a] != scores[b] ? scores[a] > scores[b] : a < b }
    let expected: [Int32] = sorted.prefix(25).map { Int32($0) }
    XCTAssertEqual(TopK.best(25, of: scores, eligible: eligible, excluding: excluded).map(\.0), expected)
  }
}
