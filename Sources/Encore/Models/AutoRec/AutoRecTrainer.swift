import Foundation

/// Settings for training an AutoRec network.
public struct TrainingOptions: Codable, Sendable, Equatable {
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
  /// The epoch whose parameters are kept (nil: the best validation epoch's).
  public var keep: KeptEpoch? = nil
  /// Shrink predictions toward the bias baseline by the weight the validation part fits
  /// (nil: yes; see `BaselineShrink`). Training itself does not read it.
  public var shrink: Bool? = nil
  /// Apply λ to the decoder weights W (nil: yes, as the paper). Off leaves L2 on the encoder
  /// only, as Keras' kernel_regularizer on the encoder layer alone (seed 001).
  public var decayDecoder: Bool? = nil
  /// The data term (nil: `masked`, the paper's Σ_O (h(r) − r)² over the whole objective, each
  /// batch scaled by rows / batch rows). `allCells` is each batch's mean over its rows × columns
  /// cells, as Keras' reduce_mean of a masked error (seed 001); λ then weighs against that mean.
  public var loss: ReconstructionLoss? = nil

  public init() {}

  public var effectiveLearningRate: Float { learningRate ?? Self.defaultLearningRate(optimizer) }

  /// The learning rate used when none is given: Adam 0.01, momentum SGD 1e-4, and Rprop's
  /// initial step 1e-3.
  public static func defaultLearningRate(_ optimizer: OptimizerKind) -> Float {
    switch optimizer {
    case .adam: return 1e-2
    case .momentum: return 1e-4
    case .plainSGD: return 1e-3
    case .rprop: return 1e-3
    case .adagrad, .rmsprop: return 1e-2
    }
  }
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
  /// The threads training runs on.
  public var compute: ComputeContext
  /// The ranks of a data-parallel job this process trains with (nil: alone).
  public var replicas: DataParallel?

  public init(options: TrainingOptions, compute: ComputeContext = .automatic, replicas: DataParallel? = nil) {
    self.options = options
    self.compute = compute
    self.replicas = replicas
  }

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
    let start = Platform.now()
    let stepper = try AutoRecStepper(model: model, options: options, compute: compute, replicas: replicas, keepsGradients: monitor != nil)
    let loop = TrainingLoop<AutoRecStepper>(settings: LoopSettings(
      epochs: options.epochs, patience: options.patience, seed: options.seed, generatorStream: 77,
      averaging: options.averaging, plateauFactor: options.plateauFactor, plateauPatience: options.plateauPatience,
      keep: options.keep ?? .best))
    let result = try loop.run(
      stepper, validation: validation, baseline: baseline, scale: scale, resume: resume, checkpoints: checkpoints,
      monitor: monitor, progress: progress)
    return AutoRecTrainingResult(
      model: model, history: result.history, bestEpoch: result.bestEpoch, epochsRun: result.epochsRun,
      trainSeconds: Platform.now() - start, stoppedEarly: result.stoppedEarly)
  }
}

/// AutoRec's batch step for the shared loop: sparse gradients of a batch of input rows, then
/// lazy optimiser steps on the rows the batch touched (Adam or momentum), or, for Rprop,
/// accumulation of the full-batch gradient and one step per epoch.
final class AutoRecStepper: BatchStepper {
  let network: AutoRec
  let compute: ComputeContext
  let options: TrainingOptions
  let rows: [Int32]
  let batchSize: Int
  let gradient: AutoRecGradient
  let fullBatch: Bool
  let lambda: Float
  let biasDecay: Float
  let decoderDecay: Float
  /// Whether each batch's data term is its mean over every cell (`allCells`), not a share of the full sum.
  let meanOverCells: Bool
  let k: Int, d: Int
  // Lazy optimiser state: V and W rows, the decoder bias as d rows of width 1, μ as one row.
  let vState, wState, bState, muState: RowOptimizerState
  // Full-batch Rprop: dense gradient accumulators and step sizes.
  let fullV, fullW, fullB, fullMu: StableBuffer<Float>
  let rprop: [RpropState]
  let rowDecay: StableBuffer<Float>
  /// The other ranks of a data-parallel job (nil: this process trains alone).
  let replicas: DataParallel?
  /// The summed gradient rows of a data-parallel step (see `reduceTouchedRows`).
  private var reduced = StableBuffer<Float>(zeros: 0)
  /// With `--precision bf16`, bf16 copies of V and W that the gradient's gathers read; every
  /// step refreshes the rows it stepped, so they always hold the fp32 weights rounded.
  let bf16Rows: (encoder: BF16RowCopy, decoder: BF16RowCopy)?

