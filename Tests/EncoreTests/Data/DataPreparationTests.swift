import Foundation
import XCTest

@testable import Encore

/// The data preparation the seeds do in pandas: dropping bad lines (counted), a rating scale,
/// activity filters, per-user and per-item tables, and writing a split back out.
final class DataPreparationTests: XCTestCase {
  let messy = "user,item,rating\n1,10,4\n1,11,\n2,10,5\n2,11,abc\n3,,4\n3,12,11\n4,10,3\n"

  func testDropInvalidSkipsCountsAndNamesBadLines() throws {
    let dir = TemporaryFolder()
    let file = dir.write("r.csv", messy)
    XCTAssertThrowsEncoreError(
      .malformedLine(file: file, line: 3, reason: "rating '' is not a finite number"), try RatingDataLoader().load(file))
    var loader = RatingDataLoader()
    loader.dropInvalid = true
    let data = try loader.load(file)
    XCTAssertEqual(data.ratings.values, [4, 5, 11, 3])
    XCTAssertEqual(data.ratings.skippedLines.count, 3)
    XCTAssertEqual(data.ratings.skippedLines.examples, [
      "\(file):3: rating '' is not a finite number", "\(file):5: rating 'abc' is not a finite number",
      "\(file):6: the item ID is empty",
    ])
    XCTAssertEqual(data.users.rawIDs, ["1", "2", "3", "4"])  // user 3 kept by its valid line
    XCTAssertTrue(data.ratings.skippedLines.note.hasPrefix("skipped 3 invalid lines"))
  }

  func testDropInvalidCountsAcrossParallelChunksInFileOrder() throws {
    // Over 1 MB, so the file is parsed in one chunk per thread.
    var text = "user,item,rating\n"
    for k in 0..<120_000 { text += k % 1000 == 999 ? "\(k),x,bad\n" : "\(k),\(k % 50),\(1 + k % 5)\n" }
    let dir = TemporaryFolder()
    let file = dir.write("big.csv", text)
    var loader = RatingDataLoader(compute: try ComputeContext(threads: 2))
    loader.dropInvalid = true
    let data = try loader.load(file)
    XCTAssertEqual(data.ratings.skippedLines.count, 120)
    XCTAssertEqual(data.ratings.count, 120_000 - 120)
    XCTAssertEqual(data.ratings.skippedLines.examples.first, "\(file):1001: rating 'bad' is not a finite number")
    XCTAssertEqual(data.ratings.skippedLines.examples.count, SkippedLines.exampleLimit)
  }

  func testAFileWithNoValidLineIsStillAnError() {
    let dir = TemporaryFolder()
    let file = dir.write("r.csv", "user,item,rating\n1,2,x\n")
    var loader = RatingDataLoader()
    loader.dropInvalid = true
    XCTAssertThrowsError(try loader.load(file)) { error in
      XCTAssertTrue("\(error)".contains("no line is a rating"), "\(error)")
    }
  }

  func testRatingScaleRefusesOrSkipsRatingsOutsideIt() throws {
    let dir = TemporaryFolder()
    let file = dir.write("r.csv", "user,item,rating\n1,10,4\n2,10,11\n")
    var loader = RatingDataLoader()
    loader.acceptedRatings = 1...10
    loader.acceptedRatingsSource = "the rating scale --rating-scale gives"
    XCTAssertThrowsEncoreError(
      .malformedLine(file: file, line: 3, reason: "rating 11 is outside the rating scale --rating-scale gives (1–10)"), try loader.load(file))
    loader.dropInvalid = true
    XCTAssertEqual(try loader.load(file).ratings.values, [4])
  }

  func testActivityFilterRepeatsUntilEveryUserAndItemHasItsMinimum() throws {
    // User c has 2 ratings, one on item z which only c rated: dropping z (< 2 ratings) leaves
    // c with 1, so c goes too, and then item y (rated by b and c) is left with 1.
    let rows: [(String, String)] = [("a", "x"), ("a", "w"), ("b", "x"), ("b", "w"), ("b", "y"), ("c", "y"), ("c", "z")]
    var users = IDMap(), items = IDMap(), set = RatingSet()
    for (u, i) in rows { set.append(user: users.insert(u), item: items.insert(i), value: 3) }
    let data = RatingData(ratings: set, users: users, items: items, titles: [items.index(of: "w")!: "Double-U"], sourceDescription: "t")
    let (kept, removed) = try ActivityFilter(minimumUserRatings: 2, minimumItemRatings: 2).apply(to: data)
    XCTAssertEqual(kept.users.rawIDs, ["a", "b"])
    XCTAssertEqual(kept.items.rawIDs, ["x", "w"])
    XCTAssertEqual(kept.ratings.count, 4)
    XCTAssertEqual(removed, ActivityFilter.Removed(ratings: 3, users: 1, items: 2))
    XCTAssertEqual(kept.titles, [1: "Double-U"])
    // Every index is in range of the rebuilt maps.
    XCTAssertTrue(kept.ratings.users.allSatisfy { $0 < 2 } && kept.ratings.items.allSatisfy { $0 < 2 })
    // No filter: the data is untouched.
    XCTAssertEqual(try ActivityFilter().apply(to: data).data.ratings, data.ratings)
  }

