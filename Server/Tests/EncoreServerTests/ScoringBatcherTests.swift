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
    var profiles: [UserProfile] = []
    for u in 0..<40 {
      let items: [Int32] = [Int32(u % 60), Int32((u * 7 + 3) % 60), Int32((u * 13 + 5) % 60)]
      let values: [Float] = [Float(1 + u % 5), Float(5 - u % 5), 3]
      profiles.append(model.folder.foldIn(UserRatings(items: items, values: values)))
    }
    var expected: [[Float]] = []
    for profile in profiles {
      var row: [Float] = []
      for item in 0..<model.folder.itemCount { row.append(model.folder.score(profile, item: Int32(item))) }
      expected.append(row)
    }
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