  /// - Parameter keepsGradients: whether the last batch's weight gradients stay readable after
  ///   the step (for a monitor's norms and summaries); without, both share one buffer.
  init(model: AutoRec, options: TrainingOptions, compute: ComputeContext, replicas: DataParallel? = nil, keepsGradients: Bool = true) throws {
    guard options.epochs >= 1 else { throw EncoreError.invalidSetting("epochs", "must be at least 1") }
    guard options.batchSize >= 1 else { throw EncoreError.invalidSetting("batch-size", "must be at least 1") }
    guard model.hiddenUnits >= 1 else { throw EncoreError.invalidSetting("hidden", "must be at least 1") }
    network = model
    self.compute = compute
    self.options = options
    self.replicas = replicas
    let x = model.input
    d = x.columnCount
    k = model.hiddenUnits
    rows = (0..<x.rowCount).filter { x.rowLength($0) > 0 }.map(Int32.init)
    guard !rows.isEmpty else { throw EncoreError.invalidArgument("no training ratings") }
    lambda = model.configuration.lambda
    biasDecay = options.decayBiases ? lambda : 0
    decoderDecay = options.decayDecoder ?? true ? lambda : 0
    meanOverCells = options.loss == .allCells
    let baseLearningRate = options.effectiveLearningRate
    gradient = AutoRecGradient(columnCount: d, compute: compute)
    fullBatch = options.optimizer == .rprop
    gradient.defersWeightRows = !keepsGradients && !fullBatch && replicas == nil
    bf16Rows = compute.precision == .bf16
      ? (BF16RowCopy(of: model.encoderWeight.pointer, rowCount: d, width: k, on: compute),
         BF16RowCopy(of: model.decoderWeight.pointer, rowCount: d, width: k, on: compute)) : nil
    gradient.bf16Rows = bf16Rows
    let needsSecond = options.optimizer == .adam
    vState = RowOptimizerState(rows: fullBatch ? 0 : d, width: k, needsSecondMoment: needsSecond, compute: compute)
    wState = RowOptimizerState(rows: fullBatch ? 0 : d, width: k, needsSecondMoment: needsSecond, compute: compute)
    bState = RowOptimizerState(rows: fullBatch ? 0 : d, width: 1, needsSecondMoment: needsSecond, compute: compute)
    muState = RowOptimizerState(rows: fullBatch ? 0 : 1, width: k, needsSecondMoment: needsSecond, compute: compute)
    fullV = StableBuffer<Float>(zeros: fullBatch ? d * k : 0)
    fullW = StableBuffer<Float>(zeros: fullBatch ? d * k : 0)
    fullB = StableBuffer<Float>(zeros: fullBatch ? d : 0)
    fullMu = StableBuffer<Float>(zeros: fullBatch ? k : 0)
    rprop = fullBatch
      ? [RpropState(count: d * k, initialStep: baseLearningRate, compute: compute), RpropState(count: d * k, initialStep: baseLearningRate, compute: compute),
         RpropState(count: d, initialStep: baseLearningRate, compute: compute), RpropState(count: k, initialStep: baseLearningRate, compute: compute)] : []
    // The mini-batch gradient is scaled by (rows / batch rows), so that λ weighs the same
    // against the data term as in the full objective Σ_O (h(r) − r)² + λ/2 (‖W‖² + ‖V‖²).
    let batch = min(options.batchSize, rows.count)
    batchSize = fullBatch ? 4096 : batch
    // Unbiased lazy weight decay: a column with n ratings is touched by a random batch of B of
    // the N rows with probability p ≈ 1 − (1 − B/N)^n; its rows get λ/p when touched.
    rowDecay = StableBuffer<Float>(zeros: fullBatch ? 0 : d)
    if !fullBatch {
      let missProbability = 1 - Double(batch) / Double(rows.count)
      let counts = x.columnCounts()
      for c in 0..<d {
        let p = 1 - pow(missProbability, Double(counts[c]))
        rowDecay[c] = p > 0 ? Float(1 / p) : 1
      }
    }
  }

