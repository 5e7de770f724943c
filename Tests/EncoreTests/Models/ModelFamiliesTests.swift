import Foundation
import XCTest

@testable import Encore

final class ModelFamiliesTests: XCTestCase {
  func testEveryNameHasDefaultsThatValidateAndRoundTripThroughJSON() throws {
    XCTAssertEqual(ModelFamilies.modelNames, [
      "i-autorec", "u-autorec", "baseline", "baseline-sgd", "global-mean", "svd", "svdpp", "truncated-svd", "deep-ae", "knn-basic", "knn-means", "knn-baseline",
      "ensemble", "blend",
    ])
    XCTAssertEqual(ModelFamilies.iterativeModelNames, ["i-autorec", "u-autorec", "deep-ae"])
    for name in ModelFamilies.modelNames {
      let spec = try ModelFamilies.testSpec(named: name, seed: 9)
      XCTAssertEqual(spec.name, name)
      XCTAssertEqual(spec.settings.seed, 9)
      let decoded = try ModelFamilies.decodeSpec(JSONEncoder().encode(spec))
      XCTAssertEqual(decoded.name, name)
      XCTAssertNil(try decoded.firstDifference(from: spec), name)
    }
  }

  func testSettingsThatDoNotApplyAreErrorsNamingSettingAndModel() throws {
    var o = ModelOverrides()
    o.hidden = 100
    XCTAssertThrowsError(try ModelFamilies.spec(named: "deep-ae", overrides: o)) { error in
      XCTAssertTrue("\(error)".hasPrefix("--hidden does not apply to deep-ae"), "\(error)")
    }
    o = ModelOverrides()
    o.layers = [10]
    XCTAssertThrowsError(try ModelFamilies.spec(named: "i-autorec", overrides: o)) { error in
      XCTAssertTrue("\(error)".hasPrefix("--layers does not apply to i-autorec"), "\(error)")
    }
    o = ModelOverrides()
    o.epochs = 3
    XCTAssertThrowsError(try ModelFamilies.spec(named: "global-mean", overrides: o)) { error in
      XCTAssertEqual("\(error)", "--epochs does not apply to global-mean (it takes no model settings)")
    }
    let baseline = try XCTUnwrap(try ModelFamilies.spec(named: "baseline", overrides: o).settings as? BaselineSettings)
    XCTAssertEqual(baseline.epochs, 3)  // surprise's bsl_options n_epochs
    XCTAssertThrowsError(try ModelFamilies.spec(named: "truncated-svd", overrides: o)) { error in
      XCTAssertEqual("\(error)", "--epochs does not apply to truncated-svd; truncated-svd takes --factors")
    }
    o = ModelOverrides()
    o.optimizer = .rprop
    XCTAssertThrowsEncoreError(.invalidSetting("optimizer", "for deep-ae must be adam, momentum (sgd), plain-sgd, adagrad or rmsprop"),
                               try ModelFamilies.spec(named: "deep-ae", overrides: o))
    o.optimizer = .adagrad
    XCTAssertThrowsEncoreError(.invalidSetting("optimizer", "for u-autorec must be adam, sgd (momentum), plain-sgd or rprop"),
                               try ModelFamilies.spec(named: "u-autorec", overrides: o))
  }

  /// What a bf16 request becomes for each model: AutoRec's bf16 weight rows on any CPU, the
  /// deep autoencoders' bf16 products only on AVX512_BF16, fp32 for the rest; an ensemble
  /// trains in bf16 when a member does. fp32 asked for is fp32 everywhere.
  func testTrainingPrecisionSaysWhichModelsHonourBF16() throws {
    let fp32 = try ComputeContext(gemm: .builtin), bf16 = fp32.with(precision: .bf16)
    for name in ModelFamilies.modelNames {
      let settings = try ModelFamilies.testSpec(named: name).settings
      XCTAssertEqual(settings.trainingPrecision(on: fp32), .fp32, name)
      let expected: ComputeContext.Precision
      switch name {
      case "i-autorec", "u-autorec", "ensemble", "blend": expected = .bf16
      case "deep-ae": expected = DenseKernels.hasBF16 ? .bf16 : .fp32
      default: expected = .fp32
      }
      XCTAssertEqual(settings.trainingPrecision(on: bf16), expected, name)
    }
    var o = ModelOverrides()
    o.members = [try ModelFamilies.spec(named: "svd"), try ModelFamilies.spec(named: "baseline")]
    XCTAssertEqual(try ModelFamilies.spec(named: "blend", overrides: o).settings.trainingPrecision(on: bf16), .fp32)
  }

  func testOverridesReachTheSettings() throws {
    var o = ModelOverrides()
    o.preset = "seed-003"
    o.layers = [64, 32]
    o.itemBased = true
    o.learningRate = 0.002
    let deep = try XCTUnwrap(ModelFamilies.spec(named: "deep-ae", overrides: o, seed: 3).settings as? DeepAutoencoderSettings)
    XCTAssertEqual(deep.preset, "seed-003")
    XCTAssertEqual(deep.configuration.hiddenLayers, [64, 32])
    XCTAssertTrue(deep.configuration.constrained)
    XCTAssertTrue(deep.configuration.itemBased)
    XCTAssertEqual(deep.training.learningRate, 0.002)
    XCTAssertEqual(deep.training.seed, 3)
    o = ModelOverrides()
    o.hidden = 40
    o.lambda = 7
    o.optimizer = OptimizerKind(named: "sgd")
    let auto = try XCTUnwrap(ModelFamilies.spec(named: "u-autorec", overrides: o).settings as? AutoRecSettings)
    XCTAssertEqual(auto.configuration.orientation, .userBased)
    XCTAssertEqual(auto.configuration.hiddenUnits, 40)
    XCTAssertEqual(auto.configuration.lambda, 7)
    XCTAssertEqual(auto.training.optimizer, .momentum)
    o = ModelOverrides()
    o.factors = 0
    XCTAssertThrowsEncoreError(.invalidSetting("factors", "must be at least 1"), try ModelFamilies.spec(named: "svd", overrides: o))
  }
}
