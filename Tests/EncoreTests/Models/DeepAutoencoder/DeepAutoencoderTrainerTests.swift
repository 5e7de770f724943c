import XCTest

@testable import Encore

final class DeepAutoencoderTrainerTests: XCTestCase {
  func setting(hidden: [Int], optimizer: OptimizerKind) -> (DeepAutoencoderConfiguration, DeepTrainingOptions) {
    var configuration = DeepAutoencoderConfiguration()
    configuration.hiddenLayers = hidden
    configuration.dropout = 0.3
    configuration.refeed = 1
    var options = DeepTrainingOptions()
    options.optimizer = optimizer
    options.learningRate = optimizer == .adam ? 0.005 : 0.01
    options.weightDecay = 0.001
    options.batchSize = 16
    options.epochs = 4
    options.patience = 0
    return (configuration, options)
  }

  /// Without a monitor, Adam and momentum zero each gradient in their own pass over the
  /// parameter (no separate clearing sweep per pass); with one, gradients are kept for it and
  /// cleared before the next pass. Both must train the same bits.
  /// With tied weights and Adam, the lean run also takes the first layer's step inside its
  /// gradient product (`FusedAdamStep`), which must give the same bits as the separate step;
  /// so must it with bf16 products.
  func testClearingGradientsInTheStepTrainsTheSameBits() throws {
    let ratings = smallRatings(users: 70, items: 45, perUser: 10, seed: 8)
    let baseline = BiasBaseline(fitting: ratings, userCount: 70, itemCount: 45)
    let scale = RatingScale(of: ratings.values)
    let runs: [(OptimizerKind, Bool, ComputeContext.Precision)] = [
      (.adam, false, .fp32), (.adam, true, .fp32), (.momentum, false, .fp32), (.momentum, true, .fp32), (.rmsprop, false, .fp32),
      (.adam, false, .bf16), (.adam, true, .bf16),
    ]
    for (optimizer, tied, precision) in runs {
      var (configuration, options) = setting(hidden: [24, 12], optimizer: optimizer)
      configuration.constrained = tied
      let compute = try ComputeContext(threads: 2, gemm: .builtin).with(precision: precision)
      let trainer = DeepAutoencoderTrainer(options: options, compute: compute)
      let input = SparseMatrix(ratings, userCount: 70, itemCount: 45, itemsAsRows: false)
      let lean = try DeepAutoencoder(configuration: configuration, input: input, seed: 5)
      let kept = try DeepAutoencoder(configuration: configuration, input: input, seed: 5)
      _ = try trainer.train(model: lean, validation: RatingSet(), baseline: baseline, scale: scale)
      var norms = 0
      let monitor = TrainingMonitor(stepInterval: 1, onSteps: { _, _ in }, onNorms: { _, _ in norms += 1 })
      _ = try trainer.train(model: kept, validation: RatingSet(), baseline: baseline, scale: scale, monitor: monitor)
      XCTAssertEqual(norms, 4)
      for (p, q) in zip(lean.parameters, kept.parameters) {
        XCTAssertEqual(p.value.array, q.value.array, "\(optimizer) tied \(tied) \(precision) \(p.name)")
        if optimizer != .rmsprop { XCTAssertTrue(p.gradient.array.allSatisfy { $0 == 0 }, "the step cleared \(p.name)") }
      }
      XCTAssertTrue(kept.parameters.contains { $0.gradient.array.contains { $0 != 0 } }, "the monitored run keeps its last gradients")
    }
  }

  /// `--precision bf16`: the dense products round their inputs to bfloat16; training still
  /// learns about as well as fp32, gives the same bits on 1 and 2 threads, and differs from
  /// fp32 exactly when the CPU has AVX512_BF16.
  func testBF16TrainingLearnsAndDoesNotDependOnThreads() throws {
    let ratings = smallRatings(users: 80, items: 60, perUser: 14, seed: 9)
    let baseline = BiasBaseline(fitting: ratings, userCount: 80, itemCount: 60)
    let scale = RatingScale(of: ratings.values)
    let (configuration, options) = setting(hidden: [32, 16], optimizer: .adam)
    func train(_ compute: ComputeContext) throws -> (DeepAutoencoder, Double) {
      let result = try DeepAutoencoderTrainer(options: options, compute: compute).train(
        configuration: configuration, train: ratings, validation: RatingSet(), userCount: 80, itemCount: 60,
        baseline: baseline, scale: scale)
      return (result.model, result.history.last!.trainRMSE)
    }
    let fp32 = try ComputeContext(threads: 2, gemm: .builtin)
    let (one, rmseOne) = try train(fp32.with(threads: 1).with(precision: .bf16))
    let (two, rmseTwo) = try train(fp32.with(precision: .bf16))
    let (plain, rmsePlain) = try train(fp32)
    for (p, q) in zip(one.parameters, two.parameters) { XCTAssertEqual(p.value.array, q.value.array, p.name) }
    XCTAssertEqual(rmseOne, rmseTwo)
    let first = try DeepAutoencoderTrainer(options: { var o = options; o.epochs = 1; return o }(), compute: fp32).train(
      configuration: configuration, train: ratings, validation: RatingSet(), userCount: 80, itemCount: 60,
      baseline: baseline, scale: scale).history[0].trainRMSE
    XCTAssertLessThan(rmseTwo, first, "bf16 training lowers the training error")
    XCTAssertEqual(rmseTwo, rmsePlain, accuracy: 0.02 * rmsePlain, "bf16 costs little accuracy")
    let same = zip(two.parameters, plain.parameters).allSatisfy { $0.value.array == $1.value.array }
    XCTAssertEqual(same, !DenseKernels.hasBF16, "bf16 products are used exactly when the CPU has AVX512_BF16")
  }
}
