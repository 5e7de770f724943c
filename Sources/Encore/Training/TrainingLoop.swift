/// A network the shared training loop can keep copies of: the best epoch's and a moving
/// average of the parameters.
protocol TrainableNetwork: AnyObject {
  func copy() -> Self
  func assign(from other: Self)
  /// θ ← keep·θ + (1 − keep)·θ_other.
  func blend(toward other: Self, keeping keep: Float, on compute: ComputeContext)
  /// The parameter buffers, named for checkpoints under `prefix` (e.g. "train.best").
  func checkpointBuffers(prefix: String) -> [(String, StableBuffer<Float>)]
  /// A predictor for the validation part.
  func validationPredictor(baseline: BiasBaseline, scale: RatingScale, compute: ComputeContext) -> RatingPredictor
}

/// What one family supplies to the shared loop: its batch step (forward, backward, update)
/// and its optimiser state. This step is where a gradient all-reduce would go.
protocol BatchStepper: AnyObject {
  associatedtype Network: TrainableNetwork
  var network: Network { get }
  /// The threads (and GEMM library) the steps run on.
  var compute: ComputeContext { get }
  /// The ranks of a data-parallel job (nil: one process). `step` gets the global batch and
  /// trains on its rank's share, adding the ranks' gradients before the update.
  var replicas: DataParallel? { get }
  /// Input rows with at least one rating; an epoch visits each once.
  var rows: [Int32] { get }
  /// Rows per batch.
  var batchSize: Int { get }
  /// Sub-stream base of the per-epoch shuffle (stream base + epoch); nil: visit rows in order.
  var shuffleStream: UInt64? { get }
  /// Whether parameters change once per epoch, in `endEpoch` (full-batch methods).
  var stepsOncePerEpoch: Bool { get }
  /// The learning rate of `epoch` before plateau cuts; nil when the optimiser sets its own steps.
  func learningRate(epoch: Int) -> Float?
  /// Called before the epoch's first batch.
  func beginEpoch()
  /// Trains on one batch; returns its squared error, rating count and the step number to log.
  func step(rows: ArraySlice<Int32>, learningRate: Float, progress: inout TrainingProgress, epoch: Int) throws -> BatchOutcome
  /// Called after the epoch's last batch (full-batch methods step here).
  func endEpoch()
  /// Every parameter and its last gradient under DeepRecommender's names, for the monitor's
  /// per-step summaries.
  func parameterViews() -> [ParameterView]
  /// Weight and gradient norms for the monitor, after the epoch.
  func norms() -> [(name: String, weight: Double, gradient: Double)]
  /// Optimiser state by name, for checkpoints (empty buffers are skipped).
  var optimizerState: [(String, StableBuffer<Float>)] { get }
}

/// What one batch step reports.
struct BatchOutcome {
  var squaredError: Double
  var count: Int
  /// The optimiser step to log this batch's error at (nil: the loop logs per epoch).
  var loggedStep: Int?
  /// The batch's loss in its own units (see `ReconstructionLoss`), averaged into the epoch's.
  var loss: Double? = nil
}

/// The settings of the shared loop, common to every iterative family.
struct LoopSettings {
  var epochs: Int
  /// Stop when validation RMSE has not improved for this many epochs (0: never).
  var patience: Int
  var seed: UInt64
  /// Sub-stream of the dropout and noise generator.
  var generatorStream: UInt64
  /// Decay of the parameters' moving average (0: off).
  var averaging: Float = 0
  var plateauFactor: Float = 1
  var plateauPatience: Int = 10
  /// Keep the last epoch's parameters instead of the best validation epoch's.
  var keep: KeptEpoch = .best
}

/// How a loop ended.
struct LoopResult {
  var history: [EpochRecord]
  var bestEpoch: Int
  var epochsRun: Int
  var stoppedEarly: Bool
}

/// The one epoch loop every iterative model trains with: a seeded shuffle per epoch, batches
/// through the family's step, the NaN and explosion guards, validation, the best and averaged
/// parameters, reduce-on-plateau cuts, checkpoints of named buffers, and early stopping.
/// On return the network holds the best epoch's parameters (or the average, or the last).
struct TrainingLoop<Stepper: BatchStepper> {
  var settings: LoopSettings

