import XCTest

@testable import Encore

/// Inputs the fuzzers found (scripts/fuzz.sh), each kept as a fixture with the answer it
/// must now get.
final class FuzzFindingTests: XCTestCase {
  static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("Fixtures/fuzz-findings").path

  /// FuzzModelFile, 2026-12-02: a model whose weights were finite but whose stored rating
  /// matrix held a NaN loaded and then predicted NaN.
  func testAModelWithANaNRatingIsRefusedOnLoad() {
    XCTAssertThrowsError(try ModelFile.load(Self.folder + "/model-with-nan-rating.safetensors")) { error in
      XCTAssertTrue("\(error)".contains("the stored rating matrix holds a rating that is not a finite number"), "\(error)")
    }
  }
}
