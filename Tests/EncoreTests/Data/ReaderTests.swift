import Foundation
import XCTest

@testable import Encore

final class ReaderTests: XCTestCase {
  func testMovieLens100KFolderWithLatin1Titles() throws {
    let dir = TemporaryFolder()
    dir.write("ml/u.data", "1\t10\t5\t881250949\n2\t10\t3\t881250950\n1\t20\t4\t881250951\n")
    dir.write("ml/u.item", "10|Café Society (1995)|01-Jan-1995||http://x|0|1\n20|Toy Story (1995)|01-Jan-1995||http://y|0|1\n", encoding: .isoLatin1)
    let data = try RatingDataLoader().load(dir.path + "/ml")
    XCTAssertEqual(data.ratings.count, 3)
    XCTAssertEqual(data.users.rawIDs, ["1", "2"])
    XCTAssertEqual(data.items.rawIDs, ["10", "20"])
    XCTAssertEqual(data.ratings.values, [5, 3, 4])
    XCTAssertEqual(data.ratings.timestamps, [881250949, 881250950, 881250951])
    XCTAssertEqual(data.titles[0], "Café Society (1995)")
    XCTAssertTrue(data.sourceDescription.contains("MovieLens-100K"))
  }

  func testExplicitTrainAndTestShareMapsAndTitles() throws {
    let dir = TemporaryFolder()
    let train = dir.write("u1.base", "1\t1\t5\t1\n2\t2\t3\t2\n")
    let test = dir.write("u1.test", "1\t2\t4\t3\n3\t1\t2\t4\n")
    dir.write("u.item", "1|One|x\n2|Two|x\n")
    let (data, testSet) = try RatingDataLoader().load(train: train, test: test)
    XCTAssertEqual(data.ratings.count, 2)
    XCTAssertEqual(testSet.count, 2)
    XCTAssertEqual(data.users.rawIDs, ["1", "2", "3"])  // user 3 only in test
    XCTAssertEqual(testSet.users, [0, 2])
    XCTAssertEqual(data.titles[1], "Two")
  }

  func testRatingsDatWithDoubleColon() throws {
    let dir = TemporaryFolder()
    dir.write("ml-1m/ratings.dat", "1::1193::5::978300760\n1::661::3::978302109\n")
    dir.write("ml-1m/movies.dat", "1193::One Flew Over the Cuckoo's Nest (1975)::Drama\n661::James and the Giant Peach (1996)::Animation\n")
    let data = try RatingDataLoader().load(dir.path + "/ml-1m")
    XCTAssertEqual(data.ratings.values, [5, 3])
    XCTAssertEqual(data.items.rawIDs, ["1193", "661"])
    XCTAssertEqual(data.titles[0], "One Flew Over the Cuckoo's Nest (1975)")
  }

  func testRatingsCSVWithHeaderHalfStarsAndQuotedTitles() throws {
    let dir = TemporaryFolder()
    dir.write("ml-20m/ratings.csv", "userId,movieId,rating,timestamp\r\n1,2,3.5,1112486027\r\n1,29,0.5,1112484676\r\n7,2,4.0,1112484819\r\n")
    dir.write("ml-20m/movies.csv", "movieId,title,genres\n2,Jumanji (1995),Adventure\n29,\"City of Lost Children, The (Cité des enfants perdus, La) (1995)\",Drama\n")
    let data = try RatingDataLoader().load(dir.path + "/ml-20m")
    XCTAssertEqual(data.ratings.values, [3.5, 0.5, 4.0])
    XCTAssertEqual(data.titles[1], "City of Lost Children, The (Cité des enfants perdus, La) (1995)")
    XCTAssertEqual(data.users.count, 2)
  }