  func run(
    _ stepper: Stepper, validation: RatingSet, baseline: BiasBaseline, scale: RatingScale,
    resume: TrainingCheckpoint? = nil, checkpoints: CheckpointPolicy? = nil, monitor: TrainingMonitor? = nil,
    progress: (EpochRecord) -> Void = { _ in }
  ) throws -> LoopResult {
    let network = stepper.network
    var state = TrainingProgress(seed: settings.seed, stream: settings.generatorStream, resume: resume)
    let averaged: Stepper.Network? = settings.averaging > 0 ? network.copy() : nil
    var best: Stepper.Network? = nil
    var stateBuffers = stepper.optimizerState.filter { $0.1.count > 0 }
    if let averaged { stateBuffers += averaged.checkpointBuffers(prefix: "train.averaged") }
    if let resume {
      for (name, buffer) in stateBuffers {
        let values = try resume.tensor(name, count: buffer.count)
        buffer.pointer.update(from: values, count: values.count)
      }
      let bestNames = network.checkpointBuffers(prefix: "train.best")
      if let first = bestNames.first, resume.tensors[first.0] != nil {
        let restored = network.copy()
        for (name, buffer) in restored.checkpointBuffers(prefix: "train.best") {
          buffer.pointer.update(from: try resume.tensor(name, count: buffer.count), count: buffer.count)
        }
        best = restored
      }
    }
    if let replicas = stepper.replicas, replicas.size > 1 {
      // Rank 0's parameters and optimiser state (fresh or resumed) are every rank's.
      replicas.broadcastFromRoot(network.checkpointBuffers(prefix: "").map(\.1) + stateBuffers.map(\.1))
      if let best { replicas.broadcastFromRoot(best.checkpointBuffers(prefix: "").map(\.1)) }
    }
    var stoppedEarly = false
    while state.epoch < settings.epochs {
      state.epoch += 1
      let epoch = state.epoch
      let epochStart = Platform.now()
      let scheduled = stepper.learningRate(epoch: epoch)
      let lr = (scheduled ?? 0) * state.learningRateScale
      var order = stepper.rows
      if let stream = stepper.shuffleStream {
        var rng = SeededGenerator(seed: settings.seed, stream: stream + UInt64(epoch))
        rng.shuffle(&order)
      }
      let bytesBefore = stepper.replicas?.bytesReduced
      let secondsBefore = stepper.replicas?.secondsCommunicating
      stepper.beginEpoch()
      var sse = 0.0, seen = 0
      var lossSum = 0.0, lossBatches = 0
      var lo = 0
      while lo < order.count {
        let hi = min(order.count, lo + stepper.batchSize)
        let outcome = try stepper.step(rows: order[lo..<hi], learningRate: lr, progress: &state, epoch: epoch)
        sse += outcome.squaredError
        seen += outcome.count
        if let loss = outcome.loss {
          lossSum += loss
          lossBatches += 1
        }
        lo = hi
        if let averaged { averaged.blend(toward: network, keeping: settings.averaging, on: stepper.compute) }
        if let step = outcome.loggedStep, let monitor {
          monitor.step(step, squaredError: outcome.squaredError, count: outcome.count)
          if monitor.onSummary != nil && monitor.isLoggingStep(step) { monitor.summarize(step, stepper.parameterViews()) }
        }
      }
      if stepper.stepsOncePerEpoch {
        monitor?.step(epoch, squaredError: sse, count: seen)
        if let monitor, monitor.onSummary != nil, monitor.isLoggingStep(epoch) { monitor.summarize(epoch, stepper.parameterViews()) }
        stepper.endEpoch()
        if let averaged { averaged.blend(toward: network, keeping: settings.averaging, on: stepper.compute) }
      } else {
        stepper.endEpoch()
      }
      monitor?.epochEnded(epoch, norms: stepper.norms())
      let trainRMSE = (sse / Double(max(seen, 1))).squareRoot()
      if !trainRMSE.isFinite {
        throw EncoreError.diverged(epoch: epoch, detail: "the training loss became NaN or infinite")
      }
      if let first = state.firstLoss, trainRMSE > 100 * max(first, 1) {
        throw EncoreError.diverged(
          epoch: epoch, detail: String(format2("training RMSE exploded from %.3f to %.3g", first, trainRMSE)))
      }
      if state.firstLoss == nil { state.firstLoss = trainRMSE }
      if let replicas = stepper.replicas, replicas.size > 1,
         !replicas.agree(on: network.checkpointBuffers(prefix: "").map(\.1)) {
        throw EncoreError.diverged(epoch: epoch, detail: "the ranks' parameters differ after the epoch (their all-reduced gradients disagreed)")
      }
      var validationRMSE: Double? = nil
      if !validation.isEmpty {
        let predictor = (averaged ?? network).validationPredictor(baseline: baseline, scale: scale, compute: stepper.compute)
        let (predicted, _) = predictor.predict(validation)
        validationRMSE = Metrics.rmse(predicted: predicted, actual: validation.values)
        if !(validationRMSE!.isFinite) {
          throw EncoreError.diverged(epoch: epoch, detail: "the validation RMSE became NaN")
        }
      }
      let record = state.finishEpoch(
        trainRMSE: trainRMSE, validationRMSE: validationRMSE, seconds: Platform.now() - epochStart,
        learningRate: scheduled == nil ? nil : Double(lr), trainLoss: lossBatches > 0 ? lossSum / Double(lossBatches) : nil,
        bytesReduced: bytesBefore.map { (stepper.replicas?.bytesReduced ?? $0) - $0 },
        communicationSeconds: secondsBefore.map { (stepper.replicas?.secondsCommunicating ?? $0) - $0 })
      if record.isBest && validationRMSE != nil {
        let current = averaged ?? network
        if let best { best.assign(from: current) } else { best = current.copy() }
      }
      progress(record)
      if validationRMSE != nil { state.reduceOnPlateau(factor: settings.plateauFactor, patience: settings.plateauPatience) }
      if let checkpoints, checkpoints.every > 0, epoch % checkpoints.every == 0 || epoch == settings.epochs {
        var tensors: [String: [Float]] = [:]
        for (name, buffer) in stateBuffers { tensors[name] = buffer.array }
        if let best { for (name, buffer) in best.checkpointBuffers(prefix: "train.best") { tensors[name] = buffer.array } }
        try checkpoints.write(TrainingCheckpoint(state: state.checkpointState, tensors: tensors), epoch)
      }
      if state.shouldStop(patience: settings.patience, validating: validationRMSE != nil) {
        stoppedEarly = true
        break
      }
    }
    if settings.keep == .best, let best { network.assign(from: best) } else if let averaged { network.assign(from: averaged) }
    return LoopResult(
      history: state.history, bestEpoch: validation.isEmpty || settings.keep == .last ? state.epoch : state.bestEpoch, epochsRun: state.epoch,
      stoppedEarly: stoppedEarly)
  }
}

/// printf-style formatting of two numbers.
func format2(_ format: String, _ a: Double, _ b: Double) -> String {
  String(format: format, a, b)
}
