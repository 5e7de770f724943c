import Foundation

/// The AutoRec family's settings: the network's shape (I- or U-AutoRec by its orientation)
/// and how it trains.
public struct AutoRecSettings: ModelSettings, Equatable {
  public var configuration: AutoRecConfiguration
  public var training: TrainingOptions

  public init(configuration: AutoRecConfiguration = AutoRecConfiguration(), training: TrainingOptions = TrainingOptions()) {
    self.configuration = configuration
    self.training = training
  }

  public static let family = "autorec"
  public static let modelNames = ["i-autorec", "u-autorec"]

  public static func defaults(named name: String) -> AutoRecSettings? {
    guard let orientation = AutoRecConfiguration.Orientation(rawValue: name) else { return nil }
    return AutoRecSettings(configuration: AutoRecConfiguration(orientation: orientation))
  }

  public static let acceptedSettings: Set<ModelSetting> = [
    .hidden, .encoderActivation, .decoderActivation, .lambda, .optimizer, .learningRate, .epochs, .batchSize, .patience,
    .inputDropout, .hiddenDropout, .centerInputs, .averaging, .decayBiases, .outputBiasAtMean, .plateauFactor,
    .plateauPatience, .refit, .keep, .loss, .decayDecoder, .shrink,
  ]

  public static func legacySettings(kind: String, description: Data) -> AutoRecSettings? {
    struct Legacy: Decodable { var configuration: AutoRecConfiguration? }
    guard modelNames.contains(kind), let c = (try? JSONDecoder().decode(Legacy.self, from: description))?.configuration else { return nil }
    return AutoRecSettings(configuration: c)
  }

  public var name: String { configuration.orientation.rawValue }
  public var seed: UInt64 {
    get { training.seed }
    set { training.seed = newValue }
  }
  public var stopsOnValidation: Bool { true }
  public var maxEpochs: Int { training.epochs }
  public var storesItemRows: Bool { configuration.orientation == .itemBased }
  /// On unless `--no-shrink`; a refitted network has trained on the validation part, which
  /// therefore cannot size the shrink.
  public var shrinksTowardBaseline: Bool { (training.shrink ?? true) && !training.refit }
  /// bf16 weight rows need no special CPU: whatever was asked for.
  public func trainingPrecision(on compute: ComputeContext) -> ComputeContext.Precision { compute.precision }

  public var summary: SettingsSummary {
    var s = SettingsSummary()
    s.hiddenUnits = configuration.hiddenUnits
    s.lambda = Double(configuration.lambda)
    s.optimizer = training.optimizer.rawValue
    s.learningRate = Double(training.effectiveLearningRate)
    s.batchSize = training.batchSize
    return s
  }

  public func applying(_ o: ModelOverrides) throws -> AutoRecSettings {
    var s = self
    if let v = o.hidden { s.configuration.hiddenUnits = v }
    if let v = o.encoderActivation { s.configuration.encoderActivation = v }
    if let v = o.decoderActivation { s.configuration.decoderActivation = v }
    if let v = o.lambda { s.configuration.lambda = v }
    if let v = o.optimizer { s.training.optimizer = v }
    if let v = o.learningRate { s.training.learningRate = v }
    if let v = o.epochs { s.training.epochs = v }
    if let v = o.batchSize { s.training.batchSize = v }
    if let v = o.patience { s.training.patience = v }
    if let v = o.keep { s.training.keep = v }
    if let v = o.inputDropout { s.training.dropout.input = v }
    if let v = o.hiddenDropout { s.training.dropout.hidden = v }
    if let v = o.centerInputs { s.training.centerInputs = v }
    if let v = o.averaging { s.training.averaging = v }
    if let v = o.decayBiases { s.training.decayBiases = v }
    if let v = o.decayDecoder { s.training.decayDecoder = v }
    if let v = o.loss { s.training.loss = v }
    if let v = o.outputBiasAtMean { s.training.outputBiasAtMean = v }
    if let v = o.plateauFactor { s.training.plateauFactor = v }
    if let v = o.plateauPatience { s.training.plateauPatience = v }
    if let v = o.refit { s.training.refit = v }
    if let v = o.shrink { s.training.shrink = v }
    return s
  }

  /// V and W (n × k each) and both biases, n being the input width.
  public func parameterCount(users: Int, items: Int) -> Double {
    let n = Double(configuration.orientation == .itemBased ? users : items), k = Double(configuration.hiddenUnits)
    return 2 * n * k + n + k
  }