  func testNetflixFolderAndCombinedFile() throws {
    let dir = TemporaryFolder()
    dir.write("nf/training_set/mv_0000001.txt", "1:\n1488844,3,2005-09-06\n822109,5,2005-05-13\n")
    dir.write("nf/training_set/mv_0000002.txt", "2:\n1488844,4,2005-09-07\n")
    dir.write("nf/movie_titles.csv", "1,2003,Dinosaur Planet\n2,2004,Isle of Man TT 2004 Review\n")
    let data = try RatingDataLoader().load(dir.path + "/nf")
    XCTAssertEqual(data.ratings.count, 3)
    XCTAssertEqual(data.users.rawIDs, ["1488844", "822109"])
    XCTAssertEqual(data.titles[0], "Dinosaur Planet (2003)")
    XCTAssertEqual(data.ratings.timestamps[0], 1_125_964_800)  // 2005-09-06 00:00 UTC

    let combined = dir.write("combined_data_1.txt", "1:\n5,3,2005-01-01\n2:\n5,4,2005-01-02\n6,1,2005-01-03\n")
    var users = IDMap(), items = IDMap()
    let set = try RatingDataLoader().readFile(combined, users: &users, items: &items)
    XCTAssertEqual(set.items, [0, 1, 1])
    XCTAssertEqual(set.values, [3, 4, 1])
  }

  /// A file whose last line has no newline keeps that line, in every reader (and across the
  /// parallel reader's chunks, and with a CRLF file's last line).
  func testLastLineWithoutNewlineIsRead() throws {
    let dir = TemporaryFolder()
    for (name, text) in [
      ("a/u.data", "1\t10\t5\t881250949\n2\t20\t3\t881250950"),
      ("b/ratings.csv", "userId,movieId,rating,timestamp\n1,10,5,1\n2,20,3,2"),
      ("c/ratings.dat", "1::10::5::1\n2::20::3::2"),
      ("d/mine.csv", "1,10,5\r\n2,20,3\r"),
      ("e/training_set/mv_0000010.txt", "10:\n1,5,2005-01-01"),
      ("e/training_set/mv_0000020.txt", "20:\n2,3,2005-01-02"),
    ] { dir.write(name, text) }
    for folder in ["a", "b", "c", "d/mine.csv", "e"] {
      let data = try RatingDataLoader().load(dir.path + "/" + folder)
      XCTAssertEqual(data.ratings.values, [5, 3], folder)
      XCTAssertEqual(data.items.rawIDs, ["10", "20"], folder)
    }
    let combined = dir.write("combined_data_1.txt", "1:\n5,3,2005-01-01\n2:\n6,1,2005-01-03")
    var users = IDMap(), items = IDMap()
    XCTAssertEqual(try RatingDataLoader().readFile(combined, users: &users, items: &items).values, [3, 1])

    var big = ""
    for k in 0..<60_000 { big += "\(k % 997),\(k),\(k % 5 + 1)\n" }
    let file = dir.write("big.csv", big + "5,60000,2")
    let data = try RatingDataLoader().load(file)
    XCTAssertEqual(data.ratings.count, 60_001)
    XCTAssertEqual(data.ratings.values.last, 2)

    dir.write("t1/u.item", "10|One (1995)|x\n20|Two (1996)|x")
    XCTAssertEqual(TitleReader.titles(inFolder: dir.path + "/t1")["20"], "Two (1996)")
    dir.write("t2/movies.csv", "movieId,title,genres\n10,One (1995),Drama\n20,Two (1996),Comedy")
    XCTAssertEqual(TitleReader.titles(inFolder: dir.path + "/t2")["20"], "Two (1996)")
    XCTAssertEqual(try UserRatingsFile.parse("10,5\n20,3", source: "mine").entries.map(\.rating), [5, 3])
  }

  /// Quoted fields (as pandas' to_csv writes string IDs) are read without their quotes.
  func testQuotedFieldsLoseTheirQuotes() throws {
    let dir = TemporaryFolder()
    let file = dir.write("quoted.csv", "\"user\",\"item\",\"rating\"\n\"u 1\",\"book, vol. 2\",\"4.5\"\n\"u2\", \"i9\" ,3\n")
    let data = try RatingDataLoader().load(file)
    XCTAssertEqual(data.users.rawIDs, ["u 1", "u2"])
    XCTAssertEqual(data.items.rawIDs, ["book, vol. 2", "i9"])
    XCTAssertEqual(data.ratings.values, [4.5, 3])
  }

