import XCTest

@testable import Encore

/// The strong-generalisation split: every count and cut point of its definition, checked on
/// data where a wrong cut would show.
final class StrongGeneralisationTests: XCTestCase {
  /// 60 users: user u chose items 0..<(3 + u % 20) (so 3 to 22 items), item 29 only by user 59.
  func data() -> InteractionData {
    var rows: [[Int32]] = []
    for u in 0..<60 { rows.append((0..<Int32(3 + u % 20)).map { $0 }) }
    rows[59].append(29)
    let matrix = SparseMatrix(binaryRows: rows, columnCount: 30)
    return InteractionData(
      matrix: matrix, users: IDMap(rawIDs: (0..<60).map { "u\($0)" }), items: IDMap(rawIDs: (0..<30).map { "i\($0)" }),
      sourceDescription: "test", positiveRule: "user,item pairs")
  }

  func testPartsCountsAndTargets() throws {
    let d = data()
    let split = try StrongGeneralisation(validationUsers: 7, testUsers: 9, seed: 3).split(d)
    // Users with fewer than 5 items (u % 20 < 2: 6 users) are left out.
    let eligible = (0..<60).filter { 3 + $0 % 20 >= 5 }
    XCTAssertEqual(split.train.rowCount + split.validation.count + split.test.count, eligible.count)
    XCTAssertEqual(split.validation.count, 7)
    XCTAssertEqual(split.test.count, 9)
    let all = Set(split.trainUsers + split.validation.users + split.test.users)
    XCTAssertEqual(all, Set(eligible.map { Int32($0) }))
    // The item set is exactly the items training users chose.
    let trained = Set(split.trainUsers.flatMap { d.matrix.row(Int($0)) })
    XCTAssertEqual(Set(split.items), trained)
    for part in [split.validation, split.test] {
      XCTAssertEqual(part.users, part.users.sorted())
      for (r, u) in part.users.enumerated() {
        let own = Set(d.matrix.row(Int(u)).filter(trained.contains))
        let input = part.input.row(r).map { split.items[Int($0)] }, targets = part.targets.row(r).map { split.items[Int($0)] }
        XCTAssertTrue(Set(input).isDisjoint(with: targets))
        XCTAssertEqual(Set(input).union(targets), own)
        XCTAssertEqual(targets.count, own.count >= 5 ? Int(Double(own.count) * 0.2) : 0, "user \(u) with \(own.count) items")
      }
    }
  }

  func testSeedDecidesAndRepeats() throws {
    let d = data()
    let a = try StrongGeneralisation(validationUsers: 5, testUsers: 5, seed: 1).split(d)
    let b = try StrongGeneralisation(validationUsers: 5, testUsers: 5, seed: 1).split(d)
    let c = try StrongGeneralisation(validationUsers: 5, testUsers: 5, seed: 2).split(d)
    XCTAssertEqual(a.test.users, b.test.users)
    XCTAssertEqual(a.test.targets, b.test.targets)
    XCTAssertNotEqual(a.test.users, c.test.users)
  }

  func testTooFewUsersAndBadCountsAreRefused() {
    let d = data()
    XCTAssertThrowsError(try StrongGeneralisation(validationUsers: 30, testUsers: 30, seed: 1).split(d)) { error in
      XCTAssertTrue("\(error)".contains("only 54 users with at least 5 interactions"), "\(error)")
    }
    XCTAssertThrowsError(try StrongGeneralisation(validationUsers: 1, testUsers: 0, seed: 1).split(d))
  }

  func testSplitFilesRoundTrip() throws {
    let d = data()
    let split = try StrongGeneralisation(validationUsers: 6, testUsers: 6, seed: 4).split(d)
    let folder = TemporaryFolder()
    try SplitFiles.write(split, users: d.users, items: d.items, to: folder.path)
    let read = try SplitFiles.read(folder.path, loader: RatingDataLoader(compute: .serial))
    // The same item numbering (first appearance in train.csv), users and parts.
    XCTAssertEqual(split.items.map { d.items.rawIDs[Int($0)] }, read.split.items.map { read.items.rawIDs[Int($0)] })
    XCTAssertEqual(split.train, read.split.train)
    XCTAssertEqual(split.trainUsers.map { d.users.rawIDs[Int($0)] }, read.split.trainUsers.map { read.users.rawIDs[Int($0)] })
    for (a, b) in [(split.validation, read.split.validation), (split.test, read.split.test)] {
      XCTAssertEqual(Set(a.users.map { d.users.rawIDs[Int($0)] }), Set(b.users.map { read.users.rawIDs[Int($0)] }))
      let byUserA = Dictionary(uniqueKeysWithValues: a.users.enumerated().map { (d.users.rawIDs[Int($1)], a.targets.row($0).map { Int($0) }) })
      let byUserB = Dictionary(uniqueKeysWithValues: b.users.enumerated().map { (read.users.rawIDs[Int($1)], b.targets.row($0).map { Int($0) }) })
      XCTAssertEqual(byUserA, byUserB)
    }
  }
}
