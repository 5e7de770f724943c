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

  /// `--precision bf16` for AutoRec: the gathers read bf16 copies of V and W. A batch's
  /// gradient is then exactly the fp32 gradient of the network with V and W rounded; after
  /// every step of every optimiser (lazy Adam and momentum, full-batch Rprop) the copies hold
  /// the fp32 weights rounded; training gives the same bits on 1 and 2 threads, learns, and
  /// costs little accuracy against fp32.
  func testBF16RowsFollowTheWeightsAndTrainLikeFP32() throws {
    let ratings = smallRatings(users: 60, items: 40, perUser: 12, seed: 4)
    let input = SparseMatrix(ratings, userCount: 60, itemCount: 40, itemsAsRows: true)
    let bf16 = ComputeContext.serial.with(precision: .bf16)
    for optimizer in [OptimizerKind.adam, .momentum, .rprop] {
      var options = TrainingOptions()
      options.optimizer = optimizer
      options.batchSize = 8
      options.learningRate = optimizer == .rprop ? 0.01 : 0.005
      let model = AutoRec(configuration: AutoRecConfiguration(hiddenUnits: 20, lambda: 1), input: input, seed: 7)
      let stepper = try AutoRecStepper(model: model, options: options, compute: bf16)
      let copies = try XCTUnwrap(stepper.bf16Rows)
      func assertCopiesFollow(_ label: String) {
        for i in 0..<model.encoderWeight.count {
          guard copies.encoder[i] == DenseKernels.roundedToBF16(model.encoderWeight[i]),
                copies.decoder[i] == DenseKernels.roundedToBF16(model.decoderWeight[i]) else {
            return XCTFail("\(optimizer) \(label): element \(i) of a bf16 copy is stale")
          }
        }
      }
      // One batch's gradient against the fp32 gradient of the rounded network.
      let batch = stepper.rows[0..<8]
      let roundedModel = AutoRec(configuration: AutoRecConfiguration(hiddenUnits: 20, lambda: 1), input: input, seed: 7)
      for i in 0..<model.encoderWeight.count {
        roundedModel.encoderWeight[i] = DenseKernels.roundedToBF16(model.encoderWeight[i])
        roundedModel.decoderWeight[i] = DenseKernels.roundedToBF16(model.decoderWeight[i])
      }
      let reference = AutoRecGradient(columnCount: input.columnCount, compute: .serial)
      reference.compute(model: roundedModel, rows: batch)
      stepper.gradient.compute(model: model, rows: batch)
      XCTAssertEqual(stepper.gradient.encoderWeight.array, reference.encoderWeight.array, "\(optimizer)")
      XCTAssertEqual(stepper.gradient.decoderBias.array, reference.decoderBias.array, "\(optimizer)")
      XCTAssertEqual(stepper.gradient.squaredError, reference.squaredError, "\(optimizer)")
      // Steps, then the copies against the weights.
      var progress = TrainingProgress(seed: 1, stream: 2, resume: nil)
      for epoch in 1...3 {
        stepper.beginEpoch()
        let rows = optimizer == .rprop ? [stepper.rows[...]] : stride(from: 0, to: stepper.rows.count, by: 8).map {
          stepper.rows[$0..<min($0 + 8, stepper.rows.count)]
        }
        for batch in rows { _ = try stepper.step(rows: batch, learningRate: options.effectiveLearningRate, progress: &progress, epoch: epoch) }
        stepper.endEpoch()
        assertCopiesFollow("epoch \(epoch)")
      }
    }
    // Whole runs: threads do not matter, and bf16 learns about as well as fp32.
    let baseline = BiasBaseline(fitting: ratings, userCount: 60, itemCount: 40)
    let scale = RatingScale(of: ratings.values)
    var options = TrainingOptions()
    options.epochs = 8
    options.batchSize = 8
    options.patience = 0
    let configuration = AutoRecConfiguration(hiddenUnits: 24, lambda: 1)
    func train(_ compute: ComputeContext) throws -> (AutoRec, Double) {
      let trainer = AutoRecTrainer(options: options, compute: compute)
      let model = trainer.makeNetwork(configuration: configuration, train: ratings, userCount: 60, itemCount: 40)
      let result = try trainer.train(model: model, validation: RatingSet(), baseline: baseline, scale: scale)
      return (model, result.history.last!.trainRMSE)
    }
    let (one, rmseOne) = try train(bf16)
    let (two, rmseTwo) = try train(try ComputeContext(threads: 2).with(precision: .bf16))
    let (plain, rmsePlain) = try train(.serial)
    XCTAssertEqual(one.encoderWeight.array, two.encoderWeight.array)
    XCTAssertEqual(one.decoderWeight.array, two.decoderWeight.array)
    XCTAssertEqual(rmseOne, rmseTwo)
    XCTAssertNotEqual(one.encoderWeight.array, plain.encoderWeight.array, "bf16 rows change the arithmetic")
    XCTAssertEqual(rmseOne, rmsePlain, accuracy: 0.02 * rmsePlain, "bf16 rows cost little accuracy")
  }
}
