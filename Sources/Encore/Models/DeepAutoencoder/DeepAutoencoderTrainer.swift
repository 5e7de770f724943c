import CEncoreKernels
import Foundation

/// The outcome of training a deep autoencoder: the best validation epoch's network and history.
public struct DeepTrainingResult: @unchecked Sendable {
  public var model: DeepAutoencoder
  public var history: [EpochRecord]
  public var bestEpoch: Int
  public var epochsRun: Int
}

/// Trains deep autoencoders the way DeepRecommender's `run.py` does: shuffled batches of
/// rows, a sparse first pass and `refeed` dense re-feeding passes per batch, each followed by
/// an optimiser step over all parameters. Adds early stopping on validation RMSE, gradient
/// clipping and a NaN guard with advice.
public struct DeepAutoencoderTrainer: Sendable {
  public var options: DeepTrainingOptions
  /// The threads and GEMM library training runs on.
  public var compute: ComputeContext
  /// The ranks of a data-parallel job this process trains with (nil: alone).
  public var replicas: DataParallel?

  public init(options: DeepTrainingOptions, compute: ComputeContext = .automatic, replicas: DataParallel? = nil) {
    self.options = options
    self.compute = compute
    self.replicas = replicas
  }

  /// The Adam step `step` would take next on parameter `index`, for a product to take itself:
  /// the one that computes its gradient (zero until then), or with `onOperand` one that reads
  /// the parameter once its gradient is complete. nil where the step must see every gradient
  /// first: another optimiser, clipping (a norm over all gradients), ranks whose gradients are
  /// added, or gradients read after the step (`clearing` false).
  func fusedStep(
    _ model: DeepAutoencoder, parameter index: Int, learningRate lr: Float, stepNumber: Int, clearing: Bool, onOperand: Bool = false
  ) -> FusedAdamStep? {
    guard options.optimizer == .adam, options.clipNorm <= 0, clearing, (replicas?.size ?? 1) <= 1 else { return nil }
    let p = model.parameters[index]
    guard let first = p.firstMoment, let second = p.secondMoment else { return nil }
    return FusedAdamStep(
      weights: p.value.pointer, firstMoment: first.pointer, secondMoment: second.pointer, gradient: onOperand ? p.gradient.pointer : nil,
      learningRate: Adam.correctedRate(lr, step: stepNumber + 1), beta1: Adam.beta1, beta2: Adam.beta2, epsilon: 1e-8,
      weightDecay: options.weightDecay, clearsGradient: true, gradientIsZero: !onOperand)
  }

  /// DeepRecommender's MultiStepLR for momentum SGD: ×0.5 at each of these epochs.
  static let momentumMilestones = [24, 36, 48, 66, 72]

  public func train(
    configuration: DeepAutoencoderConfiguration, train: RatingSet, validation: RatingSet, userCount: Int, itemCount: Int,
    baseline: BiasBaseline, scale: RatingScale, progress: (EpochRecord) -> Void = { _ in }
  ) throws -> DeepTrainingResult {
    let input = SparseMatrix(train, userCount: userCount, itemCount: itemCount, itemsAsRows: configuration.itemBased)
    let model = try DeepAutoencoder(configuration: configuration, input: input, seed: options.seed)
    return try self.train(model: model, validation: validation, baseline: baseline, scale: scale, progress: progress)
  }

  /// Trains `model` in place from its current parameters.
  public func train(
    model: DeepAutoencoder, validation: RatingSet, baseline: BiasBaseline, scale: RatingScale,
    resume: TrainingCheckpoint? = nil, checkpoints: CheckpointPolicy? = nil, monitor: TrainingMonitor? = nil,
    progress: (EpochRecord) -> Void = { _ in }
  ) throws -> DeepTrainingResult {
    let stepper = try DeepAutoencoderStepper(model: model, trainer: self)
    let loop = TrainingLoop<DeepAutoencoderStepper>(settings: LoopSettings(
      epochs: options.epochs, patience: options.patience, seed: options.seed, generatorStream: 41,
      averaging: options.averaging, plateauFactor: options.plateauFactor, plateauPatience: options.plateauPatience,
      keep: options.keep ?? .best))
    // Without a monitor nothing reads a gradient after its step, so the step clears it.
    stepper.clearsGradientsInStep = monitor == nil
    let result = try loop.run(
      stepper, validation: validation, baseline: baseline, scale: scale, resume: resume, checkpoints: checkpoints,
      monitor: monitor, progress: progress)
    return DeepTrainingResult(model: model, history: result.history, bestEpoch: result.bestEpoch, epochsRun: result.epochsRun)
  }

