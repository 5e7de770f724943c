import Foundation
import XCTest

@testable import Encore

/// A run stopped after a checkpoint and resumed from it ends with exactly the weights of an
/// uninterrupted run with the same seed (optimiser state, dropout generator and best epoch
/// included).
final class ResumeTests: XCTestCase {
  /// - Returns: the uninterrupted run's history.
  @discardableResult
  func check(_ configure: (inout AutoRecSettings) -> Void = { _ in }, deep: ((inout DeepAutoencoderSettings) -> Void)? = nil, epochs: Int, stopAfter: Int, file: StaticString = #filePath, line: UInt = #line) throws -> [EpochRecord] {
    let plan = DataPlan(source: .synthetic(.init(users: 80, items: 60, ratings: 1_600, seed: 9)))
    let (data, split) = try plan.prepare()
    let dir = TemporaryFolder()
    func run(_ total: Int, files: ExperimentRun.CheckpointFiles?, resume: String?) throws -> (model: TrainedModel, report: TrainingReport) {
      let spec: ModelSpec
      if let deep {
        var s = DeepAutoencoderSettings()
        deep(&s)
        s.training.epochs = total
        s.training.patience = 0
        spec = s.spec
      } else {
        var s = AutoRecSettings(configuration: AutoRecConfiguration(hiddenUnits: 12, lambda: 5))
        configure(&s)
        s.training.epochs = total
        s.training.patience = 0
        spec = s.spec
      }
      return try ExperimentRun(spec: spec).run(data: data, split: split, checkpointFiles: files, resumeFrom: resume)
    }
    let uninterrupted = try run(epochs, files: nil, resume: nil)
    _ = try run(stopAfter, files: .init(every: stopAfter) { dir.path + "/ckpt\($0).safetensors" }, resume: nil)
    let resumed = try run(epochs, files: nil, resume: dir.path + "/ckpt\(stopAfter).safetensors")
    let a = uninterrupted.model.networkParameters, b = resumed.model.networkParameters
    XCTAssertFalse(a.isEmpty, file: file, line: line)
    XCTAssertEqual(a.map(\.name), b.map(\.name), file: file, line: line)
    for (x, y) in zip(a, b) { XCTAssertEqual(x.values, y.values, "\(x.name)", file: file, line: line) }
    func timeless(_ h: [EpochRecord]?) -> [EpochRecord] { (h ?? []).map { var r = $0; r.seconds = 0; return r } }
    XCTAssertEqual(timeless(uninterrupted.report.history), timeless(resumed.report.history), file: file, line: line)
    return uninterrupted.report.history ?? []
  }

  func testAutoRecAdamWithDropoutAveragingAndPlateauCuts() throws {
    let history = try check({ r in
      r.training.batchSize = 16
      r.training.dropout = .init(input: 0.2, hidden: 0.1)
      r.training.averaging = 0.5
      r.training.learningRate = 0.05
      r.training.plateauFactor = 0.5
      r.training.plateauPatience = 1
    }, epochs: 8, stopAfter: 4)
    // The learning rate was cut before the checkpoint, so the resumed run had to restore it.
    let rates = history.prefix(5).compactMap(\.learningRate)
    XCTAssertEqual(rates.count, 5)
    XCTAssertLessThan(rates.last!, 0.05)
  }

  func testUAutoRecSGDAndRprop() throws {
    try check({ r in r.configuration.orientation = .userBased; r.training.optimizer = .momentum; r.training.learningRate = 1e-4 }, epochs: 5, stopAfter: 2)
    try check({ r in r.training.optimizer = .rprop }, epochs: 5, stopAfter: 3)
  }

  func testDeepAutoencoderMomentumWithDropoutAndRefeeding() throws {
    try check(deep: { r in
      r = DeepAutoencoderSettings(preset: .nvidiaNetflix)
      r.configuration.hiddenLayers = [12, 8]
      r.training.batchSize = 16
    }, epochs: 4, stopAfter: 2)
    // The deep autoencoder has the shared loop's averaging and plateau cuts too.
    try check(deep: { r in
      r.configuration.hiddenLayers = [10]
      r.training.batchSize = 16
      r.training.averaging = 0.5
      r.training.plateauFactor = 0.5
      r.training.plateauPatience = 1
    }, epochs: 5, stopAfter: 3)
  }

  func testResumingOnOtherDataIsRefused() throws {
    let dir = TemporaryFolder()
    let (data, split) = try DataPlan(source: .synthetic(.init(users: 40, items: 30, ratings: 500, seed: 1))).prepare()
    var settings = AutoRecSettings(configuration: AutoRecConfiguration(hiddenUnits: 8))
    settings.training.epochs = 2
    var r = ExperimentRun(spec: settings.spec)
    _ = try r.run(data: data, split: split, checkpointFiles: .init(every: 1) { dir.path + "/c\($0)" })
    let (other, otherSplit) = try DataPlan(source: .synthetic(.init(users: 40, items: 30, ratings: 500, seed: 2))).prepare()
    XCTAssertThrowsError(try r.run(data: other, split: otherSplit, resumeFrom: dir.path + "/c1")) { error in
      XCTAssertTrue("\(error)".contains("other ratings"), "\(error)")
    }
    // A checkpoint resumed with other settings names the setting and both values.
    settings.configuration.lambda = 7
    r = ExperimentRun(spec: settings.spec)
    XCTAssertThrowsEncoreError(
      .resumeMismatch(setting: "configuration.lambda", checkpoint: "100", requested: "7"),
      try r.run(data: data, split: split, resumeFrom: dir.path + "/c1"))
    // Resuming with no epochs left says so instead of training nothing.
    settings.configuration.lambda = 100
    settings.training.epochs = 1
    XCTAssertThrowsError(try ExperimentRun(spec: settings.spec).run(data: data, split: split, resumeFrom: dir.path + "/c1")) { error in
      XCTAssertTrue("\(error)".contains("already trained 1 epochs"), "\(error)")
    }
  }
}
