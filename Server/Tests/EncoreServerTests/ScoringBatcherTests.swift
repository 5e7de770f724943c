import Encore
import Foundation
import XCTest

@testable import EncoreServer

/// The batcher answers every caller with its own profile's scores, however the concurrent
/// requests are grouped into batches.
final class ScoringBatcherTests: XCTestCase {
  func testConcurrentRequestsEachGetTheirOwnScores() async throws {
    let fixture = try ServerFixture()
    let model = try ServedModel(path: fixture.modelPath)
    let batcher = ScoringBatcher(maxBatch: 8, compute: .serial)
    // 40 different users: each rates three items, with ratings that differ between users.
    let profiles = (0..<40).map { u in
      model.folder.foldIn(UserRatings(items: [Int32(u % 60), Int32((u * 7 + 3) % 60), Int32((u * 13 + 5) % 60)],
                                      values: [Float(1 + u % 5), Float(5 - u % 5), 3]))
    }
    let expected = profiles.map { profile in (0..<model.folder.itemCount).map { model.folder.score(profile, item: Int32($0)) } }
    XCTAssertEqual(Set(expected.map { $0.prefix(5).map(\.bitPattern) }).count, 40, "the profiles should score differently")
    let answers = await withTaskGroup(of: (Int, [Float]).self) { group in
      for (index, profile) in profiles.enumerated() {
        group.addTask { (index, await batcher.scores(profile, on: model)) }
      }
      var answers = [[Float]](repeating: [], count: profiles.count)
      for await (index, scores) in group { answers[index] = scores }
      return answers
    }
    for index in profiles.indices {
      XCTAssertEqual(answers[index].count, expected[index].count)
      for (a, e) in zip(answers[index], expected[index]) { XCTAssertEqual(a, e, accuracy: 1e-5, "request \(index)") }
    }
  }
}