  func testCustomDelimiterColumnsAndStringIDs() throws {
    let dir = TemporaryFolder()
    let file = dir.write("mine.txt", "item;extra;user;score\nbook-a;x;alice;4.5\nbook-b;y;bob;2\nbook-a;z;bob;3\n")
    let format = DelimitedFormat(delimiter: ";", hasHeader: true, userColumn: 2, itemColumn: 0, ratingColumn: 3, timestampColumn: nil)
    let data = try RatingDataLoader(format: format).load(file)
    XCTAssertEqual(data.users.rawIDs, ["alice", "bob"])
    XCTAssertEqual(data.items.rawIDs, ["book-a", "book-b"])
    XCTAssertEqual(data.ratings.values, [4.5, 2, 3])
    XCTAssertFalse(data.ratings.hasTimestamps)
  }

  func testGuessedFormatsAndHeaderDetection() throws {
    let dir = TemporaryFolder()
    let file = dir.write("ratings.tsv", "user\titem\trating\nu1\ti1\t4\nu2\ti1\t5\n")
    let data = try RatingDataLoader().load(file)
    XCTAssertEqual(data.ratings.count, 2)
    XCTAssertEqual(data.users.rawIDs, ["u1", "u2"])
  }

  func testLargeFileParsesOnBothCoresInFileOrder() throws {
    let dir = TemporaryFolder()
    var text = "userId,movieId,rating,timestamp\n"
    for k in 0..<60_000 { text += "\(k % 997),\(k % 313 + (k / 997) * 313),\(k % 5 + 1).0,\(k)\n" }
    let file = dir.write("ratings.csv", text)
    let data = try RatingDataLoader().load(file)
    XCTAssertEqual(data.ratings.count, 60_000)
    XCTAssertEqual(data.ratings.timestamps, (0..<60_000).map(Int64.init))
    XCTAssertEqual(data.users.rawIDs.prefix(3), ["0", "1", "2"])
  }
}

final class BadInputTests: XCTestCase {
  func load(_ text: String, name: String = "r.csv", duplicates: DuplicatePolicy = .error) throws -> RatingData {
    let dir = TemporaryFolder()
    let file = dir.write(name, text)
    return try RatingDataLoader(duplicates: duplicates).load(file)
  }

  func path(_ error: Error) -> String {
    if case .malformedLine(let file, _, _) = error as? EncoreError { return file }
    return ""
  }

  func expectLineError(_ text: String, line: Int, contains: String, name: String = "u.data", file: StaticString = #filePath, l: UInt = #line) {
    let dir = TemporaryFolder()
    let path = dir.write(name, text)
    do {
      _ = try RatingDataLoader().load(path)
      XCTFail("expected an error", file: file, line: l)
    } catch let EncoreError.malformedLine(f, n, reason) {
      XCTAssertEqual(f, path, file: file, line: l)
      XCTAssertEqual(n, line, file: file, line: l)
      XCTAssertTrue(reason.contains(contains), reason, file: file, line: l)
    } catch {
      XCTFail("unexpected \(error)", file: file, line: l)
    }
  }

  func testWrongNumberOfColumns() {
    expectLineError("1\t1\t5\t1\n1\t2\n", line: 2, contains: "expected at least 4 fields")
  }

  func testNonNumericRating() {
    expectLineError("1\t1\t5\t1\n2\t1\tfive\t1\n", line: 2, contains: "'five' is not a finite number")
  }

  func testNaNAndInfiniteRatings() {
    expectLineError("1\t1\tnan\t1\n", line: 1, contains: "not a finite number")
    expectLineError("1\t1\t5\t1\n\n1\t2\tinf\t1\n", line: 3, contains: "not a finite number")
  }