  func testActivityTablesCountAndAverageEachIDAndListTheMostActive() throws {
    let data = try load("user,item,rating\n1,10,4\n1,11,2\n2,10,5\n3,10,3\n3,12,1\n3,11,5\n")
    let info = DatasetInfo(data, seconds: 0, top: 2)
    XCTAssertEqual(info.userActivity.top.map(\.id), ["3", "1"])
    XCTAssertEqual(info.userActivity.top[0].count, 3)
    XCTAssertEqual(info.userActivity.top[0].meanRating, 3, accuracy: 1e-12)
    XCTAssertEqual(info.itemActivity.top.map(\.id), ["10", "11"])
    XCTAssertEqual(info.itemActivity.top[0].meanRating, 4, accuracy: 1e-12)
    XCTAssertEqual(info.userActivity.minimumCount, 1)
    XCTAssertEqual(info.userActivity.maximumCount, 3)
    XCTAssertEqual(info.itemActivity.meanCount, 2, accuracy: 1e-12)
    XCTAssertEqual(info.itemActivity.csv(idHeader: "item"), "item,count,mean_rating\n10,3,4.0000\n11,2,3.5000\n12,1,1.0000\n")
  }

  func testAWrittenSplitReadsBackTheSameRatings() throws {
    let dir = TemporaryFolder()
    var users = IDMap(), items = IDMap(), set = RatingSet()
    set.append(user: users.insert("ann, b."), item: items.insert("tt\"1\""), value: 3.5, timestamp: 100)
    set.append(user: users.insert("7"), item: items.insert("x"), value: 10, timestamp: 200)
    let file = dir.path + "/train.csv"
    try RatingFileWriter.writeCSV(set, users: users, items: items, to: file)
    let text = try String(contentsOfFile: file, encoding: .utf8)
    XCTAssertEqual(text, "userId,movieId,rating,timestamp\n\"ann, b.\",\"tt\"\"1\"\"\",3.5,100\n7,x,10,200\n")
    let back = try RatingDataLoader().load(file)
    XCTAssertEqual(back.ratings.values, [3.5, 10])
    XCTAssertEqual(back.ratings.timestamps, [100, 200])
    XCTAssertEqual(back.users.rawIDs, ["ann, b.", "7"])
  }

  func testDelimiterAloneStillReadsThreeColumnsAndNamedHeaders() throws {
    let dir = TemporaryFolder()
    var loader = RatingDataLoader()
    loader.delimiter = ";"
    XCTAssertEqual(try loader.load(dir.write("a.txt", "1;2;3\n2;2;4\n")).ratings.values, [3, 4])
    let named = try loader.load(dir.write("b.txt", "movie;rate;user\n5;4;1\n"))
    XCTAssertEqual(named.users.rawIDs, ["1"])
    XCTAssertEqual(named.items.rawIDs, ["5"])
  }

  // MARK: Folders the seeds point at

  func testKaggleMovieLens20MFolderWithDatesAndTitles() throws {
    let dir = TemporaryFolder()
    dir.write("ml-20m/rating.csv", "userId,movieId,rating,timestamp\n1,2,3.5,2005-04-02 23:53:47\n1,29,3.5,2005-04-02 23:31:16\n")
    dir.write("ml-20m/movie.csv", "movieId,title,genres\n2,Jumanji (1995),Adventure\n29,\"City of Lost Children, The (1995)\",Drama\n")
    let data = try RatingDataLoader().load(dir.path + "/ml-20m")
    XCTAssertEqual(data.ratings.values, [3.5, 3.5])
    XCTAssertEqual(data.ratings.timestamps, [1_112_486_027, 1_112_484_676])
    XCTAssertEqual(data.titles[1], "City of Lost Children, The (1995)")
    XCTAssertTrue(data.sourceDescription.contains("Kaggle"))
  }

