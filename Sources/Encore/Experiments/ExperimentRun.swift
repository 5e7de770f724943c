import Foundation

/// Trains one model on a prepared split and measures it on the test part: fits the fallback
/// baseline, dispatches to the model's family, and reports.
public struct ExperimentRun: Sendable {
  public var spec: ModelSpec
  /// The threads and GEMM library training and prediction run on.
  public var compute: ComputeContext
  /// K and the relevance threshold of the held-out users' ranking metrics (`--split users`).
  public var rankingK = 10
  public var relevanceThreshold = 3.5
  /// Whether test pairs of unseen users or items count (predicted by the baseline) or are
  /// dropped; the report gives the figures over seen pairs either way.
  public var unseenPolicy = UnseenPolicy.baseline
  /// The scale predictions are clipped to (`--rating-scale`); nil: the training ratings' range.
  public var ratingScale: RatingScale? = nil
  /// The ranks of a data-parallel job (`mpirun -np N encore train ...`) to train with; nil or
  /// one rank trains in this process alone. Every rank runs the same command on the same data.
  public var replicas: DataParallel? = nil

  public init(spec: ModelSpec, compute: ComputeContext = .automatic) {
    self.spec = spec
    self.compute = compute
  }

  /// A run of the model `name` with its defaults and `seed`.
  public init(model name: String, seed: UInt64 = 42, compute: ComputeContext = .automatic) throws {
    spec = try ModelFamilies.spec(named: name, seed: seed)
    self.compute = compute
  }

  /// Where checkpoints go: every `every` epochs to `path(epoch)`, keeping the newest `keep`
  /// (0 keeps all): a 1,000-epoch run with a checkpoint per epoch must not fill the disk.
  public struct CheckpointFiles {
    public var every: Int
    public var keep: Int
    public var path: (Int) -> String
    public init(every: Int, keep: Int = 3, path: @escaping (Int) -> String) {
      self.every = every
      self.keep = keep
      self.path = path
    }
  }

  /// Settings that may change when a run resumes from a checkpoint: the epoch budget and the
  /// patience, AutoRec's input offset, which training derives from the data, and the shrink
  /// toward the baseline, which applies after training. Every other
  /// setting must equal the checkpoint's.
  public static let resumableSettings: Set<String> = ["training.epochs", "training.patience", "configuration.inputOffset", "training.shrink"]

