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
      let run = ExperimentRun(spec: settings.spec)
      let (model, report) = try run.run(data: data, split: split)
      XCTAssertTrue(report.testRMSE.isFinite, preset.name)
      XCTAssertEqual(report.epochsRun, 3, preset.name)
      let path = dir.path + "/\(preset.name).safetensors"
      try ModelFile.save(model, to: path)
      let loaded = try ModelFile.load(path)
      XCTAssertEqual(loaded.deep?.configuration, model.deep?.configuration, preset.name)
      XCTAssertEqual(loaded.predictor().predict(split.test).values, model.predictor().predict(split.test).values, preset.name)
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
