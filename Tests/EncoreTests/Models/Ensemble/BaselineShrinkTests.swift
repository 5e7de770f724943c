import Foundation
import XCTest

@testable import Encore

/// The shrink toward the bias baseline: its weight is the clamped least-squares fit on the
/// validation part, a network the data cannot support is shrunk so that it does no worse there
/// than the baseline, a shrunk model is a blend that saves and loads, and `--no-shrink` and the
/// seed presets keep the network alone.
final class BaselineShrinkTests: XCTestCase {
  /// 50 ratings per item: I-AutoRec with 100 hidden units learns them, with 20 it does worse
  /// than the baseline on validation yet still carries some signal.
  static let prepared: (RatingData, DataSplit) = {
    var plan = DataPlan(source: .synthetic(.init(users: 200, items: 100, ratings: 10_000, seed: 2)))
    plan.validationFraction = 0.05
    return try! plan.prepare()
  }()

  func autoRec(hidden: Int = 20, shrink: Bool? = nil) throws -> ModelSpec {
    var o = ModelOverrides()
    o.hidden = hidden
    o.epochs = 100
    o.shrink = shrink
    return try ModelFamilies.spec(named: "i-autorec", overrides: o)
  }

  func testTheWeightIsTheClampedLeastSquaresFit() {
    let b: [Float] = [3, 3.5, 2, 4, 1.5]
    let d: [Float] = [1, -0.5, 0.25, -1, 2]
    let f = zip(b, d).map { $0 + $1 }
    func weight(_ k: Float) -> Double {
      BaselineShrink.weight(network: f, baseline: b, actual: zip(b, d).map { $0 + k * $1 })
    }
    XCTAssertEqual(weight(0.5), 0.5, accuracy: 1e-12)
    XCTAssertEqual(weight(0.125), 0.125, accuracy: 1e-12)
    XCTAssertEqual(weight(2), 1)  // clamped: the network is never amplified
    XCTAssertEqual(weight(-1), 0)  // clamped: nor turned against itself
    XCTAssertEqual(BaselineShrink.weight(network: b, baseline: b, actual: f), 1)  // nothing to weigh
    // The fit minimises the squared error: nearby weights do worse.
    let y: [Float] = [4.5, 3, 2, 3, 2.5]
    let w = BaselineShrink.weight(network: f, baseline: b, actual: y)
    func error(_ w: Double) -> Double {
      f.indices.map { let e = Double(b[$0]) + w * Double(f[$0] - b[$0]) - Double(y[$0]); return e * e }.reduce(0, +)
    }
    XCTAssertGreaterThan(w, 0)
    XCTAssertLessThan(w, 1)
    XCTAssertLessThan(error(w), error(w - 0.01))
    XCTAssertLessThan(error(w), error(w + 0.01))
  }