  public func run(
    data: RatingData, split: DataSplit, keepHistory: Bool = true, checkpointFiles: CheckpointFiles? = nil,
    resumeFrom: String? = nil, monitor: TrainingMonitor? = nil, progress: @escaping (EpochRecord) -> Void = { _ in }
  ) throws -> (model: TrainedModel, report: TrainingReport) {
    let settings = spec.settings
    try settings.validate()
    let userCount = data.users.count, itemCount = data.items.count
    guard !split.train.isEmpty else { throw EncoreError.invalidArgument("the training part has no ratings") }
    guard !split.test.isEmpty else {
      throw EncoreError.invalidArgument(
        "the test part has no ratings (\(split.train.count) training ratings, split \(split.description)); give more ratings or a larger test fraction, or an explicit --test file")
    }
    let scale = ratingScale ?? RatingScale(of: split.train.values)
    if let (f, setting) = settings.outputActivation, !(f.range.contains(scale.minimum) && f.range.contains(scale.maximum)) {
      // Seed 001's recipe (identity encoder, sigmoid decoder on 0.5–5 ratings) scores RMSE
      // 2.76 this way: every prediction is stuck below 1. Refused rather than trained.
      let bounds = "\(DatasetInfo.label(f.range.lowerBound))…\(f.range.upperBound.isFinite ? DatasetInfo.label(f.range.upperBound) : "∞")"
      throw EncoreError.invalidArgument(
        "the output activation \(f.rawValue) (\(setting)) only outputs \(bounds), but the ratings run from \(DatasetInfo.label(scale.minimum)) to \(DatasetInfo.label(scale.maximum)): no prediction could reach them (seed 001's sigmoid decoder scores RMSE 2.76 this way). Use an output activation that covers the ratings, such as identity, or rescale the ratings into its range before training")
    }
    let start = Platform.now()
    let baseline = BiasBaseline(fitting: split.train, userCount: userCount, itemCount: itemCount)
    // The users' rated items (for recommendations), built when first needed: after training,
    // unless a checkpoint is written, so that it does not add to training's peak memory.
    let rated = BuiltOnce { SparseMatrix(split.train, userCount: userCount, itemCount: itemCount, itemsAsRows: false) }
    func trained(_ model: any RatingModel) -> TrainedModel {
      TrainedModel(model: model, baseline: baseline, scale: scale, users: data.users, items: data.items, titles: data.titles, rated: rated.value)
    }
    var job = TrainingJob(
      train: split.train, validation: split.validation, userCount: userCount, itemCount: itemCount, baseline: baseline,
      scale: scale, compute: compute, monitor: monitor, progress: progress)
    // The shrink fits its weight on the validation part, so no ensemble member may learn from it.
    job.validationIsReserved = settings.shrinksTowardBaseline
    if let replicas, replicas.size > 1 {
      guard settings.trainsDataParallel else {
        throw EncoreError.invalidArgument(
          "\(settings.name) does not train data-parallel; run it in one process (without mpirun), or choose i-autorec, u-autorec or deep-ae")
      }
      job.replicas = replicas
    }
    if let resumeFrom {
      job.resume = try resume(from: resumeFrom, data: data, rated: rated.value)
    }
    if let files = checkpointFiles {
      let written = WrittenCheckpoints()
      job.checkpoints = { live in
        CheckpointPolicy(every: files.every) { checkpoint, epoch in
          let path = files.path(epoch)
          try ModelFile.save(trained(live), to: path, checkpoint: checkpoint)
          for old in written.add(path, keeping: files.keep) { unlink(old) }
        }
      }
    }
    try Self.checkMemory(settings, users: userCount, items: itemCount)
    let fitStart = Platform.now()
    // A network the validation part finds partly beaten by the baseline is shrunk toward it.
    let (outcome, shrink) = BaselineShrink.applying(to: try settings.train(job), settings: settings, job: job, rated: rated.value)
    let fitSeconds = Platform.now() - fitStart
    let trainSeconds = Platform.now() - start
    let model = trained(outcome.model)
    let (predicted, fallback) = model.predictor(compute: compute).predictEach(split.test)
    let scores = TestScores(predicted: predicted, fallback: fallback, test: split.test, policy: unseenPolicy)
    // The baseline is scored on the same pairs as the model.
    let baselinePairs = scores.scoredPairs
    let baselinePredicted = baselinePairs.map {
      scale.clip(baseline.predict(user: split.test.users[$0], item: split.test.items[$0]))
    }
    let baselineRMSE = Metrics.rmse(predicted: baselinePredicted, actual: baselinePairs.map { split.test.values[$0] })
    let history = outcome.history
    let summary = settings.summary
    let report = TrainingReport(
      model: settings.name, data: data.sourceDescription, split: split.description, nUsers: userCount,
      nItems: itemCount, nTrain: split.train.count, nValidation: split.validation.count, nTest: split.test.count,
      nTestUnseen: scores.unseen, testRMSE: scores.rmse, testMAE: scores.mae, baselineTestRMSE: baselineRMSE, bestEpoch: outcome.bestEpoch,
      epochsRun: outcome.epochsRun, bestValidationRMSE: history.compactMap(\.validationRMSE).min(),
      trainSeconds: trainSeconds, fitSeconds: fitSeconds,
      secondsPerEpoch: history.isEmpty ? fitSeconds / Double(max(1, outcome.epochsRun)) : history.map(\.seconds).reduce(0, +) / Double(history.count),
      hiddenUnits: summary.hiddenUnits, lambda: summary.lambda, optimizer: summary.optimizer,
      learningRate: summary.learningRate, batchSize: summary.batchSize, seed: settings.seed, kernels: SparseKernels.instructionSet,
      history: keepHistory && !history.isEmpty ? history : nil)
    var full = report
    full.record(scores, baselineRMSE: baselineRMSE)
    full.nSkippedLines = data.ratings.skippedLines.count
    full.ranks = job.replicas?.size ?? 1
    full.gemm = compute.gemmDescription
    full.precision = settings.trainingPrecision(on: compute)
    full.shrink = shrink
    if job.replicas != nil {
      let bytes = history.compactMap(\.bytesReduced)
      if !bytes.isEmpty { full.bytesReducedPerEpoch = Double(bytes.reduce(0, +)) / Double(bytes.count) }
      let seconds = history.compactMap(\.communicationSeconds)
      if !seconds.isEmpty { full.communicationSecondsPerEpoch = seconds.reduce(0, +) / Double(seconds.count) }
    }
    if !split.validation.isEmpty, let witness = outcome.model.validationWitness {
      let validation = split.validation
      full.validationRMSE = Metrics.rmse(predicted: trained(witness).predictor(compute: compute).predict(validation).values, actual: validation.values)
      full.baselineValidationRMSE = Metrics.rmse(
        predicted: validation.users.indices.map { scale.clip(baseline.predict(user: validation.users[$0], item: validation.items[$0])) },
        actual: validation.values)
    }
    if let held = split.heldOutUsers { full.heldOutUsers = HeldOutUserReport(
        measuring: model, on: held, compute: compute, k: rankingK, threshold: relevanceThreshold) }
    return (model, full)
  }

