import Foundation
import XCTest

@testable import Encore

/// Model files written by Encore before the model-spec redesign (main at dc13fbd) still load
/// and predict bit-identically. The fixtures were trained on `train.csv` with that build, and
/// its predictions for `pairs.csv` written with 9 significant digits (exact for Float).
final class LegacyModelFileTests: XCTestCase {
  static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("Fixtures/legacy-models").path

  /// The models that existed at dc13fbd (later families have no legacy files).
  static let legacyNames = ["i-autorec", "u-autorec", "baseline", "baseline-sgd", "global-mean", "svd", "svdpp", "truncated-svd", "deep-ae"]

  func testEveryLegacyModelPredictsAsItDid() throws {
    XCTAssertTrue(Set(Self.legacyNames).isSubset(of: ModelFamilies.modelNames))
    for name in Self.legacyNames {
      let trained = try ModelFile.load(Self.folder + "/\(name).safetensors")
      XCTAssertEqual(trained.name, name)
      var users = trained.users, items = trained.items
      let pairs = try RatingDataLoader(duplicates: .keepLast).readFile(Self.folder + "/pairs.csv", users: &users, items: &items)
      let (predicted, _) = trained.predictor().predict(pairs)
      let expected = try String(contentsOfFile: Self.folder + "/\(name).predictions.tsv", encoding: .utf8)
        .split(separator: "\n").dropFirst().map { Float($0.split(separator: "\t")[2])! }
      XCTAssertEqual(predicted, expected, name)
      // Saved again, it records its specification and still predicts the same.
      let dir = TemporaryFolder()
      try ModelFile.save(trained, to: dir.path + "/again.safetensors")
      let again = try ModelFile.load(dir.path + "/again.safetensors")
      XCTAssertEqual(again.predictor().predict(pairs).values, predicted, name)
      XCTAssertNil(try again.spec.firstDifference(from: trained.spec), name)
    }
  }
}
