import Foundation
import XCTest

@testable import Encore

final class DeepAutoencoderTests: XCTestCase {
  /// Every preset trains, predicts within the scale, and survives a save/load round trip with
  /// identical predictions (tied and free decoders, re-feeding with both targets, momentum).
  func testEveryPresetTrainsSavesAndReloads() throws {
    let plan = DataPlan(source: .synthetic(.init(users: 90, items: 70, ratings: 2_000, seed: 4)))
    let (data, split) = try plan.prepare()
    let dir = TemporaryFolder()
    for preset in DeepAutoencoderPreset.all {
      var settings = DeepAutoencoderSettings(preset: preset)
      settings.configuration.hiddenLayers = preset.configuration.hiddenLayers.map { min($0, 24) }
      settings.training.epochs = 3
      settings.training.shrink = false  // the network itself (BaselineShrinkTests saves shrunk ones)
      let run = ExperimentRun(spec: settings.spec)
      let (model, report) = try run.run(data: data, split: split)
      XCTAssertNotNil(model.deep, preset.name)
      XCTAssertTrue(report.testRMSE.isFinite, preset.name)
      XCTAssertEqual(report.epochsRun, 3, preset.name)
      let path = dir.path + "/\(preset.name).safetensors"
      try ModelFile.save(model, to: path)
      let loaded = try ModelFile.load(path)
      XCTAssertEqual(loaded.deep?.configuration, model.deep?.configuration, preset.name)
      XCTAssertEqual(loaded.predictor().predict(split.test).values, model.predictor().predict(split.test).values, preset.name)
    }
  }

  /// λ is divided by the mean ratings per batch: the default's 60 gives u1.base's 78,400
  /// ratings in one batch a weight decay of 0.00077, and ten times the ratings a tenth of it.
  /// Training with λ is training with that weight decay, bit for bit; the two settings
  /// exclude each other.
  func testLambdaIsAWeightDecayPerRatingsInABatch() throws {
    var options = DeepAutoencoderPreset.small.options
    XCTAssertEqual(options.lambda, 60)
    XCTAssertEqual(options.effectiveWeightDecay(ratings: 78_400, rows: 1_682), 60 / 78_400)
    XCTAssertEqual(options.effectiveWeightDecay(ratings: 784_000, rows: 1_682), 60 / 784_000)
    // Two batches of 2,000 rows: half the ratings per batch, twice the decay per rating.
    XCTAssertEqual(options.effectiveWeightDecay(ratings: 1_000_000, rows: 3_706), 0.00012, accuracy: 1e-9)
    options.lambda = nil
    options.weightDecay = 0.01
    XCTAssertEqual(options.effectiveWeightDecay(ratings: 1_000_000, rows: 3_706), 0.01)

    let plan = DataPlan(source: .synthetic(.init(users: 60, items: 50, ratings: 1_500, seed: 6)))
    let (data, split) = try plan.prepare()
    var o = ModelOverrides()
    o.layers = [12]
    o.epochs = 4
    o.batchSize = 16
    o.shrink = false
    o.lambda = 40
    let withLambda = try ModelFamilies.spec(named: "deep-ae", overrides: o)
    let (a, _) = try ExperimentRun(spec: withLambda).run(data: data, split: split)
    let rows = 50, batches = (rows + 15) / 16
    o.lambda = nil
    o.weightDecay = 40 * Float(batches) / Float(split.train.count)
    let withDecay = try ModelFamilies.spec(named: "deep-ae", overrides: o)
    XCTAssertNil((withDecay.settings as? DeepAutoencoderSettings)?.training.lambda)
    let (b, _) = try ExperimentRun(spec: withDecay).run(data: data, split: split)
    for (p, q) in zip(a.deep!.parameters, b.deep!.parameters) { XCTAssertEqual(p.value.array, q.value.array, p.name) }
    o.lambda = 40
    XCTAssertThrowsError(try ModelFamilies.spec(named: "deep-ae", overrides: o)) { error in
      XCTAssertTrue("\(error)".contains("give one"), "\(error)")
    }
  }

  func testSameSeedSameNumbersAndPyTorchShapes() throws {
    let plan = DataPlan(source: .synthetic(.init(users: 60, items: 50, ratings: 1_200, seed: 6)))
    let (data, split) = try plan.prepare()
    var settings = DeepAutoencoderSettings(preset: .nvidiaNetflix)
    settings.configuration.hiddenLayers = [16, 12, 8]
    settings.training.epochs = 2
    settings.training.batchSize = 16
    let run = ExperimentRun(spec: settings.spec)
    let (a, ra) = try run.run(data: data, split: split)
    let (b, rb) = try run.run(data: data, split: split)
    XCTAssertEqual(ra.testRMSE, rb.testRMSE)
    for (p, q) in zip(a.deep!.parameters, b.deep!.parameters) { XCTAssertEqual(p.value.array, q.value.array, p.name) }
    let dir = TemporaryFolder()
    try ModelFile.save(a, to: dir.path + "/m")
    let (tensors, _) = try SafeTensors.decode(try Data(contentsOf: URL(fileURLWithPath: dir.path + "/m")), path: "m")
    // PyTorch's nn.Linear layout: [out, in].
    XCTAssertEqual(tensors["encoder.0.weight"]?.shape, [16, 50])
    XCTAssertEqual(tensors["encoder.2.weight"]?.shape, [8, 12])
    XCTAssertEqual(tensors["decoder.0.weight"]?.shape, [12, 8])
    XCTAssertEqual(tensors["decoder.2.weight"]?.shape, [50, 16])
    XCTAssertEqual(tensors["decoder.2.bias"]?.shape, [50])
  }

  func testBadSettingsAreRejected() {
    var c = DeepAutoencoderConfiguration()
    c.hiddenLayers = []
    let x = SparseMatrix(rowCount: 1, columnCount: 2, rowStart: [0, 1], columns: [0], values: [3])
    XCTAssertThrowsError(try DeepAutoencoder(configuration: c, input: x, seed: 1))
    c.hiddenLayers = [4]
    c.dropout = 1.5
    XCTAssertThrowsError(try DeepAutoencoder(configuration: c, input: x, seed: 1))
  }
}
