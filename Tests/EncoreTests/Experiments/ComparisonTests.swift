import XCTest

@testable import Encore

final class ComparisonTests: XCTestCase {
  /// The spread over folds is the sample standard deviation (n − 1), as surprise's
  /// cross_validate prints and as numpy's std(ddof=1).
  func testMeanDeviationUsesTheSampleStandardDeviation() {
    let summary = MeanDeviation([1, 2, 3, 4])
    XCTAssertEqual(summary.mean, 2.5)
    XCTAssertEqual(summary.std, (5.0 / 3).squareRoot(), accuracy: 1e-12)
    XCTAssertEqual(MeanDeviation([0.9]).std, 0)
    XCTAssertEqual(MeanDeviation([]).mean, 0)
  }
}
