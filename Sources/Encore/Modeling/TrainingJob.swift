/// Everything a family needs to train one model: the data parts, the fallback baseline and
/// scale, the threads and GEMM library to train on, and the hooks for checkpoints,
/// monitoring and progress.
public struct TrainingJob {
  public var train: RatingSet
  /// Ratings that choose the epoch to keep (may be empty); never the test part.
  public var validation: RatingSet
  public var userCount: Int
  public var itemCount: Int
  public var baseline: BiasBaseline
  public var scale: RatingScale
  /// The threads and GEMM library training may use.
  public var compute: ComputeContext
  /// A checkpoint to continue from: the model saved with it and its training state.
  public var resume: (model: any RatingModel, checkpoint: TrainingCheckpoint)?
  /// Writes a checkpoint of the model being trained (live: it reads the current parameters).
  public var checkpoints: ((any RatingModel) -> CheckpointPolicy)?
  public var monitor: TrainingMonitor?
  public var progress: (EpochRecord) -> Void
  /// Whether the validation part must stay out of training altogether (a blend fits its
  /// weights on it), so that an ensemble member does not rotate it into its members' training.
  public var validationIsReserved = false
  /// The ranks of a data-parallel job (`mpirun -np N`) this process trains with; nil trains alone.
  /// Only families whose `ModelSettings.trainsDataParallel` is true accept one.
  public var replicas: DataParallel? = nil

  public init(
    train: RatingSet, validation: RatingSet, userCount: Int, itemCount: Int, baseline: BiasBaseline, scale: RatingScale,
    compute: ComputeContext = .automatic, resume: (model: any RatingModel, checkpoint: TrainingCheckpoint)? = nil,
    checkpoints: ((any RatingModel) -> CheckpointPolicy)? = nil, monitor: TrainingMonitor? = nil,
    progress: @escaping (EpochRecord) -> Void = { _ in }
  ) {
    self.train = train
    self.validation = validation
    self.userCount = userCount
    self.itemCount = itemCount
    self.baseline = baseline
    self.scale = scale
    self.compute = compute
    self.resume = resume
    self.checkpoints = checkpoints
    self.monitor = monitor
    self.progress = progress
  }
}

/// A trained model and how training went.
public struct TrainingOutcome {
  public var model: any RatingModel
  /// One record per epoch (empty for closed-form fits).
  public var history: [EpochRecord] = []
  public var bestEpoch: Int = 1
  public var epochsRun: Int = 1

  public init(model: any RatingModel, history: [EpochRecord] = [], bestEpoch: Int = 1, epochsRun: Int = 1) {
    self.model = model
    self.history = history
    self.bestEpoch = bestEpoch
    self.epochsRun = epochsRun
  }
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
  /// The mean over the epoch's batches of the training loss in its own units (the seeds print
  /// this: DeepRecommender's and seed 004's MMSE, seed 000's RMSE, seed 002's mean over every
  /// cell; `Training_RMSE` with `--loss all-cells` is its square root). The train RMSE above is
  /// always over the observed ratings. Nil for models without a loss per batch.
  public var trainLoss: Double? = nil
  /// In a data-parallel job: the bytes this rank all-reduced during the epoch (gradients,
  /// errors and counts, the check that the ranks agree).
  public var bytesReduced: Int? = nil
  /// In a data-parallel job: the seconds this rank spent in collectives during the epoch
  /// (transfer, and waiting for the slowest rank).
  public var communicationSeconds: Double? = nil
}