  func testBadTimestamp() {
    expectLineError("1\t1\t5\tyesterday\n", line: 1, contains: "timestamp")
  }

  func testRatingsThatDoNotFitAFloatOrAreHexadecimalAreRefused() {
    expectLineError("1\t1\t5\t1\n1\t2\t1e40\t1\n", line: 2, contains: "'1e40' does not fit a 32-bit float")
    expectLineError("1\t1\t3.5e38\t1\n", line: 1, contains: "'3.5e38' does not fit a 32-bit float")
    expectLineError("1\t1\t1000000000000000000000000000000000000000\t1\n", line: 1, contains: "does not fit a 32-bit float")
    expectLineError("1\t1\t0x4\t1\n", line: 1, contains: "'0x4' is hexadecimal")
  }

  func expectFileError(_ bytes: [UInt8], name: String = "r.csv", contains: String, file: StaticString = #filePath, line: UInt = #line) {
    let dir = TemporaryFolder()
    let path = dir.path + "/" + name
    XCTAssertTrue(FileManager.default.createFile(atPath: path, contents: Data(bytes)), "cannot write \(path)", file: file, line: line)
    XCTAssertThrowsError(try RatingDataLoader().load(path), file: file, line: line) { error in
      XCTAssertTrue("\(error)".contains(contains), "\(error)", file: file, line: line)
    }
  }

  func testEncodingsLineEndingsAndLongLinesAreNamed() {
    expectFileError([0xFF, 0xFE] + Array("1,1,5\n".utf8).flatMap { [$0, 0] }, contains: "UTF-16 or UTF-32")
    expectFileError(Array("1,1,5\n".utf8).flatMap { [$0, 0] }, contains: "NUL bytes")
    expectFileError(Array("1,1,5\r2,1,4\r3,2,1\r".utf8), contains: "CR only")
    expectFileError(Array(String(repeating: "1", count: 10_000).utf8), contains: "longer than 4 KB")
    // Latin-1 IDs must not merge into one U+FFFD ID.
    let latin1: [UInt8] = Array("u,caf".utf8) + [0xE9] + Array(",5\nu,caf".utf8) + [0xE8] + Array(",4\n".utf8)
    expectFileError(latin1, contains: "is not valid UTF-8")
  }

  func testHeadersNameTheColumnsAndMovieLensNamesNeedFourColumns() throws {
    let swapped = try load("movieId,userId,rating\n10,1,4\n20,1,5\n10,2,3\n")
    XCTAssertEqual(swapped.users.rawIDs, ["1", "2"])
    XCTAssertEqual(swapped.items.rawIDs, ["10", "20"])
    let reordered = try load("timestamp;rating;item_id;user_id\n100;4;a;u1\n")
    XCTAssertEqual(reordered.ratings.values, [4])
    XCTAssertEqual(reordered.ratings.timestamps, [100])
    XCTAssertEqual(reordered.users.rawIDs, ["u1"])
    let threeColumns = try load("1\t10\t4\n2\t10\t5\n", name: "my.test")
    XCTAssertEqual(threeColumns.ratings.values, [4, 5])
    XCTAssertFalse(threeColumns.ratings.hasTimestamps)
  }

  func testColumnsAloneKeepTheDelimiterGuess() throws {
    let dir = TemporaryFolder()
    let path = dir.write("r.txt", "5\tu1\ti1\n3\tu2\ti1\n")
    var loader = RatingDataLoader()
    loader.columns = (user: 1, item: 2, rating: 0, timestamp: nil)
    let data = try loader.load(path)
    XCTAssertEqual(data.ratings.values, [5, 3])
    XCTAssertEqual(data.users.rawIDs, ["u1", "u2"])
  }