  var shuffleStream: UInt64? { fullBatch ? nil : 1000 }
  var stepsOncePerEpoch: Bool { fullBatch }

  func learningRate(epoch: Int) -> Float? { fullBatch ? nil : options.effectiveLearningRate }

  var optimizerState: [(String, StableBuffer<Float>)] {
    var buffers: [(String, StableBuffer<Float>)] = []
    for (name, state) in [("v", vState), ("w", wState), ("b", bState), ("mu", muState)] {
      buffers.append(("train.\(name).first", state.first))
      buffers.append(("train.\(name).second", state.second))
    }
    for (i, r) in rprop.enumerated() {
      buffers.append(("train.rprop\(i).previous", r.previous))
      buffers.append(("train.rprop\(i).step", r.stepSize))
    }
    return buffers
  }

  func beginEpoch() {
    if fullBatch { fullV.fill(0); fullW.fill(0); fullB.fill(0); fullMu.fill(0) }
    // Before the first batch the loop may have set the weights since the copies were made
    // (rank 0's weights, broadcast to every rank); from then on every step refreshes the
    // rows it changes.
    if !bf16RowsFollowSteps {
      refreshBF16Rows()
      bf16RowsFollowSteps = true
    }
  }

  /// Whether the bf16 copies have been made from the weights training starts from.
  private var bf16RowsFollowSteps = false

  /// Rounds the listed rows of V and W (every row when nil) into their bf16 copies.
  private func refreshBF16Rows(_ list: UnsafeBufferPointer<Int32>? = nil, encoder: Bool = true, decoder: Bool = true) {
    guard let copies = bf16Rows else { return }
    if encoder {
      copies.encoder.refresh(from: network.encoderWeight.pointer, rows: list?.baseAddress, count: list?.count, on: compute)
    }
    if decoder {
      copies.decoder.refresh(from: network.decoderWeight.pointer, rows: list?.baseAddress, count: list?.count, on: compute)
    }
  }

