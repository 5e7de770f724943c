import XCTest

@testable import Encore

/// Implicit data from pairs files and from ratings through a threshold.
final class InteractionDataTests: XCTestCase {
  func testThresholdKeepsRatingsStrictlyAbove() throws {
    let folder = TemporaryFolder()
    let path = folder.write("r.csv", "1,10,3.5\n1,11,4\n2,10,5\n2,12,3\n3,12,0.5\n")
    let data = try RatingDataLoader(compute: .serial).load(path)
    let at35 = try InteractionData(data, positiveThreshold: 3.5)
    XCTAssertEqual(at35.count, 2)  // 4 and 5; not 3.5 itself
    XCTAssertEqual(at35.positiveRule, "ratings > 3.5")
    let at4 = try InteractionData(data, positiveThreshold: 4)
    XCTAssertEqual(at4.count, 1)
    XCTAssertEqual(at4.matrix.row(Int(data.users.index(of: "2")!)).map { data.items.rawIDs[Int($0)] }, ["10"])
    let below = try InteractionData(data, positiveThreshold: 0)
    XCTAssertEqual(below.count, 5, "a threshold below the scale keeps every rating")
    XCTAssertThrowsError(try InteractionData(data, positiveThreshold: nil)) { XCTAssertTrue("\($0)".contains("--positive-threshold")) }
    XCTAssertThrowsError(try InteractionData(data, positiveThreshold: 5)) { XCTAssertTrue("\($0)".contains("nothing is left")) }
  }

  func testPairsFilesWithAndWithoutHeaders() throws {
    let folder = TemporaryFolder()
    let loader = RatingDataLoader(compute: .serial)
    // vae_cf's header, the item column first in another, and none.
    for (name, text) in [("a.csv", "uid,sid\n7,100\n7,101\n8,100\n"), ("b.csv", "movieId,userId\n100,7\n101,7\n100,8\n"), ("c.tsv", "7\t100\n7\t101\n8\t100\n")] {
      let data = try loader.load(folder.write(name, text))
      XCTAssertTrue(data.ratings.isPairs, name)
      let x = try InteractionData(data, positiveThreshold: nil)
      XCTAssertEqual(x.count, 3, name)
      XCTAssertEqual(x.users.rawIDs, ["7", "8"], name)
      XCTAssertEqual(x.items.rawIDs, ["100", "101"], name)
      XCTAssertThrowsError(try InteractionData(data, positiveThreshold: 3), name)
    }
    // A first line of two fields over lines of four (a header cut short, as a pipe read after
    // the store probe gives it) is not a pairs file.
    XCTAssertFalse(try loader.load(folder.write("cut.csv", "ting,timestamp\n1,2,3,4\n2,2,4,5\n")).ratings.isPairs)
    // A rating file is not pairs; a bad line in a pairs file names its line.
    XCTAssertFalse(try loader.load(folder.write("r.csv", "1,2,3\n")).ratings.isPairs)
    XCTAssertThrowsError(try loader.load(folder.write("bad.csv", "user,item\n1,2\n3\n"))) { error in
      XCTAssertTrue("\(error)".contains("bad.csv:3"), "\(error)")
    }
  }
}