  /// One optimiser step over every parameter, after weight decay and clipping. In a
  /// data-parallel job the ranks' gradients are added first, one all-reduce per parameter.
  /// With `clearingGradients` every gradient is zero afterwards (Adam and momentum clear it in
  /// their own pass over the parameter).
  /// `skipping`: a parameter whose step the gradient pass already took (`FusedAdamStep`).
  func step(
    _ model: DeepAutoencoder, learningRate lr: Float, stepNumber: inout Int, epoch: Int, clearingGradients clear: Bool = false,
    skipping stepped: Int? = nil
  ) throws {
    stepNumber += 1
    if let replicas, replicas.size > 1 {
      for p in model.parameters { replicas.sum(p.gradient.pointer, count: p.count) }
    }
    if options.clipNorm > 0 {
      var total = 0.0
      for p in model.parameters {
        let g = p.gradient.pointer
        var s: Float = 0
        for j in 0..<p.count { s += g[j] * g[j] }
        total += Double(s)
      }
      let norm = total.squareRoot()
      guard norm.isFinite else { throw EncoreError.diverged(epoch: epoch, detail: "a gradient became NaN or infinite") }
      if norm > Double(options.clipNorm) {
        let factor = Float(Double(options.clipNorm) / norm)
        for p in model.parameters { for j in 0..<p.count { p.gradient[j] *= factor } }
      }
    }
    let wd = options.weightDecay
    for (index, p) in model.parameters.enumerated() where index != stepped {
      if p.firstMoment == nil {
        p.firstMoment = StableBuffer(zeros: p.count)
        if options.optimizer != .momentum && options.optimizer != .plainSGD { p.secondMoment = StableBuffer(zeros: p.count) }
      }
      let box = UncheckedSendable((p.value.pointer, p.gradient.pointer, p.firstMoment!.pointer, p.secondMoment?.pointer))
      switch options.optimizer {
      case .rprop:
        preconditionFailure("deep-ae settings reject rprop")
      case .adam:
        let b1 = Adam.beta1, b2 = Adam.beta2
        let corrected = Adam.correctedRate(lr, step: stepNumber)
        let clearing: Int32 = clear ? 1 : 0
        compute.forRanges(p.count, grain: 1 << 14) { lo, hi in
          let (w, g, m, v) = box.value
          ek_adam_flat(hi - lo, w + lo, m + lo, v! + lo, g + lo, corrected, b1, b2, 1e-8, wd, clearing)
        }
      case .momentum, .plainSGD:
        let mu: Float = options.optimizer == .momentum ? 0.9 : 0
        let clearing: Int32 = clear ? 1 : 0
        compute.forRanges(p.count, grain: 1 << 14) { lo, hi in
          let (w, g, m, _) = box.value
          ek_momentum_flat(hi - lo, w + lo, m + lo, g + lo, lr, mu, wd, clearing)
        }
      case .adagrad, .rmsprop:
        let rms = options.optimizer == .rmsprop
        compute.forRanges(p.count, grain: 1 << 14) { lo, hi in
          let (w, g, _, v) = box.value
          let sq = v!
          for j in lo..<hi {
            let gj = g[j] + wd * w[j]
            if rms {
              sq[j] = 0.99 * sq[j] + 0.01 * gj * gj
              w[j] -= lr * gj / (sq[j].squareRoot() + 1e-8)
            } else {
              sq[j] += gj * gj
              w[j] -= lr * gj / (sq[j].squareRoot() + 1e-10)
            }
          }
        }
        if clear { p.gradient.fill(0, on: compute) }
      }
    }
  }
}

