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
  public init(options: DeepTrainingOptions) { self.options = options }

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

  public func train(
    model: DeepAutoencoder, validation: RatingSet, baseline: BiasBaseline, scale: RatingScale,
    resume: TrainingCheckpoint? = nil, checkpoints: CheckpointPolicy? = nil, monitor: TrainingMonitor? = nil,
    progress: (EpochRecord) -> Void = { _ in }
  ) throws -> DeepTrainingResult {
    guard options.epochs >= 1, options.batchSize >= 1 else {
      throw EncoreError.invalidArgument("--epochs and --batch-size must be at least 1")
    }
    guard options.learningRate > 0 && options.learningRate.isFinite else {
      throw EncoreError.invalidArgument("--learning-rate must be a positive number")
    }
    let x = model.input
    let config = model.configuration
    let activeRows = (0..<x.rowCount).filter { x.rowLength($0) > 0 }.map(Int32.init)
    guard !activeRows.isEmpty else { throw EncoreError.invalidArgument("no training ratings") }
    let gradient = DeepAutoencoderGradient(model: model)
    let batchSize = min(options.batchSize, activeRows.count)
    let n = model.inputSize
    let refeedInput = StableBuffer<Float>(zeros: config.refeed > 0 ? batchSize * n : 0)
    let refeedNext = StableBuffer<Float>(zeros: config.refeed > 1 ? batchSize * n : 0)
    var state = TrainingProgress(seed: options.seed, stream: 41, resume: resume)
    var best: DeepAutoencoder? = nil
    for p in model.parameters where p.firstMoment == nil {
      p.firstMoment = StableBuffer(zeros: p.count)
      if options.optimizer != .momentum { p.secondMoment = StableBuffer(zeros: p.count) }
    }
    if let resume {
      for p in model.parameters {
        let m = try resume.tensor("train.\(p.name).first", count: p.count)
        p.firstMoment!.pointer.update(from: m, count: m.count)
        if let second = p.secondMoment {
          let v = try resume.tensor("train.\(p.name).second", count: p.count)
          second.pointer.update(from: v, count: v.count)
        }
      }
      if resume.tensors["train.best.\(model.parameters[0].name)"] != nil {
        let restored = model.copy()
        for p in restored.parameters {
          let v = try resume.tensor("train.best.\(p.name)", count: p.count)
          p.value.pointer.update(from: v, count: v.count)
        }
        best = restored
      }
    }
    while state.epoch < options.epochs {
      state.epoch += 1
      let epoch = state.epoch
      let epochStart = Platform.now()
      var lr = options.learningRate
      if options.optimizer == .momentum {
        for m in Self.momentumMilestones where epoch - 1 >= m { lr *= 0.5 }
      }
      var order = activeRows
      var rng = SeededGenerator(seed: options.seed, stream: 2000 + UInt64(epoch))
      for i in stride(from: order.count - 1, to: 0, by: -1) { order.swapAt(i, Int(rng.next() % UInt64(i + 1))) }
      var sse = 0.0, seen = 0
      var lo = 0
      while lo < order.count {
        let hi = min(order.count, lo + batchSize)
        let b = hi - lo
        for p in model.parameters { p.gradient.fill(0) }
        let (s, c) = gradient.sparsePass(rows: order[lo..<hi], generator: &state.generator)
        sse += s
        seen += c
        if config.refeed > 0 { gradient.denseOutput(rows: b, into: refeedInput.pointer) }
        try step(model, learningRate: lr, stepNumber: &state.stepNumber, epoch: epoch)
        monitor?.step(state.stepNumber, squaredError: s, count: c)
        for t in 0..<config.refeed {
          let current = t % 2 == 0 ? refeedInput : refeedNext
          if config.noise > 0 {
            let keep = 1 - config.noise
            for j in 0..<(b * n) { current[j] = state.generator.nextUnitFloat() < keep ? current[j] / keep : 0 }
          }
          for p in model.parameters { p.gradient.fill(0) }
          gradient.densePass(
            rows: b, input: current.pointer, denseTarget: config.refeedTarget == .output ? current.pointer : nil,
            generator: &state.generator)
          if t + 1 < config.refeed { gradient.denseOutput(rows: b, into: (t % 2 == 0 ? refeedNext : refeedInput).pointer) }
          try step(model, learningRate: lr, stepNumber: &state.stepNumber, epoch: epoch)
        }
        lo = hi
      }
      monitor?.epochEnded(epoch, norms: model.parameters.filter { $0.name.hasSuffix("weight") }.map {
        ($0.name, TrainingMonitor.norm($0.value.pointer, $0.count), TrainingMonitor.norm($0.gradient.pointer, $0.count))
      })
      let trainRMSE = (sse / Double(max(seen, 1))).squareRoot()
      guard trainRMSE.isFinite else {
        throw EncoreError.diverged(epoch: epoch, detail: "the training loss became NaN or infinite")
      }
      var validationRMSE: Double? = nil
      if !validation.isEmpty {
        let predictor = DeepAutoencoderPredictor(model: model, baseline: baseline, scale: scale)
        let (predicted, _) = predictor.predict(validation)
        validationRMSE = Metrics.rmse(predicted: predicted, actual: validation.values)
        guard validationRMSE!.isFinite else { throw EncoreError.diverged(epoch: epoch, detail: "the validation RMSE became NaN") }
      }
      let record = state.finishEpoch(
        trainRMSE: trainRMSE, validationRMSE: validationRMSE, seconds: Platform.now() - epochStart, learningRate: Double(lr))
      if record.isBest && validationRMSE != nil {
        if let best { best.assign(from: model) } else { best = model.copy() }
      }
      progress(record)
      if let checkpoints, checkpoints.every > 0, epoch % checkpoints.every == 0 || epoch == options.epochs {
        var tensors: [String: [Float]] = [:]
        for p in model.parameters {
          tensors["train.\(p.name).first"] = p.firstMoment!.array
          if let second = p.secondMoment { tensors["train.\(p.name).second"] = second.array }
        }
        if let best { for p in best.parameters { tensors["train.best.\(p.name)"] = p.value.array } }
        try checkpoints.write(TrainingCheckpoint(state: state.checkpointState, tensors: tensors), epoch)
      }
      if state.shouldStop(patience: options.patience, validating: validationRMSE != nil) { break }
    }
    if let best { model.assign(from: best) }
    return DeepTrainingResult(model: model, history: state.history, bestEpoch: validation.isEmpty ? state.epoch : state.bestEpoch, epochsRun: state.epoch)
  }

  /// One optimiser step over every parameter, after weight decay and clipping.
  func step(_ model: DeepAutoencoder, learningRate lr: Float, stepNumber: inout Int, epoch: Int) throws {
    stepNumber += 1
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
    for p in model.parameters {
      if p.firstMoment == nil {
        p.firstMoment = StableBuffer(zeros: p.count)
        if options.optimizer != .momentum { p.secondMoment = StableBuffer(zeros: p.count) }
      }
      let box = UncheckedSendable((p.value.pointer, p.gradient.pointer, p.firstMoment!.pointer, p.secondMoment?.pointer))
      let columns = p.columns
      switch options.optimizer {
      case .adam:
        let b1: Float = 0.9, b2: Float = 0.999
        let t = Float(stepNumber)
        let corrected = lr * (1 - powf_(b2, t)).squareRoot() / (1 - powf_(b1, t))
        Parallel.forRanges(p.rows, grain: 16) { lo, hi in
          let (w, g, m, v) = box.value
          ek_adam_rows(lo, hi, nil, w, m, v!, columns, g, columns, columns, corrected, b1, b2, 1e-8, wd, nil)
        }
      case .momentum:
        Parallel.forRanges(p.rows, grain: 16) { lo, hi in
          let (w, g, m, _) = box.value
          ek_momentum_rows(lo, hi, nil, w, m, columns, g, columns, columns, lr, 0.9, wd, nil)
        }
      case .adagrad, .rmsprop:
        let rms = options.optimizer == .rmsprop
        Parallel.forRanges(p.count, grain: 1 << 14) { lo, hi in
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
      }
    }
  }
}
