import XCTest

@testable import Encore

final class SplitTests: XCTestCase {
  let ratings = smallRatings(users: 60, items: 40, perUser: 10, seed: 9)

  func key(_ s: RatingSet, _ k: Int) -> Int64 { Int64(s.users[k]) << 32 | Int64(s.items[k]) }
  func keys(_ s: RatingSet) -> Set<Int64> { Set((0..<s.count).map { key(s, $0) }) }

  func testHoldoutSizesNoOverlapAndDeterminism() throws {
    let (train, test) = try Splitter.split(ratings, .holdout(testFraction: 0.1), seed: 1)
    XCTAssertEqual(train.count + test.count, ratings.count)
    XCTAssertEqual(test.count, Int((Double(ratings.count) * 0.1).rounded()))
    XCTAssertTrue(keys(train).isDisjoint(with: keys(test)))
    let again = try Splitter.split(ratings, .holdout(testFraction: 0.1), seed: 1)
    XCTAssertEqual(again.test, test)
    let other = try Splitter.split(ratings, .holdout(testFraction: 0.1), seed: 2)
    XCTAssertNotEqual(other.test, test)
  }

  func testKFoldPartitionsEveryRatingOnce() throws {
    var seen = Set<Int64>()
    for fold in 0..<5 {
      let (train, test) = try Splitter.split(ratings, .kFold(folds: 5, fold: fold), seed: 3)
      XCTAssertEqual(train.count + test.count, ratings.count)
      XCTAssertTrue(keys(train).isDisjoint(with: keys(test)))
      XCTAssertTrue(seen.isDisjoint(with: keys(test)))
      seen.formUnion(keys(test))
    }
    XCTAssertEqual(seen.count, ratings.count)
  }

  func testTemporalSplitTrainsOnThePast() throws {
    var timed = ratings
    timed.timestamps = (0..<ratings.count).map { Int64(($0 * 7919) % 1000) }
    let (train, test) = try Splitter.split(timed, .temporal(quantile: 0.8), seed: 0)
    XCTAssertEqual(train.count + test.count, ratings.count)
    XCTAssertLessThan(train.timestamps.max()!, test.timestamps.min()!)
    XCTAssertThrowsError(try Splitter.split(ratings, .temporal(quantile: 0.8), seed: 0))
  }

  func testValidationIsCarvedFromTrainOnly() throws {
    let (train, test) = try Splitter.split(ratings, .holdout(testFraction: 0.2), seed: 4)
    let (fit, validation) = Splitter.carveValidation(train, fraction: 0.1, seed: 4)
    XCTAssertEqual(fit.count + validation.count, train.count)
    XCTAssertTrue(keys(fit).isDisjoint(with: keys(validation)))
    XCTAssertTrue(keys(validation).isDisjoint(with: keys(test)))
    XCTAssertTrue(keys(validation).isSubset(of: keys(train)))
  }

  func testInvalidArguments() {
    XCTAssertThrowsError(try Splitter.split(ratings, .holdout(testFraction: 1.5), seed: 0))
    XCTAssertThrowsError(try Splitter.split(ratings, .kFold(folds: 1, fold: 0), seed: 0))
  }

  /// A validation fraction too small to round to one rating still carves one (early stopping
  /// needs something to score), and never more than asked otherwise.
  func testValidationIsNeverEmptyWhenAsked() {
    let train = smallRatings(users: 5, items: 4, perUser: 3, seed: 1)
    XCTAssertEqual(train.count, 15)
    let (fit, validation) = Splitter.carveValidation(train, fraction: 0.01, seed: 2)
    XCTAssertEqual(validation.count, 1)
    XCTAssertEqual(fit.count, 14)
    XCTAssertEqual(Splitter.carveValidation(train, fraction: 0.2, seed: 2).validation.count, 3)
    XCTAssertEqual(Splitter.carveValidation(train, fraction: 0, seed: 2).validation.count, 0)
  }
}

final class SyntheticRatingsTests: XCTestCase {
  func testShapeDeterminismAndScale() {
    let shape = SyntheticRatings.Shape(users: 200, items: 150, ratings: 5_000, minimum: 0.5, maximum: 5, step: 0.5, seed: 3)
    let a = SyntheticRatings(shape: shape).generate()
    let b = SyntheticRatings(shape: shape).generate()
    XCTAssertEqual(a.ratings, b.ratings)
    XCTAssertEqual(a.ratings.count, 5_000)
    XCTAssertTrue(a.ratings.values.allSatisfy { $0 >= 0.5 && $0 <= 5 && ($0 * 2).rounded() == $0 * 2 })
    // No user rates an item twice.
    let pairs = Set((0..<a.ratings.count).map { Int64(a.ratings.users[$0]) << 32 | Int64(a.ratings.items[$0]) })
    XCTAssertEqual(pairs.count, 5_000)
    // Popularity is skewed: the top 10% of items hold well over 10% of ratings.
    var perItem = [Int](repeating: 0, count: 150)
    for i in a.ratings.items { perItem[Int(i)] += 1 }
    let top = perItem.sorted(by: >).prefix(15).reduce(0, +)
    XCTAssertGreaterThan(top, 5_000 / 4)
  }

  func testCSVRoundTrip() throws {
    let dir = TemporaryFolder()
    let data = SyntheticRatings(shape: .init(users: 30, items: 20, ratings: 200, minimum: 0.5, maximum: 5, step: 0.5)).generate()
    let path = dir.path + "/ratings.csv"
    try SyntheticRatings.writeCSV(data, to: path)
    let back = try RatingDataLoader().load(path)
    XCTAssertEqual(back.ratings.values, data.ratings.values)
    XCTAssertEqual(back.ratings.timestamps, data.ratings.timestamps)
  }
}