  func testKMRDFolderWithKoreanTitles() throws {
    let dir = TemporaryFolder()
    dir.write("kmrd-small/rates.csv", "user,movie,rate,time\n0,10003,7,1494128040\n0,10004,10,1467529800\n1,10003,1,1467529900\n")
    dir.write("kmrd-small/movies.txt", "movie\ttitle\ttitle_eng\tyear\tgrade\n10003\t빽 투 더 퓨쳐 2\tBack To The Future Part 2 , 1989\t2015\t12세 관람가\n")
    let data = try RatingDataLoader().load(dir.path + "/kmrd-small")
    XCTAssertEqual(data.ratings.values, [7, 10, 1])
    XCTAssertEqual(data.items.rawIDs, ["10003", "10004"])
    XCTAssertEqual(data.titles[0], "빽 투 더 퓨쳐 2")
    XCTAssertEqual(data.ratings.timestamps.count, 3)
  }

  func testDeepRecommenderFolderOfTabSeparatedTextFiles() throws {
    let dir = TemporaryFolder()
    dir.write("N3M_TRAIN/part1.txt", "1\t10\t5\n2\t10\t3\n")
    dir.write("N3M_TRAIN/part2.txt", "1\t11\t4\n")
    let data = try RatingDataLoader().load(dir.path + "/N3M_TRAIN")
    XCTAssertEqual(data.users.rawIDs, ["1", "2"])  // user first, as DeepRecommender's run.py reads
    XCTAssertEqual(data.items.rawIDs, ["10", "11"])
    XCTAssertEqual(data.ratings.values, [5, 3, 4])
    // A .txt folder of something else is not taken for one.
    dir.write("notes/readme.txt", "hello\n")
    XCTAssertThrowsError(try RatingDataLoader().load(dir.path + "/notes"))
  }

  // MARK: Wide user × item tables (seed 004's train.csv)

  let wide = "userId,10,20,30,40,50,60,70\n1,5.0,0.0,0.0,0.0,0.0,0.0,0.0\n2,0.0,3.5,0.0,0.0,0.0,0.0,1.0\n"

  func testAWideTableIsNeverReadAsOneRatingPerLine() {
    let dir = TemporaryFolder()
    let file = dir.write("train.csv", wide)
    XCTAssertThrowsError(try RatingDataLoader().load(file)) { error in
      XCTAssertTrue("\(error)".contains("train.csv:1: looks like a wide user × item table"), "\(error)")
    }
  }

  func testAWideTableReadsWithItsMissingValue() throws {
    let dir = TemporaryFolder()
    let file = dir.write("train.csv", wide)
    var loader = RatingDataLoader()
    loader.layout = .wide
    // Without --missing, a table of mostly zeros is refused, naming the value.
    XCTAssertThrowsError(try loader.load(file)) { error in
      XCTAssertTrue("\(error)".contains("of the table's cells are 0"), "\(error)")
    }
    loader.missingValue = 0
    loader.missingValueGiven = true
    let data = try loader.load(file)
    XCTAssertEqual(data.users.rawIDs, ["1", "2"])
    XCTAssertEqual(data.ratings.values, [5, 3.5, 1])
    XCTAssertEqual(data.ratings.items.map { data.items.rawIDs[Int($0)] }, ["10", "20", "70"])
    XCTAssertEqual(data.items.count, 7)  // every column is an item, rated or not
    // Empty cells are "not rated" too, and --missing none reads zeros as ratings.
    loader.missingValue = nil
    XCTAssertEqual(try loader.load(dir.write("e.csv", "u,1,2\n7,,4\n8,0,\n")).ratings.values, [4, 0])
  }

  func testWideTableErrorsNameTheLine() {
    let dir = TemporaryFolder()
    var loader = RatingDataLoader()
    loader.layout = .wide
    loader.missingValueGiven = true
    for (text, message) in [
      ("u,1,2\n7,4\n", "t.csv:2: expected 3 fields like the header, found 2"),
      ("u,1,2\n7,4,x\n", "t.csv:2: cell of item '2' is 'x'"),
      ("u,1,1\n7,4,3\n", "t.csv:1: item '1' heads columns 2 and 3"),
      ("u,1,2\n7,4,3\n7,1,1\n", "t.csv:3: user 7 rated item 1 again"),
    ] {
      let file = dir.write("t.csv", text)
      XCTAssertThrowsError(try loader.load(file), message) { error in
        XCTAssertTrue("\(error)".contains(message), "\(error)")
      }
    }
  }

  func load(_ text: String) throws -> RatingData {
    let dir = TemporaryFolder()
    return try RatingDataLoader().load(dir.write("r.csv", text))
  }
}
