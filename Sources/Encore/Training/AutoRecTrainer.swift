import Foundation

/// Settings for training any Encore network.
public struct TrainingOptions: Sendable, Equatable {
  public var optimizer: OptimizerKind = .adam
  /// Learning rate (Adam, SGD) or initial step size (Rprop); nil takes the optimiser's default.
  public var learningRate: Float? = nil
  /// Upper bound on epochs (one pass over all rows; one full-batch step for Rprop).
  public var epochs: Int = 1000
  /// Input rows per mini-batch.
  public var batchSize: Int = 4096
  /// Stop when validation RMSE has not improved for this many epochs (0: never stop early).
  public var patience: Int = 50
  public var seed: UInt64 = 42
  /// After validation has chosen the number of epochs, train a fresh network on training plus
  /// validation ratings for that many epochs (the test part still chooses nothing).
  public var refit: Bool = false
  /// Dropout on the inputs and on the hidden code while training (AutoRec: both 0 in the paper).
  public var dropout = AutoRecGradient.Dropout.none
  /// Centre the encoder's inputs on the mean training rating (see `AutoRecConfiguration.inputOffset`).
  /// nil takes the model's default, chosen on MovieLens-100K validation RMSE: on for U-AutoRec
  /// (0.930 against 0.947), off for I-AutoRec (0.912 against 0.887).
  public var centerInputs: Bool? = nil
  /// Decay of an exponential moving average of the parameters, updated after every step and
  /// used for validation and the saved model (0: off, use the raw parameters).
  public var averaging: Float = 0
  /// Apply the L2 weight λ to the biases μ and b too (as PyTorch's weight_decay does). Chosen on
  /// MovieLens-100K validation RMSE averaged over four validation splits: 0.8829 with, against
  /// 0.8832 without (and zero initial output biases).
  public var decayBiases = true
  /// Start the output biases at the mean training rating instead of 0. Zero won on validation
  /// (0.8832 against 0.8881); the mean helps small learning rates start faster.
  public var outputBiasAtMean = false
  /// Multiply the learning rate by this factor when validation RMSE has not improved for
  /// `plateauPatience` epochs (1: keep it constant), as PyTorch's ReduceLROnPlateau.
  public var plateauFactor: Float = 1
  /// Epochs without improvement before each cut of the learning rate.
  public var plateauPatience: Int = 10

  public init() {}

  public var effectiveLearningRate: Float { learningRate ?? optimizer.defaultLearningRate }
}

/// One line of the training log.
public struct EpochRecord: Codable, Sendable, Equatable {
  public var epoch: Int
  public var trainRMSE: Double
  public var validationRMSE: Double?
  public var seconds: Double
  /// Whether this epoch is the best so far on validation.
  public var isBest: Bool
  /// The learning rate this epoch's steps used (nil for Rprop, which adapts its own steps).
  public var learningRate: Double? = nil
}

/// The outcome of training: the network from the best validation epoch and its history.
public struct AutoRecTrainingResult: @unchecked Sendable {
  public var model: AutoRec
  public var history: [EpochRecord]
  public var bestEpoch: Int
  public var epochsRun: Int
  public var trainSeconds: Double
  public var stoppedEarly: Bool
}

/// Trains AutoRec networks: shuffled mini-batches of input rows, sparse gradients, lazy
/// optimiser steps on touched rows only, early stopping on validation RMSE (the test part is
/// never seen), and a guard that stops with advice when the loss becomes NaN or explodes.
public struct AutoRecTrainer: Sendable {
  public var options: TrainingOptions

  public init(options: TrainingOptions) { self.options = options }

  /// Trains on `train`; `validation` (may be empty) chooses the epoch to keep.
  /// - Parameter progress: called after every epoch.
  public func train(
    configuration: AutoRecConfiguration, train: RatingSet, validation: RatingSet, userCount: Int, itemCount: Int,
    baseline: BiasBaseline, scale: RatingScale, progress: (EpochRecord) -> Void = { _ in }
  ) throws -> AutoRecTrainingResult {
    let model = makeNetwork(configuration: configuration, train: train, userCount: userCount, itemCount: itemCount)
    return try self.train(model: model, validation: validation, baseline: baseline, scale: scale, progress: progress)
  }