  /// The over-fitted network is shrunk: the saved model is the blend b + w(f − b), it does no
  /// worse on validation than the baseline or the network alone, and it saves and loads.
  func testANetworkTheDataCannotSupportIsShrunkTowardTheBaseline() throws {
    let (data, split) = Self.prepared
    let (alone, aloneReport) = try ExperimentRun(spec: try autoRec(shrink: false)).run(data: data, split: split)
    XCTAssertTrue(alone.model is AutoRecModel)
    XCTAssertNil(aloneReport.shrink)
    let network = try XCTUnwrap(aloneReport.validationRMSE), baseline = try XCTUnwrap(aloneReport.baselineValidationRMSE)
    XCTAssertGreaterThan(network, baseline, "the data set-up must give a network that loses to the baseline")

    let (shrunk, report) = try ExperimentRun(spec: try autoRec()).run(data: data, split: split)
    let shrink = try XCTUnwrap(report.shrink)
    XCTAssertTrue(shrink.shrinks)
    XCTAssertGreaterThan(shrink.weight, 0)
    XCTAssertLessThan(shrink.weight, 0.9)
    XCTAssertEqual(shrink.networkValidationRMSE, network, accuracy: 1e-9)
    XCTAssertEqual(report.validationRMSE ?? .nan, shrink.shrunkValidationRMSE, accuracy: 1e-5)
    XCTAssertLessThanOrEqual(shrink.shrunkValidationRMSE, baseline)
    XCTAssertLessThan(shrink.shrunkValidationRMSE, network)
    XCTAssertFalse(report.losesToBaselineOnValidation)
    XCTAssertEqual(report.model, "i-autorec")

    let blend = try XCTUnwrap(shrunk.model as? EnsembleModel)
    XCTAssertEqual(blend.settings.membersDescription, "i-autorec+baseline")
    XCTAssertEqual(blend.combiner, MemberCombiner(intercept: 0, weights: [Float(shrink.weight), 1 - Float(shrink.weight)]))
    // The network inside is the one trained without the shrink (same seed, same bits).
    XCTAssertEqual(blend.members[0].namedParameters.map(\.values), alone.model.namedParameters.map(\.values))
    // The baseline member is the fallback baseline with each item's bias in closed form given
    // the user biases (what an exported graph computes from an item's ratings).
    let member = try XCTUnwrap(blend.members[1] as? BaselineModel).baseline
    XCTAssertEqual(member.userBias, shrunk.baseline.userBias)
    XCTAssertEqual(member.itemBias, shrunk.baseline.rowBiases(of: try XCTUnwrap(blend.storedRatings), itemRows: true))
    for (a, b) in zip(member.itemBias, shrunk.baseline.itemBias) { XCTAssertEqual(a, b, accuracy: 0.01) }
    let w = Float(shrink.weight)
    let f = alone.predictor().predictEach(split.test), p = shrunk.predictor().predictEach(split.test)
    for k in 0..<split.test.count {
      let b = shrunk.scale.clip(member.predict(user: split.test.users[k], item: split.test.items[k]))
      XCTAssertEqual(p.values[k], shrunk.scale.clip(w * f.values[k] + (1 - w) * b), accuracy: 1e-5, "pair \(k)")
      XCTAssertEqual(p.fallback[k], f.fallback[k], "pair \(k)")
    }
    XCTAssertLessThan(report.testRMSE, aloneReport.testRMSE)

    let dir = TemporaryFolder()
    try ModelFile.save(shrunk, to: dir.path + "/shrunk.safetensors")
    let loaded = try ModelFile.load(dir.path + "/shrunk.safetensors")
    XCTAssertEqual(loaded.predictor().predict(split.test).values, p.values)
    // It answers to the network's name (evaluate, recommend, the server's model_version), saved
    // and loaded; a blend the user asked for keeps its own.
    XCTAssertEqual(shrunk.name, "i-autorec")
    XCTAssertEqual(loaded.name, "i-autorec")
    XCTAssertTrue(try XCTUnwrap(loaded.model as? EnsembleModel).settings.isShrunkNetwork)
    XCTAssertEqual(EnsembleSettings(combination: .ridge, members: blend.settings.members).name, "blend")

    // As one network (what ONNX exports): w·network + (1 − w)·(μ + b_u + b_i), the item's bias
    // computed from its rating vector, which gives the member's own.
    let sample = try ReconstructionSample(shrunk, rows: 5, compute: .serial)
    let unshrunk = try ReconstructionSample(alone, rows: 5, compute: .serial)
    XCTAssertEqual(sample.inputs, unshrunk.inputs)
    for (r, item) in sample.rows.enumerated() {
      for u in 0..<sample.outputs[r].count {
        let b = member.predict(user: Int32(u), item: Int32(item))
        XCTAssertEqual(sample.outputs[r][u], w * unshrunk.outputs[r][u] + (1 - w) * b, accuracy: 1e-4, "row \(r) column \(u)")
      }
    }
    XCTAssertFalse(try ONNXExporter.export(shrunk).isEmpty)
  }

  /// Where the network learns, the validation part gives it its full weight and the model is
  /// the network itself.
  func testANetworkThatLearnsKeepsItsFullWeight() throws {
    let (data, split) = Self.prepared
    let (trained, report) = try ExperimentRun(spec: try autoRec(hidden: 100)).run(data: data, split: split)
    let shrink = try XCTUnwrap(report.shrink)
    XCTAssertEqual(shrink.weight, 1)
    XCTAssertFalse(shrink.shrinks)
    XCTAssertTrue(trained.model is AutoRecModel)
    XCTAssertEqual(shrink.shrunkValidationRMSE, shrink.networkValidationRMSE, accuracy: 1e-9)
  }

  /// Which settings shrink: the networks by default, not deep-ae's recipes reproduced from the
  /// seeds and NVIDIA (unless asked), not a refitted network (it trained on the validation
  /// part), and no other family.
  func testTheNetworksShrinkByDefaultAndTheSeedRecipesDoNot() throws {
    func shrinks(_ name: String, _ settings: [String]) throws -> Bool {
      var o = ModelOverrides()
      try o.set(settings)
      return try ModelFamilies.spec(named: name, overrides: o).settings.shrinksTowardBaseline
    }
    XCTAssertTrue(try shrinks("i-autorec", []))
    XCTAssertTrue(try shrinks("u-autorec", []))
    XCTAssertTrue(try shrinks("deep-ae", []))
    XCTAssertTrue(try shrinks("deep-ae", ["layers=300"]))
    XCTAssertFalse(try shrinks("i-autorec", ["no-shrink"]))
    XCTAssertFalse(try shrinks("i-autorec", ["refit"]))
    for preset in ["seed-003", "seed-004", "seed-000", "nvidia-netflix"] {
      XCTAssertFalse(try shrinks("deep-ae", ["preset=\(preset)"]), preset)
      XCTAssertTrue(try shrinks("deep-ae", ["preset=\(preset)", "shrink"]), preset)
    }
    for name in ["baseline", "svd", "svdpp", "knn-baseline"] {
      XCTAssertFalse(try shrinks(name, []), name)
      XCTAssertThrowsError(try shrinks(name, ["shrink"]), name)
    }
  }