  func step(rows batch: ArraySlice<Int32>, learningRate lr: Float, progress state: inout TrainingProgress, epoch: Int) throws -> BatchOutcome {
    let model = network
    gradient.compute(model: model, rows: replicas?.shard(batch) ?? batch, dropout: options.dropout, generator: &state.generator)
    var squaredError = gradient.squaredError, ratingCount = gradient.ratingCount
    if let replicas {
      var totals = [squaredError, Double(ratingCount)]
      replicas.sum(&totals)
      squaredError = totals[0]
      ratingCount = Int(totals[1])
    }
    if fullBatch {
      // Each rank accumulates its shards; `endEpoch` adds the ranks' sums once.
      for (s, c) in gradient.touched.enumerated() {
        SparseKernels.axpy(1, gradient.encoderWeight.pointer + s * k, fullV.pointer + Int(c) * k, count: k)
        SparseKernels.axpy(1, gradient.decoderWeight.pointer + s * k, fullW.pointer + Int(c) * k, count: k)
        fullB[Int(c)] += gradient.decoderBias[s]
      }
      SparseKernels.axpy(1, gradient.encoderBias.pointer, fullMu.pointer, count: k)
      return BatchOutcome(squaredError: squaredError, count: ratingCount, loggedStep: nil, loss: batchLoss(squaredError, ratingCount, batch.count))
    }
    state.stepNumber += 1
    let scaleFactor = meanOverCells
      ? Float(1 / (Double(batch.count) * Double(d))) : Float(Double(rows.count) / Double(batch.count))
    func stepEncoder(_ t: UnsafeBufferPointer<Int32>, _ g: UnsafeMutablePointer<Float>) {
      vState.step(
        options.optimizer, weights: model.encoderWeight, rows: t.baseAddress, count: t.count,
        gradient: g, gradientScale: scaleFactor, learningRate: lr, decay: lambda,
        rowDecay: rowDecay, stepNumber: state.stepNumber)
      refreshBF16Rows(t, decoder: false)
    }
    func stepDecoder(_ t: UnsafeBufferPointer<Int32>, _ g: UnsafeMutablePointer<Float>) {
      wState.step(
        options.optimizer, weights: model.decoderWeight, rows: t.baseAddress, count: t.count,
        gradient: g, gradientScale: scaleFactor, learningRate: lr, decay: decoderDecay,
        rowDecay: rowDecay, stepNumber: state.stepNumber)
      refreshBF16Rows(t, encoder: false)
    }
    if gradient.defersWeightRows {
      // One buffer for both weight gradients: W's rows, W's step, then V's rows, V's step (V's
      // gradient reads the backward pass, not W).
      let buffer = gradient.encoderWeight.pointer
      gradient.touched.withUnsafeBufferPointer { t in
        gradient.decoderWeightRows(into: buffer)
        stepDecoder(t, buffer)
        gradient.encoderWeightRows(into: buffer)
        stepEncoder(t, buffer)
      }
    }
    let (touched, v, w, b, mu) = replicas.map(reduceTouchedRows) ?? (
      gradient.touched, gradient.encoderWeight.pointer, gradient.decoderWeight.pointer, gradient.decoderBias.pointer,
      gradient.encoderBias.pointer)
    touched.withUnsafeBufferPointer { t in
      if !gradient.defersWeightRows {
        stepEncoder(t, v)
        stepDecoder(t, w)
      }
      bState.step(
        options.optimizer, weights: model.decoderBias, rows: t.baseAddress, count: t.count,
        gradient: b, gradientScale: scaleFactor, learningRate: lr, decay: biasDecay,
        stepNumber: state.stepNumber)
    }
    muState.step(
      options.optimizer, weights: model.encoderBias, rows: nil, count: 1, gradient: mu,
      gradientScale: scaleFactor, learningRate: lr, decay: biasDecay, stepNumber: state.stepNumber)
    return BatchOutcome(squaredError: squaredError, count: ratingCount, loggedStep: state.stepNumber, loss: batchLoss(squaredError, ratingCount, batch.count))
  }

  /// Adds this rank's gradient rows to the other ranks': the columns any rank touched (one OR
  /// of a column bitmap), then one sum of their V, W, b rows and μ, packed in `reduced`. Only
  /// touched rows travel: the batch's share of the 2·columns·k dense gradient.
  private func reduceTouchedRows(_ replicas: DataParallel) -> (
    [Int32], UnsafeMutablePointer<Float>, UnsafeMutablePointer<Float>, UnsafeMutablePointer<Float>, UnsafeMutablePointer<Float>
  ) {
    let mine = gradient.touched
    let all = replicas.union(of: mine, columnCount: d)
    let u = all.count, total = u * (2 * k + 1) + k
    if reduced.count < total { reduced = StableBuffer(zeros: total) }
    let v = reduced.pointer, w = v + u * k, b = w + u * k, mu = b + u
    v.update(repeating: 0, count: total)
    let gv = gradient.encoderWeight.pointer, gw = gradient.decoderWeight.pointer, gb = gradient.decoderBias.pointer
    var p = 0
    for (s, c) in mine.enumerated() {
      while all[p] != c { p += 1 }
      (v + p * k).update(from: gv + s * k, count: k)
      (w + p * k).update(from: gw + s * k, count: k)
      b[p] = gb[s]
    }
    mu.update(from: gradient.encoderBias.pointer, count: k)
    replicas.sum(v, count: total)
    return (all, v, w, b, mu)
  }

