import Foundation
import XCTest

@testable import Encore

/// A run stopped after a checkpoint and resumed from it ends with exactly the weights of an
/// uninterrupted run with the same seed (optimiser state, dropout generator and best epoch
/// included).
final class ResumeTests: XCTestCase {
  /// - Returns: the uninterrupted run's history.
  @discardableResult
  func check(_ configure: (inout ExperimentRun) -> Void, epochs: Int, stopAfter: Int, file: StaticString = #filePath, line: UInt = #line) throws -> [EpochRecord] {
    let plan = DataPlan(source: .synthetic(.init(users: 80, items: 60, ratings: 1_600, seed: 9)))
    let (data, split) = try plan.prepare()
    let dir = TemporaryFolder()
    func run(_ total: Int, files: ExperimentRun.CheckpointFiles?, resume: String?) throws -> (model: TrainedModel, report: TrainingReport) {
      var r = ExperimentRun(kind: .iAutoRec, configuration: AutoRecConfiguration(hiddenUnits: 12, lambda: 5), options: TrainingOptions())
      configure(&r)
      r.options.epochs = total
      r.deepOptions.epochs = total
      r.options.patience = 0
      r.deepOptions.patience = 0
      return try r.run(data: data, split: split, checkpointFiles: files, resumeFrom: resume)
    }
    let uninterrupted = try run(epochs, files: nil, resume: nil)
    _ = try run(stopAfter, files: .init(every: stopAfter) { dir.path + "/ckpt\($0).safetensors" }, resume: nil)
    let resumed = try run(epochs, files: nil, resume: dir.path + "/ckpt\(stopAfter).safetensors")
    let a = uninterrupted.model.networkParameters!, b = resumed.model.networkParameters!
    XCTAssertEqual(a.map(\.0), b.map(\.0), file: file, line: line)
    for (x, y) in zip(a, b) { XCTAssertEqual(x.1, y.1, "\(x.0)", file: file, line: line) }
    func timeless(_ h: [EpochRecord]?) -> [EpochRecord] { (h ?? []).map { var r = $0; r.seconds = 0; return r } }
    XCTAssertEqual(timeless(uninterrupted.report.history), timeless(resumed.report.history), file: file, line: line)
    return uninterrupted.report.history ?? []
  }

  func testAutoRecAdamWithDropoutAveragingAndPlateauCuts() throws {
    let history = try check({ r in
      r.options.batchSize = 16
      r.options.dropout = .init(input: 0.2, hidden: 0.1)
      r.options.averaging = 0.5
      r.options.learningRate = 0.05
      r.options.plateauFactor = 0.5
      r.options.plateauPatience = 1
    }, epochs: 8, stopAfter: 4)
    // The learning rate was cut before the checkpoint, so the resumed run had to restore it.
    let rates = history.prefix(5).compactMap(\.learningRate)
    XCTAssertEqual(rates.count, 5)
    XCTAssertLessThan(rates.last!, 0.05)
  }

  func testUAutoRecSGDAndRprop() throws {
    try check({ r in r.kind = .uAutoRec; r.options.optimizer = .sgd; r.options.learningRate = 1e-4 }, epochs: 5, stopAfter: 2)
    try check({ r in r.options.optimizer = .rprop }, epochs: 5, stopAfter: 3)
  }

  func testDeepAutoencoderMomentumWithDropoutAndRefeeding() throws {
    try check({ r in
      r.kind = .deepAE
      r.deepConfiguration = DeepAutoencoderPreset.nvidiaNetflix.configuration
      r.deepConfiguration.hiddenLayers = [12, 8]
      r.deepOptions = DeepAutoencoderPreset.nvidiaNetflix.options
      r.deepOptions.batchSize = 16
    }, epochs: 4, stopAfter: 2)
  }

  func testResumingOnOtherDataIsRefused() throws {
    let dir = TemporaryFolder()
    let (data, split) = try DataPlan(source: .synthetic(.init(users: 40, items: 30, ratings: 500, seed: 1))).prepare()
    var r = ExperimentRun(kind: .iAutoRec, configuration: AutoRecConfiguration(hiddenUnits: 8), options: TrainingOptions())
    r.options.epochs = 2
    _ = try r.run(data: data, split: split, checkpointFiles: .init(every: 1) { dir.path + "/c\($0)" })
    let (other, otherSplit) = try DataPlan(source: .synthetic(.init(users: 40, items: 30, ratings: 500, seed: 2))).prepare()
    XCTAssertThrowsError(try r.run(data: other, split: otherSplit, resumeFrom: dir.path + "/c1")) { error in
      XCTAssertTrue("\(error)".contains("other ratings"), "\(error)")
    }
  }
}