/// The deep autoencoder's batch step for the shared loop, as DeepRecommender's `run.py`: a
/// sparse first pass and `refeed` dense re-feeding passes, each followed by an optimiser step
/// over all parameters.
final class DeepAutoencoderStepper: BatchStepper {
  let network: DeepAutoencoder
  let trainer: DeepAutoencoderTrainer
  var compute: ComputeContext { trainer.compute }
  var replicas: DataParallel? { trainer.replicas }
  let rows: [Int32]
  let batchSize: Int
  let gradient: DeepAutoencoderGradient
  let refeedInput: StableBuffer<Float>
  let refeedNext: StableBuffer<Float>
  /// Whether each optimiser step clears the gradients it used (nothing reads them afterwards).
  var clearsGradientsInStep = false
  /// Whether every gradient is known to be zero (cleared by the last step).
  private var gradientsAreZero = false

  init(model: DeepAutoencoder, trainer: DeepAutoencoderTrainer) throws {
    let options = trainer.options
    guard options.epochs >= 1 else { throw EncoreError.invalidSetting("epochs", "must be at least 1") }
    guard options.batchSize >= 1 else { throw EncoreError.invalidSetting("batch-size", "must be at least 1") }
    guard options.learningRate > 0 && options.learningRate.isFinite else {
      throw EncoreError.invalidSetting("learning-rate", "must be a positive number")
    }
    network = model
    self.trainer = trainer
    let x = model.input
    rows = (0..<x.rowCount).filter { x.rowLength($0) > 0 }.map(Int32.init)
    guard !rows.isEmpty else { throw EncoreError.invalidArgument("no training ratings") }
    gradient = DeepAutoencoderGradient(model: model, compute: trainer.compute)
    gradient.loss = trainer.options.loss ?? .masked
    if let replicas = trainer.replicas, replicas.size > 1 { gradient.reduceTerms = { replicas.sum(&$0) } }
    batchSize = min(options.batchSize, rows.count)
    let n = model.inputSize
    refeedInput = StableBuffer<Float>(zeros: model.configuration.refeed > 0 ? batchSize * n : 0)
    refeedNext = StableBuffer<Float>(zeros: model.configuration.refeed > 1 ? batchSize * n : 0)
    for p in model.parameters where p.firstMoment == nil {
      p.firstMoment = StableBuffer(zeros: p.count)
      if options.optimizer != .momentum && options.optimizer != .plainSGD { p.secondMoment = StableBuffer(zeros: p.count) }
    }
  }

  var shuffleStream: UInt64? { 2000 }
  var stepsOncePerEpoch: Bool { false }

  func learningRate(epoch: Int) -> Float? {
    var lr = trainer.options.learningRate
    if trainer.options.optimizer == .momentum {
      for m in DeepAutoencoderTrainer.momentumMilestones where epoch - 1 >= m { lr *= 0.5 }
    }
    return lr
  }

  var optimizerState: [(String, StableBuffer<Float>)] {
    var buffers: [(String, StableBuffer<Float>)] = []
    for p in network.parameters {
      buffers.append(("train.\(p.name).first", p.firstMoment!))
      if let second = p.secondMoment { buffers.append(("train.\(p.name).second", second)) }
    }
    return buffers
  }

  func beginEpoch() {}
  func endEpoch() {}

