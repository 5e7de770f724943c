import XCTest

@testable import Encore

/// The server's SQLite store read back for training: last rating wins, added files merge.
final class RatingStoreTests: XCTestCase {
  /// Writes a store with the server's schema and `rows` of (user, item, rating, timestamp).
  func makeStore(_ folder: TemporaryFolder, _ rows: [(String, String, Double, Int64?)]) throws -> String {
    let path = folder.path + "/ratings.sqlite"
    let sqlite = try XCTUnwrap(SQLiteLibrary.available, "libsqlite3 should be on every Debian machine")
    let db = try sqlite.open(readOnly: path, writable: true)
    defer { sqlite.close(db) }
    for statement in RatingStore.schema { try sqlite.rows(db, statement, path: path) { _ in } }
    for (user, item, rating, time) in rows {
      try sqlite.rows(
        db, "INSERT INTO ratings (user, item, rating, timestamp, received_at) VALUES ('\(user)', '\(item)', \(rating), \(time.map(String.init) ?? "NULL"), 0)",
        path: path) { _ in }
    }
    return path
  }

  func testStoreIsRecognisedAndTheLastRatingOfAPairWins() throws {
    let folder = TemporaryFolder()
    let path = try makeStore(folder, [("u1", "a", 4, 10), ("u2", "a", 3, 11), ("u1", "a", 2, 12), ("u1", "b", 5, 13)])
    XCTAssertTrue(RatingStore.isStore(path))
    XCTAssertFalse(RatingStore.isStore(folder.write("r.csv", "1,2,3\n")))
    let data = try RatingDataLoader().load(path)
    XCTAssertEqual(data.ratings.count, 3)
    let u1 = data.users.index(of: "u1")!, a = data.items.index(of: "a")!
    let k = (0..<3).first { data.ratings.users[$0] == u1 && data.ratings.items[$0] == a }!
    XCTAssertEqual(data.ratings.values[k], 2)
    XCTAssertEqual(data.ratings.timestamps[k], 12)
  }

  func testAddedStoreReplacesAndExtendsTheTrainingFile() throws {
    let folder = TemporaryFolder()
    let csv = folder.write("train.csv", "u1,a,1,1\nu1,b,2,2\nu2,a,3,3\n")
    let store = try makeStore(folder, [("u1", "a", 5, 20), ("u3", "c", 4, 21)])
    var loader = RatingDataLoader()
    loader.addedFiles = [store]
    let data = try loader.load(csv)
    XCTAssertEqual(data.ratings.count, 4)
    XCTAssertEqual(data.ratings.values, [5, 2, 3, 4])
    XCTAssertEqual(data.ratings.timestamps, [20, 2, 3, 21])
    XCTAssertTrue(data.sourceDescription.contains("1 added, 1 replaced"), data.sourceDescription)
  }

  func testStoreWithoutRatingsTableOrWithABadRatingIsAnError() throws {
    let folder = TemporaryFolder()
    let path = folder.path + "/other.sqlite"
    let sqlite = try XCTUnwrap(SQLiteLibrary.available)
    let db = try sqlite.open(readOnly: path, writable: true)
    try sqlite.rows(db, "CREATE TABLE things (x)", path: path) { _ in }
    sqlite.close(db)
    XCTAssertThrowsError(try RatingDataLoader().load(path)) { error in
      XCTAssertTrue("\(error)".contains("without a 'ratings' table"), "\(error)")
    }
    let bad = try makeStore(folder, [("u1", "a", 4, nil), ("u1", "b", 1e300, nil)])
    XCTAssertThrowsError(try RatingDataLoader().load(bad)) { error in
      XCTAssertTrue("\(error)".contains("row 2"), "\(error)")
    }
  }
}
