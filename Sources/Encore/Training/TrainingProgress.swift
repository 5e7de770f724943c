/// The bookkeeping every trainer keeps across epochs: epoch and step counters, the best
/// validation score so far, the first training loss (for the divergence guard), the history,
/// and the dropout generator. It is what a checkpoint restores besides the tensors.
struct TrainingProgress {
  var epoch = 0
  var stepNumber = 0
  var bestScore = Double.infinity
  var bestEpoch = 0
  var firstLoss: Double? = nil
  /// The factor on the base learning rate, lowered by `reduceOnPlateau`.
  var learningRateScale: Float = 1
  /// The epoch of the last learning-rate cut (0: none yet).
  var lastDecayEpoch = 0
  var history: [EpochRecord] = []
  var generator: SeededGenerator

  init(seed: UInt64, stream: UInt64, resume: TrainingCheckpoint?) {
    generator = SeededGenerator(seed: seed, stream: stream)
    if let r = resume?.state {
      epoch = r.epoch
      stepNumber = r.stepNumber
      bestScore = r.bestScore
      bestEpoch = r.bestEpoch
      firstLoss = r.firstLoss
      learningRateScale = r.learningRateScale ?? 1
      lastDecayEpoch = r.lastDecayEpoch ?? 0
      history = r.history
      generator = SeededGenerator(state: resume!.generatorState)
    }
  }

  /// The state a checkpoint saves.
  var checkpointState: TrainingCheckpoint.State {
    .init(epoch: epoch, stepNumber: stepNumber, bestScore: bestScore, bestEpoch: bestEpoch, firstLoss: firstLoss,
          learningRateScale: learningRateScale, lastDecayEpoch: lastDecayEpoch, history: history, generator: generator.state.map(String.init))
  }

  /// Records the finished epoch, scored on validation RMSE (training RMSE without validation).
  mutating func finishEpoch(trainRMSE: Double, validationRMSE: Double?, seconds: Double, learningRate: Double? = nil, trainLoss: Double? = nil, bytesReduced: Int? = nil, communicationSeconds: Double? = nil) -> EpochRecord {
    let score = validationRMSE ?? trainRMSE
    let improved = score < bestScore
    if improved {
      bestScore = score
      bestEpoch = epoch
    }
    let record = EpochRecord(epoch: epoch, trainRMSE: trainRMSE, validationRMSE: validationRMSE, seconds: seconds, isBest: improved,
                             learningRate: learningRate, trainLoss: trainLoss, bytesReduced: bytesReduced, communicationSeconds: communicationSeconds)
    history.append(record)
    return record
  }

  /// Cuts the learning rate by `factor` when the score has not improved for `patience` epochs
  /// since the best epoch or the last cut, as PyTorch's ReduceLROnPlateau does (factor 1: off).
  mutating func reduceOnPlateau(factor: Float, patience: Int) {
    guard factor < 1, patience > 0, epoch - max(bestEpoch, lastDecayEpoch) >= patience else { return }
    learningRateScale *= factor
    lastDecayEpoch = epoch
  }

  /// Whether validation RMSE has not improved for `patience` epochs (0: never stop).
  func shouldStop(patience: Int, validating: Bool) -> Bool {
    patience > 0 && validating && epoch - bestEpoch >= patience
  }
}