  /// The checkpoint's model and training state, checked against this run's data and settings.
  func resume(from path: String, data: RatingData, rated: SparseMatrix) throws -> (model: any RatingModel, checkpoint: TrainingCheckpoint) {
    guard spec.settings.stopsOnValidation else {
      throw EncoreError.invalidSetting("resume", "applies to models that train in epochs (\(ModelFamilies.iterativeModelNames.joined(separator: ", ")))")
    }
    let loaded = try ModelFile.load(path)
    guard let checkpoint = try ModelFile.loadCheckpoint(path) else {
      throw EncoreError.badModelFile(path: path, reason: "it holds no training state; resume from a file written by --save-every")
    }
    guard loaded.name == spec.name else {
      throw EncoreError.invalidArgument("\(path) is a \(loaded.name) checkpoint, not \(spec.name)")
    }
    guard loaded.rated == rated, loaded.users == data.users, loaded.items == data.items else {
      throw EncoreError.invalidArgument("\(path) was trained on other ratings or another split; give the same data options and --seed")
    }
    if let difference = try loaded.spec.firstDifference(from: spec, ignoring: Self.resumableSettings) {
      throw EncoreError.resumeMismatch(setting: difference.setting, checkpoint: difference.mine, requested: difference.theirs)
    }
    if checkpoint.state.epoch >= spec.settings.maxEpochs {
      throw EncoreError.invalidArgument(
        "\(path) has already trained \(checkpoint.state.epoch) epochs; give --epochs above \(checkpoint.state.epoch) to train further")
    }
    return (loaded.model, checkpoint)
  }
}

extension ExperimentRun {
  /// Refuses a model that cannot fit in memory before allocating it: its parameters, their
  /// gradients and the optimiser's two moments and averaged copy are about 6 floats each.
  static func checkMemory(_ settings: any ModelSettings, users: Int, items: Int) throws {
    let bytes = settings.parameterCount(users: users, items: items) * 6 * 4
    let available = Double(ProcessInfo.processInfo.physicalMemory)
    guard bytes < available * 0.9 else {
      func gib(_ b: Double) -> String { String(format: "%.1f GiB", b / 1_073_741_824) }
      throw EncoreError.invalidArgument(
        "\(settings.name) with these settings has \(String(format: "%.3g", bytes / 24)) parameters on \(users) users × \(items) items and needs about \(gib(bytes)) to train; this machine has \(gib(available)). Use fewer hidden units or layers.")
    }
  }
}

/// The checkpoint files a run has written, oldest first, so that only the newest few stay.
final class WrittenCheckpoints: @unchecked Sendable {
  private var paths: [String] = []
  private let lock = NSLock()

  /// Records `path` and returns the files to delete so that `keep` remain (none when keep is 0).
  func add(_ path: String, keeping keep: Int) -> [String] {
    lock.lock()
    defer { lock.unlock() }
    paths.removeAll { $0 == path }
    paths.append(path)
    guard keep > 0, paths.count > keep else { return [] }
    let drop = Array(paths.prefix(paths.count - keep))
    paths.removeFirst(drop.count)
    return drop
  }
}

/// A value built on first use, then kept.
private final class BuiltOnce<Value> {
  private var built: Value?
  private let make: () -> Value
  init(_ make: @escaping () -> Value) { self.make = make }
  var value: Value {
    if let built { return built }
    let made = make()
    built = made
    return made
  }
}
