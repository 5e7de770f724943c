import XCTest

@testable import Encore

/// Histograms as numpy.histogram builds them for seed 003's histo_summary.
final class HistogramTests: XCTestCase {
  func testBucketsMatchNumpysEqualWidthBins() {
    // numpy.histogram([0, 1, 1, 2, 3, 4], bins=4) → counts [1, 2, 1, 2], edges [0, 1, 2, 3, 4]:
    // every bin is half-open but the last, which holds its right edge.
    let values: [Float] = [0, 1, 1, 2, 3, 4]
    let h = values.withUnsafeBufferPointer { Histogram($0, bins: 4) }
    XCTAssertEqual(h.bucketCounts, [1, 2, 1, 2])
    XCTAssertEqual(h.bucketLimits, [1, 2, 3, 4])
    XCTAssertEqual(h.count, 6)
    XCTAssertEqual(h.sum, 11)
    XCTAssertEqual(h.sumOfSquares, 31)
    XCTAssertEqual(h.minimum, 0)
    XCTAssertEqual(h.maximum, 4)
    let flat = [Float](repeating: 2, count: 3).withUnsafeBufferPointer { Histogram($0) }
    XCTAssertEqual(flat.bucketCounts, [3])
    XCTAssertEqual(flat.bucketLimits, [2])
  }
}
