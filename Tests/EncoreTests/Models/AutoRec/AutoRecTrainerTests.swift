import XCTest

@testable import Encore

final class AutoRecTrainerTests: XCTestCase {
  /// Without a monitor the trainer fills and applies W's and V's gradient rows through one
  /// buffer (half the workspace: 0.96 GB on the Netflix shape); with one it keeps both for the
  /// monitor. The two paths must train the same bits.
  func testOneGradientBufferTrainsTheSameBitsAsTwo() throws {
    let ratings = smallRatings(users: 60, items: 40, perUser: 12, seed: 3)
    let baseline = BiasBaseline(fitting: ratings, userCount: 60, itemCount: 40)
    let scale = RatingScale(of: ratings.values)
    var options = TrainingOptions()
    options.epochs = 6
    options.batchSize = 8
    options.patience = 0
    options.dropout = .init(input: 0.1, hidden: 0.1)
    for orientation in [AutoRecConfiguration.Orientation.itemBased, .userBased] {
      let configuration = AutoRecConfiguration(orientation: orientation, hiddenUnits: 16, lambda: 5)
      let trainer = AutoRecTrainer(options: options, compute: .serial)
      let lean = trainer.makeNetwork(configuration: configuration, train: ratings, userCount: 60, itemCount: 40)
      let kept = trainer.makeNetwork(configuration: configuration, train: ratings, userCount: 60, itemCount: 40)
      _ = try trainer.train(model: lean, validation: RatingSet(), baseline: baseline, scale: scale)
      var norms = 0
      let monitor = TrainingMonitor(stepInterval: 1, onSteps: { _, _ in }, onNorms: { _, _ in norms += 1 })
      _ = try trainer.train(model: kept, validation: RatingSet(), baseline: baseline, scale: scale, monitor: monitor)
      XCTAssertEqual(norms, 6)
      XCTAssertEqual(lean.encoderWeight.array, kept.encoderWeight.array, "\(orientation)")
      XCTAssertEqual(lean.decoderWeight.array, kept.decoderWeight.array, "\(orientation)")
      XCTAssertEqual(lean.decoderBias.array, kept.decoderBias.array, "\(orientation)")
      XCTAssertEqual(lean.encoderBias.array, kept.encoderBias.array, "\(orientation)")
    }
  }
}