  func testAFormatIsCheckedBeforeReading() throws {
    let folder = TemporaryFolder()
    let path = folder.write("r.csv", "1,1,5\n")
    var users = IDMap(), items = IDMap()
    for (format, message) in [
      (DelimitedFormat(delimiter: ""), "delimiter"), (DelimitedFormat(delimiter: "\n"), "line break"),
      (DelimitedFormat(delimiter: ",", userColumn: 0, itemColumn: 0, ratingColumn: 0, timestampColumn: nil), "different columns"),
      (DelimitedFormat(delimiter: ",", userColumn: -1), "0 or more"),
    ] {
      XCTAssertThrowsError(try RatingFileReader(format: format).read(path, users: &users, items: &items)) { error in
        XCTAssertTrue("\(error)".contains(message), "\(error)")
      }
    }
  }

  func testErrorLineNumbersAfterHeaderAndInSecondChunk() throws {
    var text = "userId,movieId,rating,timestamp\n"
    for k in 0..<80_000 { text += "\(k),\(k % 50),4.0,\(k)\n" }
    text += "oops,1,x,1\n"
    expectLineError(text, line: 80_002, contains: "'x' is not a finite number", name: "ratings.csv")
  }

  func testEmptyFileAndHeaderOnly() {
    let dir = TemporaryFolder()
    let empty = dir.write("empty.csv", "")
    XCTAssertThrowsEncoreError(.emptyInput(file: empty), try RatingDataLoader().load(empty))
    let header = dir.write("ratings.csv", "userId,movieId,rating,timestamp\n")
    XCTAssertThrowsEncoreError(.emptyInput(file: header), try RatingDataLoader().load(header))
  }

  func testMissingFile() {
    XCTAssertThrowsEncoreError(.io(path: "/nonexistent/u.data", reason: "no such file or folder"), try RatingDataLoader().load("/nonexistent/u.data"))
  }

  func testDuplicatePolicies() throws {
    let text = "1\t1\t5\t1\n1\t2\t3\t2\n1\t1\t1\t3\n"
    let dir = TemporaryFolder()
    let file = dir.write("u.data", text)
    XCTAssertThrowsEncoreError(
      .duplicateRating(file: file, line: 3, user: "1", item: "1", firstLine: 1), try RatingDataLoader().load(file))
    let last = try RatingDataLoader(duplicates: .keepLast).load(file)
    XCTAssertEqual(last.ratings.count, 2)
    XCTAssertEqual(last.ratings.values, [3, 1])
    let mean = try RatingDataLoader(duplicates: .mean).load(file)
    XCTAssertEqual(mean.ratings.values, [3, 3])
  }

  /// Three and four ratings of one pair: the mean is over all of them, the last is the file's last.
  func testDuplicateGroupsLargerThanPairs() throws {
    let dir = TemporaryFolder()
    let file = dir.write("r.csv", "1,1,5\n1,1,4\n1,2,3\n1,1,1\n2,1,2\n2,1,2\n2,1,4\n2,1,5\n")
    XCTAssertThrowsEncoreError(
      .duplicateRating(file: file, line: 2, user: "1", item: "1", firstLine: 1), try RatingDataLoader().load(file))
    let mean = try RatingDataLoader(duplicates: .mean).load(file)
    XCTAssertEqual(mean.ratings.count, 3)
    XCTAssertEqual(mean.ratings.values[0], 3, "the pair (1, 2)")
    XCTAssertEqual(mean.ratings.values[1], 10.0 / 3, accuracy: 1e-6)
    XCTAssertEqual(mean.ratings.values[2], 13.0 / 4, accuracy: 1e-6)
    let last = try RatingDataLoader(duplicates: .keepLast).load(file)
    XCTAssertEqual(last.ratings.values, [3, 1, 5])
  }

  func testFolderWithoutRatings() {
    let dir = TemporaryFolder()
    dir.write("notes.txt", "hello")
    XCTAssertThrowsError(try RatingDataLoader().load(dir.path)) { error in
      XCTAssertTrue("\(error)".contains("no known rating file"))
    }
  }
}
