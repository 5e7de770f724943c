import XCTest

@testable import Encore

/// `encore compare --models`: per-model settings, labels and their errors.
final class ComparedModelTests: XCTestCase {
  func testSettingsFollowTheModelAndListsKeepTheirCommas() throws {
    let models = try ComparedModel.list("baseline, svd:factors=50:epochs=15, deep-ae:preset=seed-003:layers=64,32:no-constrained, i-autorec")
    XCTAssertEqual(models.map(\.label), ["baseline", "svd:factors=50:epochs=15", "deep-ae:preset=seed-003:layers=64,32:no-constrained", "i-autorec"])
    let svd = try XCTUnwrap(models[1].spec.settings as? FactorSettings)
    XCTAssertEqual(svd.options.factors, 50)
    XCTAssertEqual(svd.options.epochs, 15)
    let deep = try XCTUnwrap(models[2].spec.settings as? DeepAutoencoderSettings)
    XCTAssertEqual(deep.preset, "seed-003")
    XCTAssertEqual(deep.configuration.hiddenLayers, [64, 32])
    XCTAssertFalse(deep.configuration.constrained)
    XCTAssertEqual(deep.training.batchSize, 32)  // the preset's, not overridden
  }

  func testTwoVariantsOfOneModelStayApartButTheSameOneTwiceIsRefused() throws {
    let models = try ComparedModel.list("deep-ae:dropout=0,deep-ae:dropout=0.8")
    XCTAssertEqual(models.map(\.label), ["deep-ae:dropout=0", "deep-ae:dropout=0.8"])
    XCTAssertThrowsError(try ComparedModel.list("svd,svd"))
  }

  func testErrorsNameTheEntryAndTheSetting() {
    func message(_ text: String) -> String {
      do {
        _ = try ComparedModel.list(text)
        return "no error"
      } catch {
        return "\(error)"
      }
    }
    XCTAssertTrue(message("svdd").contains("unknown model 'svdd'"))
    XCTAssertTrue(message("svd:factor=3").contains("factor is not a setting"), message("svd:factor=3"))
    XCTAssertTrue(message("svd:factors=many").contains("takes a whole number, not 'many'"), message("svd:factors=many"))
    XCTAssertTrue(message("baseline:hidden=10").contains("hidden"), message("baseline:hidden=10"))
    XCTAssertTrue(message("deep-ae:preset=huge").contains("preset"), message("deep-ae:preset=huge"))
    XCTAssertTrue(message("").contains("names no model"))
  }

  func testTextSettingsMatchTheirCommandLineMeaning() throws {
    var o = ModelOverrides()
    try o.set(["hidden=20", "encoder-activation=identity", "optimizer=sgd", "item-based", "decay-biases=false", "refeed-target=input"])
    XCTAssertEqual(o.hidden, 20)
    XCTAssertEqual(o.encoderActivation, .identity)
    XCTAssertEqual(o.optimizer, .momentum)
    XCTAssertEqual(o.itemBased, true)
    XCTAssertEqual(o.decayBiases, false)
    XCTAssertEqual(o.refeedTarget, .input)
    XCTAssertEqual(o.given, [.hidden, .encoderActivation, .optimizer, .refeedTarget, .itemBased, .decayBiases])
    // Every setting has a text form, except a blend's members (a list of models in a list of models).
    for setting in ModelSetting.allCases where setting != .members {
      var fresh = ModelOverrides()
      let sample: String
      switch setting {
      case .encoderActivation, .decoderActivation, .activation, .decoderLayerActivation: sample = "relu"
      case .optimizer: sample = "plain-sgd"
      case .preset: sample = "small"
      case .layers: sample = "8,4"
      case .refeedTarget: sample = "output"
      case .keep: sample = "last"
      case .loss: sample = "rmse"
      case .similarity: sample = "pearson-baseline"
      case .inversePrecision: sample = "single"
      case .constrained, .lastActivation, .itemBased, .centerInputs, .decayBiases, .outputBiasAtMean, .refit, .decayDecoder, .shrink, .supportWeighted: sample = "true"
      default: sample = "2"
      }
      try fresh.set(setting, text: sample)
      XCTAssertEqual(fresh.given, [setting], "\(setting)")
    }
  }

  func testAComparisonHoldsOutTheTestFractionItIsGiven() throws {
    let dir = TemporaryFolder()
    let file = try ratingsFile(in: dir, seed: 3)
    var comparison = try Comparison(modelList: "baseline")
    comparison.testFraction = 0.3
    let runs = try comparison.runAll(.data(file, folds: nil), seeds: 1)
    XCTAssertEqual(Double(runs[0].nTest), 0.3 * 1200, accuracy: 2)
  }

  /// A compared network reports the weight its shrink toward the baseline kept, per run, in
  /// the summary and in the CSV; a model that does not shrink reports none.
  func testAComparisonReportsEachNetworksShrinkWeight() throws {
    let dir = TemporaryFolder()
    let file = try ratingsFile(in: dir, seed: 4)
    var comparison = try Comparison(modelList: "baseline,i-autorec:epochs=5,i-autorec:epochs=5:no-shrink")
    comparison.validationFraction = 0.2
    let runs = try comparison.runAll(.data(file, folds: 2), seeds: 1)
    XCTAssertEqual(runs.count, 6)
    for run in runs {
      switch run.model {
      case "i-autorec:epochs=5":
        let w = try XCTUnwrap(run.shrinkWeight, run.run)
        XCTAssertTrue((0...1).contains(w), "\(w)")
      default: XCTAssertNil(run.shrinkWeight, run.model)
      }
    }
    let summary = comparison.summaries(runs)
    XCTAssertNotNil(summary.first { $0.model == "i-autorec:epochs=5" }?.shrinkWeight)
    XCTAssertNil(summary.first { $0.model == "baseline" }?.shrinkWeight)
    let csv = Comparison.csv(runs).split(separator: "\n")
    XCTAssertTrue(csv[0].hasSuffix(",shrink_weight"))
    XCTAssertTrue(csv.dropFirst().allSatisfy { $0.split(separator: ",", omittingEmptySubsequences: false).count == 17 })
  }

  /// 1,200 synthetic 1–5 ratings of 60 users and 40 items, written as a CSV in `dir`.
  private func ratingsFile(in dir: TemporaryFolder, seed: UInt64) throws -> String {
    let data = SyntheticRatings(shape: .init(users: 60, items: 40, ratings: 1200, minimum: 1, maximum: 5, step: 1, seed: seed)).generate()
    let file = dir.path + "/ratings.csv"
    try SyntheticRatings.writeCSV(data, to: file)
    return file
  }
}