  /// An ensemble of networks that would shrink (`--ensemble N` of a default network) shrinks
  /// as a whole: its members, not shrunk one by one, all keep out of the validation part, where
  /// the average's weight is fitted; the result saves, loads and exports. With `--no-shrink`
  /// the members rotate the validation part into their training instead and nothing shrinks.
  func testAnEnsembleShrinksAsAWhole() throws {
    let (data, split) = Self.prepared
    var o = ModelOverrides()
    o.hidden = 20
    o.epochs = 100
    o.ensemble = 2
    let (trained, report) = try ExperimentRun(spec: try ModelFamilies.spec(named: "i-autorec", overrides: o)).run(data: data, split: split)
    let shrink = try XCTUnwrap(report.shrink)
    XCTAssertTrue(shrink.shrinks)
    XCTAssertLessThan(shrink.weight, 0.95)
    let blend = try XCTUnwrap(trained.model as? EnsembleModel)
    XCTAssertTrue(blend.settings.isShrunkNetwork)
    XCTAssertEqual(trained.name, "ensemble")
    XCTAssertTrue(blend.members[1] is BaselineModel)
    let ensemble = try XCTUnwrap(blend.members[0] as? EnsembleModel)
    XCTAssertEqual(ensemble.combiner, .average(count: 2))
    XCTAssertTrue(ensemble.members.allSatisfy { $0 is AutoRecModel })
    // Both members learned from the training part alone: none took in validation ratings.
    for member in ensemble.members { XCTAssertEqual(member.storedRatings, ensemble.ratings) }
    XCTAssertEqual(ensemble.ratings.nonzeroCount, split.train.count)
    // The weight is the fit of the average's own validation predictions.
    let context = PredictionContext(baseline: trained.baseline, scale: trained.scale, rated: trained.rated, compute: .serial)
    let average = RatingPredictor(ensemble.predictor(context), compute: .serial).predict(split.validation).values
    XCTAssertEqual(shrink.networkValidationRMSE, Metrics.rmse(predicted: average, actual: split.validation.values), accuracy: 1e-5)
    XCTAssertLessThanOrEqual(shrink.shrunkValidationRMSE, try XCTUnwrap(report.baselineValidationRMSE))

    let dir = TemporaryFolder()
    try ModelFile.save(trained, to: dir.path + "/ensemble.safetensors")
    let loaded = try ModelFile.load(dir.path + "/ensemble.safetensors")
    XCTAssertEqual(loaded.name, "ensemble")
    XCTAssertEqual(loaded.predictor().predict(split.test).values, trained.predictor().predict(split.test).values)
    XCTAssertFalse(try ONNXExporter.export(trained).isEmpty)

    o.shrink = false
    let (alone, aloneReport) = try ExperimentRun(spec: try ModelFamilies.spec(named: "i-autorec", overrides: o)).run(data: data, split: split)
    XCTAssertNil(aloneReport.shrink)
    let unshrunk = try XCTUnwrap(alone.model as? EnsembleModel)
    XCTAssertFalse(unshrunk.settings.isShrunkNetwork)
    XCTAssertNotEqual(unshrunk.members[1].storedRatings, unshrunk.ratings, "the second member trains on part of the validation ratings")
  }

  /// Without a validation part there is nothing to fit the weight on: the network stays alone.
  func testWithoutAValidationPartNothingIsShrunk() throws {
    var plan = DataPlan(source: .synthetic(.init(users: 300, items: 200, ratings: 4_000, seed: 7)))
    plan.seed = 3
    plan.validationFraction = 0
    let (data, split) = try plan.prepare()
    var o = ModelOverrides()
    o.epochs = 5
    o.patience = 0
    o.hidden = 10
    let (trained, report) = try ExperimentRun(spec: try ModelFamilies.spec(named: "i-autorec", overrides: o)).run(data: data, split: split)
    XCTAssertNil(report.shrink)
    XCTAssertTrue(trained.model is AutoRecModel)
  }
}