  func step(rows batch: ArraySlice<Int32>, learningRate lr: Float, progress state: inout TrainingProgress, epoch: Int) throws -> BatchOutcome {
    let model = network, config = model.configuration
    let mine = replicas?.shard(batch) ?? batch
    let b = mine.count, n = model.inputSize
    clearGradients()
    var (s, c) = gradient.sparsePass(rows: mine, generator: &state.generator)
    if let replicas, replicas.size > 1 {
      var totals = [s, Double(c)]
      replicas.sum(&totals)
      (s, c) = (totals[0], Int(totals[1]))
    }
    let loss = gradient.lastLoss
    // The re-feeding input is the output before this step; the output weight's step runs
    // inside that product, as it reads the weight.
    let outputWeight = model.outputLayer.weight
    var steppedOutput = false
    if config.refeed > 0 {
      let step = trainer.fusedStep(
        model, parameter: outputWeight, learningRate: lr, stepNumber: state.stepNumber, clearing: clearsGradientsInStep, onOperand: true)
      steppedOutput = gradient.denseOutput(rows: b, into: refeedInput.pointer, steppingWeight: step)
    }
    try optimizerStep(learningRate: lr, stepNumber: &state.stepNumber, epoch: epoch, skipping: steppedOutput ? outputWeight : nil)
    let logged = state.stepNumber
    for t in 0..<config.refeed {
      let current = t % 2 == 0 ? refeedInput : refeedNext
      if config.noise > 0 {
        let keep = 1 - config.noise, values = current.pointer
        let randomness = RowRandomness(drawingFrom: &state.generator)
        for (t, row) in mine.enumerated() {
          var rowGenerator = randomness.generator(row: row, purpose: 1000)
          for j in (t * n)..<((t + 1) * n) { values[j] = rowGenerator.nextUnitFloat() < keep ? values[j] / keep : 0 }
        }
      }
      clearGradients()
      // Every gradient is zero here, so the tied weight's step can run inside its product.
      if let tied = gradient.tiedWeight {
        gradient.tiedWeightStep = trainer.fusedStep(
          model, parameter: tied, learningRate: lr, stepNumber: state.stepNumber, clearing: clearsGradientsInStep)
      }
      gradient.densePass(
        rows: b, input: current.pointer, denseTarget: config.refeedTarget == .output ? current.pointer : nil,
        generator: &state.generator)
      if t + 1 < config.refeed { gradient.denseOutput(rows: b, into: (t % 2 == 0 ? refeedNext : refeedInput).pointer) }
      try optimizerStep(
        learningRate: lr, stepNumber: &state.stepNumber, epoch: epoch, skipping: gradient.steppedTiedWeight ? gradient.tiedWeight : nil)
    }
    return BatchOutcome(squaredError: s, count: c, loggedStep: logged, loss: loss)
  }

  /// Zeroes every gradient before a pass, unless the last step already did.
  private func clearGradients() {
    if !gradientsAreZero { for p in network.parameters { p.gradient.fill(0, on: compute) } }
    gradientsAreZero = false
  }

  private func optimizerStep(learningRate lr: Float, stepNumber: inout Int, epoch: Int, skipping stepped: Int? = nil) throws {
    try trainer.step(
      network, learningRate: lr, stepNumber: &stepNumber, epoch: epoch, clearingGradients: clearsGradientsInStep, skipping: stepped)
    gradientsAreZero = clearsGradientsInStep
  }

  func parameterViews() -> [ParameterView] {
    network.parameters.map { p in
      // encoder.0.weight → Encode_W_0, decoder.1.bias → Decode_b_1.
      let parts = p.name.split(separator: ".")
      let name = (parts[0] == "encoder" ? "Encode_" : "Decode_") + (parts[2] == "weight" ? "W_" : "b_") + parts[1]
      return ParameterView(name, p.value, p.gradient)
    }
  }

  func norms() -> [(name: String, weight: Double, gradient: Double)] {
    network.parameters.filter { $0.name.hasSuffix("weight") }.map {
      ($0.name, TrainingMonitor.norm($0.value.pointer, $0.count), TrainingMonitor.norm($0.gradient.pointer, $0.count))
    }
  }
}

extension DeepAutoencoder: TrainableNetwork {
  func checkpointBuffers(prefix: String) -> [(String, StableBuffer<Float>)] {
    parameters.map { ("\(prefix).\($0.name)", $0.value) }
  }

  func validationPredictor(baseline: BiasBaseline, scale: RatingScale, compute: ComputeContext) -> RatingPredictor {
    RatingPredictor(DeepAutoencoderPredictor(model: self, baseline: baseline, scale: scale, compute: compute), compute: compute)
  }

  /// Moves every parameter toward `other`'s: θ ← keep·θ + (1 − keep)·θ_other.
  func blend(toward other: DeepAutoencoder, keeping keep: Float, on compute: ComputeContext) {
    for (a, b) in zip(parameters, other.parameters) { a.value.blend(toward: b.value, keeping: keep, on: compute) }
  }
}