  public func validate() throws {
    try SettingCheck.atLeast(configuration.hiddenUnits, 1, .hidden)
    try SettingCheck.nonNegative(configuration.lambda, .lambda)
    guard [.adam, .momentum, .plainSGD, .rprop].contains(training.optimizer) else {
      throw EncoreError.invalidSetting("optimizer", "for \(name) must be adam, sgd (momentum), plain-sgd or rprop")
    }
    if let lr = training.learningRate { try SettingCheck.positive(lr, .learningRate) }
    if let loss = training.loss, loss != .masked && loss != .allCells {
      throw EncoreError.invalidSetting("loss", "for \(name) must be masked (the paper's sum) or all-cells; rmse and unmasked are deep-ae's")
    }
    try SettingCheck.atLeast(training.batchSize, 1, .batchSize)
    try SettingCheck.loop(
      epochs: training.epochs, patience: training.patience, averaging: training.averaging,
      plateauFactor: training.plateauFactor, plateauPatience: training.plateauPatience)
    guard (0..<1).contains(training.dropout.input) else { throw EncoreError.invalidSetting("input-dropout", "must be in [0, 1)") }
    guard (0..<1).contains(training.dropout.hidden) else { throw EncoreError.invalidSetting("hidden-dropout", "must be in [0, 1)") }
  }

  public var outputActivation: (activation: Activation, setting: String)? {
    (configuration.decoderActivation, "--decoder-activation \(configuration.decoderActivation.rawValue)")
  }

  public var trainsDataParallel: Bool { true }

  public func train(_ job: TrainingJob) throws -> TrainingOutcome {
    let trainer = AutoRecTrainer(options: training, compute: job.compute, replicas: job.replicas)
    let network = (job.resume?.model as? AutoRecModel)?.network
      ?? trainer.makeNetwork(configuration: configuration, train: job.train, userCount: job.userCount, itemCount: job.itemCount)
    let live = AutoRecModel(network: network, settings: self)
    let result = try trainer.train(
      model: network, validation: job.validation, baseline: job.baseline, scale: job.scale, resume: job.resume?.checkpoint,
      checkpoints: job.checkpoints?(live), monitor: job.monitor, progress: job.progress)
    var outcome = TrainingOutcome(model: live, history: result.history, bestEpoch: result.bestEpoch, epochsRun: result.epochsRun)
    if training.refit && !job.validation.isEmpty {
      // Train a fresh network on training plus validation ratings for the chosen epoch count.
      var all = job.train
      all.users += job.validation.users
      all.items += job.validation.items
      all.values += job.validation.values
      if all.hasTimestamps && job.validation.hasTimestamps { all.timestamps += job.validation.timestamps } else { all.timestamps = [] }
      var refitOptions = training
      refitOptions.epochs = result.bestEpoch
      refitOptions.patience = 0
      let refit = try AutoRecTrainer(options: refitOptions, compute: job.compute, replicas: job.replicas).train(
        configuration: configuration, train: all, validation: RatingSet(), userCount: job.userCount, itemCount: job.itemCount,
        baseline: job.baseline, scale: job.scale, progress: job.progress)
      outcome.model = AutoRecModel(network: refit.model, settings: self)
      outcome.epochsRun += refit.epochsRun
    }
    return outcome
  }

  public func loadModel(_ stored: StoredModel) throws -> any RatingModel {
    let d = stored.ratings.columnCount, k = configuration.hiddenUnits
    let encoderT = try stored.tensor("encoder.weight")
    guard encoderT.shape == [k, d] else { throw stored.bad("encoder.weight has shape \(encoderT.shape), expected [\(k), \(d)]") }
    let e = encoderT.floats
    var v = [Float](repeating: 0, count: d * k)
    for h in 0..<k { for j in 0..<d { v[j * k + h] = e[h * d + j] } }
    do {
      let network = try AutoRec(
        configuration: configuration, input: stored.ratings, encoderWeight: v, encoderBias: try stored.tensor("encoder.bias").floats,
        decoderWeight: try stored.tensor("decoder.weight").floats, decoderBias: try stored.tensor("decoder.bias").floats)
      return AutoRecModel(network: network, settings: self)
    } catch let error as EncoreError {
      if case .badModelFile = error { throw error }
      throw stored.bad(error.description)
    }
  }
}