  /// The batch's data term in the loss's units: the mean squared error over its ratings
  /// (`masked`) or over all its cells (`allCells`), as Keras or PyTorch would print it.
  private func batchLoss(_ squaredError: Double, _ ratingCount: Int, _ rows: Int) -> Double {
    squaredError / Double(max(meanOverCells ? rows * d : ratingCount, 1))
  }

  func endEpoch() {
    guard fullBatch else { return }
    let model = network
    if let replicas {
      for buffer in [fullV, fullW, fullB, fullMu] { replicas.sum(buffer.pointer, count: buffer.count) }
    }
    if meanOverCells {
      // The full batch's mean over every cell.
      let s = Float(1 / (Double(rows.count) * Double(d)))
      for j in 0..<(d * k) { fullV[j] *= s; fullW[j] *= s }
      for j in 0..<d { fullB[j] *= s }
      for j in 0..<k { fullMu[j] *= s }
    }
    for j in 0..<(d * k) {
      fullV[j] += lambda * model.encoderWeight[j]
      fullW[j] += decoderDecay * model.decoderWeight[j]
    }
    if options.decayBiases {
      for j in 0..<d { fullB[j] += lambda * model.decoderBias[j] }
      for j in 0..<k { fullMu[j] += lambda * model.encoderBias[j] }
    }
    rprop[0].step(weights: model.encoderWeight, gradient: fullV)
    rprop[1].step(weights: model.decoderWeight, gradient: fullW)
    rprop[2].step(weights: model.decoderBias, gradient: fullB)
    rprop[3].step(weights: model.encoderBias, gradient: fullMu)
    refreshBF16Rows()
  }

  func parameterViews() -> [ParameterView] {
    let model = network
    if fullBatch {
      return [ParameterView("Encode_W_0", model.encoderWeight, fullV), ParameterView("Encode_b_0", model.encoderBias, fullMu),
              ParameterView("Decode_W_0", model.decoderWeight, fullW), ParameterView("Decode_b_0", model.decoderBias, fullB)]
    }
    // The last batch's gradient rows (the columns it touched; the others' are zero).
    let nt = gradient.touched.count
    return [
      ParameterView("Encode_W_0", model.encoderWeight, gradient.encoderWeight, gradientCount: nt * k),
      ParameterView("Encode_b_0", model.encoderBias, gradient.encoderBias),
      ParameterView("Decode_W_0", model.decoderWeight, gradient.decoderWeight, gradientCount: nt * k),
      ParameterView("Decode_b_0", model.decoderBias, gradient.decoderBias, gradientCount: nt),
    ]
  }

  func norms() -> [(name: String, weight: Double, gradient: Double)] {
    let model = network
    let nt = gradient.touched.count
    return [
      ("encoder.weight", TrainingMonitor.norm(model.encoderWeight.pointer, model.encoderWeight.count),
       fullBatch ? TrainingMonitor.norm(fullV.pointer, fullV.count) : TrainingMonitor.norm(gradient.encoderWeight.pointer, nt * k)),
      ("decoder.weight", TrainingMonitor.norm(model.decoderWeight.pointer, model.decoderWeight.count),
       fullBatch ? TrainingMonitor.norm(fullW.pointer, fullW.count) : TrainingMonitor.norm(gradient.decoderWeight.pointer, nt * k)),
    ]
  }
}

extension AutoRec: TrainableNetwork {
  func checkpointBuffers(prefix: String) -> [(String, StableBuffer<Float>)] {
    [("\(prefix).encoder_weight", encoderWeight), ("\(prefix).encoder_bias", encoderBias),
     ("\(prefix).decoder_weight", decoderWeight), ("\(prefix).decoder_bias", decoderBias)]
  }

  func validationPredictor(baseline: BiasBaseline, scale: RatingScale, compute: ComputeContext) -> RatingPredictor {
    RatingPredictor(AutoRecPredictor(model: self, baseline: baseline, scale: scale, compute: compute), compute: compute)
  }
}