  /// A fresh network for `train` with these options: the input matrix in the configuration's
  /// orientation, inputs centred when asked, output biases at 0 or at the mean rating.
  public func makeNetwork(configuration: AutoRecConfiguration, train: RatingSet, userCount: Int, itemCount: Int) -> AutoRec {
    var configuration = configuration
    if options.centerInputs ?? (configuration.orientation == .userBased) { configuration.inputOffset = Float(train.mean) }
    let input = SparseMatrix(train, userCount: userCount, itemCount: itemCount, itemsAsRows: configuration.orientation == .itemBased)
    return AutoRec(configuration: configuration, input: input, seed: options.seed, outputBias: options.outputBiasAtMean ? Float(train.mean) : 0)
  }

  /// Trains `model` in place from its current parameters.
  public func train(
    model: AutoRec, validation: RatingSet, baseline: BiasBaseline, scale: RatingScale,
    resume: TrainingCheckpoint? = nil, checkpoints: CheckpointPolicy? = nil, monitor: TrainingMonitor? = nil,
    progress: (EpochRecord) -> Void = { _ in }
  ) throws -> AutoRecTrainingResult {
    guard options.epochs >= 1 else { throw EncoreError.invalidArgument("--epochs must be at least 1") }
    guard options.batchSize >= 1 else { throw EncoreError.invalidArgument("--batch-size must be at least 1") }
    guard model.hiddenUnits >= 1 else { throw EncoreError.invalidArgument("--hidden must be at least 1") }
    let x = model.input
    let d = x.columnCount, k = model.hiddenUnits
    let activeRows = (0..<x.rowCount).filter { x.rowLength($0) > 0 }.map(Int32.init)
    guard !activeRows.isEmpty else { throw EncoreError.invalidArgument("no training ratings") }
    let lambda = model.configuration.lambda
    let biasDecay = options.decayBiases ? lambda : 0
    let baseLearningRate = options.effectiveLearningRate
    let gradient = AutoRecGradient(columnCount: d)
    let fullBatch = options.optimizer == .rprop
    let needsSecond = options.optimizer == .adam
    // Lazy optimiser state: V and W rows, the decoder bias as d rows of width 1, μ as one row.
    let vState = RowOptimizerState(rows: fullBatch ? 0 : d, width: k, needsSecondMoment: needsSecond)
    let wState = RowOptimizerState(rows: fullBatch ? 0 : d, width: k, needsSecondMoment: needsSecond)
    let bState = RowOptimizerState(rows: fullBatch ? 0 : d, width: 1, needsSecondMoment: needsSecond)
    let muState = RowOptimizerState(rows: fullBatch ? 0 : 1, width: k, needsSecondMoment: needsSecond)
    // Full-batch Rprop: dense gradient accumulators and step sizes.
    let fullV = StableBuffer<Float>(zeros: fullBatch ? d * k : 0)
    let fullW = StableBuffer<Float>(zeros: fullBatch ? d * k : 0)
    let fullB = StableBuffer<Float>(zeros: fullBatch ? d : 0)
    let fullMu = StableBuffer<Float>(zeros: fullBatch ? k : 0)
    let rprop = fullBatch
      ? [RpropState(count: d * k, initialStep: baseLearningRate), RpropState(count: d * k, initialStep: baseLearningRate),
         RpropState(count: d, initialStep: baseLearningRate), RpropState(count: k, initialStep: baseLearningRate)] : []
    // The mini-batch gradient is scaled by (rows / batch rows), so that λ weighs the same
    // against the data term as in the full objective Σ_O (h(r) − r)² + λ/2 (‖W‖² + ‖V‖²).
    let batch = min(options.batchSize, activeRows.count)
    // Unbiased lazy weight decay: a column with n ratings is touched by a random batch of B of
    // the N rows with probability p ≈ 1 − (1 − B/N)^n; its rows get λ/p when touched.
    let rowDecay = StableBuffer<Float>(zeros: fullBatch ? 0 : d)
    if !fullBatch {
      let missProbability = 1 - Double(batch) / Double(activeRows.count)
      let counts = x.columnCounts()
      for c in 0..<d {
        let p = 1 - pow(missProbability, Double(counts[c]))
        rowDecay[c] = p > 0 ? Float(1 / p) : 1
      }
    }
    var best: AutoRec? = nil
    var stoppedEarly = false
    let start = Platform.now()
    var state = TrainingProgress(seed: options.seed, stream: 77, resume: resume)
    let averaged: AutoRec? = options.averaging > 0 ? model.copy() : nil
    // Everything that evolves during training, by name, for checkpoints.
    var stateBuffers: [(String, StableBuffer<Float>)] = []
    for (name, state) in [("v", vState), ("w", wState), ("b", bState), ("mu", muState)] {
      stateBuffers.append(("train.\(name).first", state.first))
      stateBuffers.append(("train.\(name).second", state.second))
    }
    for (i, r) in rprop.enumerated() {
      stateBuffers.append(("train.rprop\(i).previous", r.previous))
      stateBuffers.append(("train.rprop\(i).step", r.stepSize))
    }
    func parameterBuffers(_ m: AutoRec, _ prefix: String) -> [(String, StableBuffer<Float>)] {
      [("\(prefix).encoder_weight", m.encoderWeight), ("\(prefix).encoder_bias", m.encoderBias),
       ("\(prefix).decoder_weight", m.decoderWeight), ("\(prefix).decoder_bias", m.decoderBias)]
    }
    if let averaged { stateBuffers += parameterBuffers(averaged, "train.averaged") }
    if let resume {
      for (name, buffer) in stateBuffers where buffer.count > 0 {
        let values = try resume.tensor(name, count: buffer.count)
        buffer.pointer.update(from: values, count: values.count)
      }
      if resume.tensors["train.best.encoder_weight"] != nil {
        let restored = model.copy()
        for (name, buffer) in parameterBuffers(restored, "train.best") {
          buffer.pointer.update(from: try resume.tensor(name, count: buffer.count), count: buffer.count)
        }
        best = restored
      }
    }
    while state.epoch < options.epochs {
      state.epoch += 1
      let epoch = state.epoch
      let epochStart = Platform.now()
      let lr = baseLearningRate * state.learningRateScale
      var order = activeRows
      if !fullBatch {
        var rng = SeededGenerator(seed: options.seed, stream: 1000 + UInt64(epoch))
        for i in stride(from: order.count - 1, to: 0, by: -1) {
          order.swapAt(i, Int(rng.next() % UInt64(i + 1)))
        }
      } else {
        fullV.fill(0); fullW.fill(0); fullB.fill(0); fullMu.fill(0)
      }
      var sse = 0.0
      var seen = 0
      var lo = 0
      while lo < order.count {
        let hi = min(order.count, lo + (fullBatch ? 4096 : batch))
        gradient.compute(model: model, rows: order[lo..<hi], dropout: options.dropout, generator: &state.generator)
        sse += gradient.squaredError
        seen += gradient.ratingCount
        let touched = gradient.touched
        if fullBatch {
          for (s, c) in touched.enumerated() {
            SparseKernels.axpy(1, gradient.encoderWeight.pointer + s * k, fullV.pointer + Int(c) * k, count: k)
            SparseKernels.axpy(1, gradient.decoderWeight.pointer + s * k, fullW.pointer + Int(c) * k, count: k)
            fullB[Int(c)] += gradient.decoderBias[s]
          }
          SparseKernels.axpy(1, gradient.encoderBias.pointer, fullMu.pointer, count: k)
        } else {
          state.stepNumber += 1
          let scaleFactor = Float(Double(activeRows.count) / Double(hi - lo))
          touched.withUnsafeBufferPointer { t in
            vState.step(
              options.optimizer, weights: model.encoderWeight, rows: t.baseAddress, count: t.count,
              gradient: gradient.encoderWeight, gradientScale: scaleFactor, learningRate: lr, decay: lambda,
              rowDecay: rowDecay, stepNumber: state.stepNumber)
            wState.step(
              options.optimizer, weights: model.decoderWeight, rows: t.baseAddress, count: t.count,
              gradient: gradient.decoderWeight, gradientScale: scaleFactor, learningRate: lr, decay: lambda,
              rowDecay: rowDecay, stepNumber: state.stepNumber)
            bState.step(
              options.optimizer, weights: model.decoderBias, rows: t.baseAddress, count: t.count,
              gradient: gradient.decoderBias, gradientScale: scaleFactor, learningRate: lr, decay: biasDecay,
              stepNumber: state.stepNumber)
          }
          muState.step(
            options.optimizer, weights: model.encoderBias, rows: nil, count: 1, gradient: gradient.encoderBias,
            gradientScale: scaleFactor, learningRate: lr, decay: biasDecay, stepNumber: state.stepNumber)
        }
        lo = hi
        if let averaged { averaged.blend(toward: model, keeping: options.averaging) }
        if !fullBatch { monitor?.step(state.stepNumber, squaredError: gradient.squaredError, count: gradient.ratingCount) }
      }
      if fullBatch { monitor?.step(epoch, squaredError: sse, count: seen) }
      if fullBatch {
        defer { if let averaged { averaged.blend(toward: model, keeping: options.averaging) } }
        for j in 0..<(d * k) {
          fullV[j] += lambda * model.encoderWeight[j]
          fullW[j] += lambda * model.decoderWeight[j]
        }
        if options.decayBiases {
          for j in 0..<d { fullB[j] += lambda * model.decoderBias[j] }
          for j in 0..<k { fullMu[j] += lambda * model.encoderBias[j] }
        }
        rprop[0].step(weights: model.encoderWeight, gradient: fullV)
        rprop[1].step(weights: model.decoderWeight, gradient: fullW)
        rprop[2].step(weights: model.decoderBias, gradient: fullB)
        rprop[3].step(weights: model.encoderBias, gradient: fullMu)
      }
      if let monitor {
        let nt = gradient.touched.count
        monitor.epochEnded(epoch, norms: [
          ("encoder.weight", TrainingMonitor.norm(model.encoderWeight.pointer, model.encoderWeight.count),
           fullBatch ? TrainingMonitor.norm(fullV.pointer, fullV.count) : TrainingMonitor.norm(gradient.encoderWeight.pointer, nt * k)),
          ("decoder.weight", TrainingMonitor.norm(model.decoderWeight.pointer, model.decoderWeight.count),
           fullBatch ? TrainingMonitor.norm(fullW.pointer, fullW.count) : TrainingMonitor.norm(gradient.decoderWeight.pointer, nt * k)),
        ])
      }
      let trainRMSE = (sse / Double(max(seen, 1))).squareRoot()
      if !trainRMSE.isFinite {
        throw EncoreError.diverged(epoch: epoch, detail: "the training loss became NaN or infinite")
      }
      if let first = state.firstLoss, trainRMSE > 100 * max(first, 1) {
        throw EncoreError.diverged(
          epoch: epoch, detail: String(format2("training RMSE exploded from %.3f to %.3g", first, trainRMSE)))
      }
      if state.firstLoss == nil { state.firstLoss = trainRMSE }
      var validationRMSE: Double? = nil
      if !validation.isEmpty {
        let predictor = AutoRecPredictor(model: averaged ?? model, baseline: baseline, scale: scale)
        let (predicted, _) = predictor.predict(validation)
        validationRMSE = Metrics.rmse(predicted: predicted, actual: validation.values)
        if !(validationRMSE!.isFinite) {
          throw EncoreError.diverged(epoch: epoch, detail: "the validation RMSE became NaN")
        }
      }
      let record = state.finishEpoch(
        trainRMSE: trainRMSE, validationRMSE: validationRMSE, seconds: Platform.now() - epochStart,
        learningRate: fullBatch ? nil : Double(lr))
      if record.isBest && validationRMSE != nil {
        let current = averaged ?? model
        if let best { best.assign(from: current) } else { best = current.copy() }
      }
      progress(record)
      if validationRMSE != nil { state.reduceOnPlateau(factor: options.plateauFactor, patience: options.plateauPatience) }
      if let checkpoints, checkpoints.every > 0, epoch % checkpoints.every == 0 || epoch == options.epochs {
        var tensors: [String: [Float]] = [:]
        for (name, buffer) in stateBuffers where buffer.count > 0 { tensors[name] = buffer.array }
        if let best { for (name, buffer) in parameterBuffers(best, "train.best") { tensors[name] = buffer.array } }
        try checkpoints.write(TrainingCheckpoint(state: state.checkpointState, tensors: tensors), epoch)
      }
      if state.shouldStop(patience: options.patience, validating: validationRMSE != nil) {
        stoppedEarly = true
        break
      }
    }
    if let best { model.assign(from: best) } else if let averaged { model.assign(from: averaged) }
    return AutoRecTrainingResult(
      model: model, history: state.history, bestEpoch: validation.isEmpty ? state.epoch : state.bestEpoch, epochsRun: state.epoch,
      trainSeconds: Platform.now() - start, stoppedEarly: stoppedEarly)
  }
}

/// printf-style formatting without Foundation in the hot files.
func format2(_ format: String, _ a: Double, _ b: Double) -> String {
  String(format: format, a, b)
}
