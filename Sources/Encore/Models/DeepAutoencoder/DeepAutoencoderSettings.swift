import Foundation

/// The deep-autoencoder family's settings: the preset it started from, the network's shape
/// and how it trains.
public struct DeepAutoencoderSettings: ModelSettings, Equatable {
  /// The preset the settings started from (overrides may have changed any field since).
  public var preset: String
  public var configuration: DeepAutoencoderConfiguration
  public var training: DeepTrainingOptions

  public init(preset: DeepAutoencoderPreset = .small) {
    self.preset = preset.name
    configuration = preset.configuration
    training = preset.options
  }

  public static let family = "deep-autoencoder"
  public static let modelNames = ["deep-ae"]

  public static func defaults(named name: String) -> DeepAutoencoderSettings? {
    name == "deep-ae" ? DeepAutoencoderSettings() : nil
  }

  public static let acceptedSettings: Set<ModelSetting> = [
    .preset, .layers, .activation, .decoderLayerActivation, .constrained, .lastActivation, .dropout, .noise, .refeed,
    .refeedTarget, .itemBased, .optimizer, .learningRate, .weightDecay, .lambda, .clipNorm, .batchSize, .epochs, .patience,
    .averaging, .plateauFactor, .plateauPatience, .keep, .loss, .layerDropout, .shrink,
  ]

  public static func legacySettings(kind: String, description: Data) -> DeepAutoencoderSettings? {
    struct Legacy: Decodable { var deepConfiguration: DeepAutoencoderConfiguration? }
    guard kind == "deep-ae", let c = (try? JSONDecoder().decode(Legacy.self, from: description))?.deepConfiguration else { return nil }
    var s = DeepAutoencoderSettings()
    s.configuration = c
    return s
  }

  public var name: String { "deep-ae" }
  public var seed: UInt64 {
    get { training.seed }
    set { training.seed = newValue }
  }
  public var stopsOnValidation: Bool { true }
  public var maxEpochs: Int { training.epochs }
  public var storesItemRows: Bool { configuration.itemBased }
  /// On for the default preset unless `--no-shrink`; the seed and NVIDIA presets reproduce
  /// their recipes as published, so they shrink only when asked to.
  public var shrinksTowardBaseline: Bool { training.shrink ?? (preset == DeepAutoencoderPreset.small.name) }
  /// bf16 dense products need AVX512_BF16; elsewhere they run in fp32.
  public func trainingPrecision(on compute: ComputeContext) -> ComputeContext.Precision {
    compute.usesBF16 ? .bf16 : .fp32
  }

  public var summary: SettingsSummary {
    var s = SettingsSummary()
    s.optimizer = training.optimizer.rawValue
    s.learningRate = Double(training.learningRate)
    s.batchSize = training.batchSize
    s.lambda = training.lambda.map(Double.init)
    return s
  }

  public func applying(_ o: ModelOverrides) throws -> DeepAutoencoderSettings {
    var s = self
    if let name = o.preset {
      guard let chosen = DeepAutoencoderPreset.named(name) else {
        throw EncoreError.invalidSetting("preset", "must be one of: \(DeepAutoencoderPreset.all.map(\.name).joined(separator: ", "))")
      }
      let seed = s.seed
      s = DeepAutoencoderSettings(preset: chosen)
      s.seed = seed
    }
    if let v = o.layers { s.configuration.hiddenLayers = v }
    if let v = o.activation { s.configuration.activation = v }
    if let v = o.decoderLayerActivation { s.configuration.decoderActivation = v }
    if let v = o.constrained { s.configuration.constrained = v }
    if let v = o.lastActivation { s.configuration.lastLayerActivation = v }
    if let v = o.dropout { s.configuration.dropout = v }
    if let v = o.noise { s.configuration.noise = v }
    if let v = o.refeed { s.configuration.refeed = v }
    if let v = o.refeedTarget { s.configuration.refeedTarget = v }
    if let v = o.itemBased { s.configuration.itemBased = v }
    if let v = o.optimizer { s.training.optimizer = v }
    if let v = o.learningRate { s.training.learningRate = v }
    if o.weightDecay != nil && o.lambda != nil {
      throw EncoreError.invalidSetting("lambda", "and --weight-decay both set deep-ae's L2 penalty; give one (λ is divided by the ratings per batch, the weight decay is not)")
    }
    if let v = o.weightDecay {
      s.training.weightDecay = v
      s.training.lambda = nil  // an absolute weight decay replaces the preset's λ
    }
    if let v = o.lambda { s.training.lambda = v }
    if let v = o.clipNorm { s.training.clipNorm = v }
    if let v = o.batchSize { s.training.batchSize = v }
    if let v = o.epochs { s.training.epochs = v }
    if let v = o.patience { s.training.patience = v }
    if let v = o.averaging { s.training.averaging = v }
    if let v = o.plateauFactor { s.training.plateauFactor = v }
    if let v = o.plateauPatience { s.training.plateauPatience = v }
    if let v = o.keep { s.training.keep = v }
    if let v = o.loss { s.training.loss = v }
    if let v = o.layerDropout { s.configuration.layerDropout = v }
    if let v = o.shrink { s.training.shrink = v }
    return s
  }

  /// Encoder weights and biases, plus the decoder's unless tied.
  public func parameterCount(users: Int, items: Int) -> Double {
    let sizes = [Double(configuration.itemBased ? users : items)] + configuration.hiddenLayers.map(Double.init)
    var encoder = 0.0, decoder = 0.0
    for (a, b) in zip(sizes, sizes.dropFirst()) {
      encoder += a * b + b
      decoder += (configuration.constrained ? 0 : a * b) + a
    }
    return encoder + decoder
  }

  public func validate() throws {
    let c = configuration, t = training
    guard !c.hiddenLayers.isEmpty, c.hiddenLayers.allSatisfy({ $0 >= 1 }) else {
      throw EncoreError.invalidSetting("layers", "takes positive sizes separated by commas, e.g. 512,512,1024")
    }
    try SettingCheck.fraction(c.dropout, .dropout)
    try SettingCheck.fraction(c.noise, .noise)
    try SettingCheck.fraction(c.layerDropout ?? 0, .layerDropout)
    try SettingCheck.atLeast(c.refeed, 0, .refeed)
    guard t.optimizer != .rprop else { throw EncoreError.invalidSetting("optimizer", "for deep-ae must be adam, momentum (sgd), plain-sgd, adagrad or rmsprop") }
    try SettingCheck.positive(t.learningRate, .learningRate)
    try SettingCheck.nonNegative(t.weightDecay, .weightDecay)
    try SettingCheck.nonNegative(t.lambda ?? 0, .lambda)
    try SettingCheck.nonNegative(t.clipNorm, .clipNorm)
    try SettingCheck.atLeast(t.batchSize, 1, .batchSize)
    try SettingCheck.loop(
      epochs: t.epochs, patience: t.patience, averaging: t.averaging, plateauFactor: t.plateauFactor,
      plateauPatience: t.plateauPatience)
  }

  public var outputActivation: (activation: Activation, setting: String)? {
    guard configuration.lastLayerActivation else { return nil }
    let f = configuration.decoderActivationResolved
    return (f, "--last-activation with the decoder's \(f.rawValue)")
  }

  public var trainsDataParallel: Bool { true }

  public func train(_ job: TrainingJob) throws -> TrainingOutcome {
    let network = try (job.resume?.model as? DeepAutoencoderModel)?.network ?? DeepAutoencoder(
      configuration: configuration,
      input: SparseMatrix(job.train, userCount: job.userCount, itemCount: job.itemCount, itemsAsRows: configuration.itemBased),
      seed: training.seed)
    let live = DeepAutoencoderModel(network: network, settings: self)
    var options = training
    options.weightDecay = network.effectiveWeightDecay(training)
    let result = try DeepAutoencoderTrainer(options: options, compute: job.compute, replicas: job.replicas).train(
      model: network, validation: job.validation, baseline: job.baseline, scale: job.scale, resume: job.resume?.checkpoint,
      checkpoints: job.checkpoints?(live), monitor: job.monitor, progress: job.progress)
    return TrainingOutcome(model: live, history: result.history, bestEpoch: result.bestEpoch, epochsRun: result.epochsRun)
  }

  public func loadModel(_ stored: StoredModel) throws -> any RatingModel {
    let config = configuration
    let depth = config.hiddenLayers.count
    let cols = stored.ratings.columnCount
    // Build once with placeholder values to learn each parameter's storage shape, then fill.
    let shapes: DeepAutoencoder
    do {
      shapes = try DeepAutoencoder(configuration: config, input: SparseMatrix(rowCount: 0, columnCount: cols, rowStart: [0], columns: [], values: [])) { _, r, c, _, _ in
        StableBuffer(zeros: r * c)
      }
    } catch let error as EncoreError {
      throw stored.bad(error.description)
    }
    var values: [String: [Float]] = [:]
    for p in shapes.parameters {
      let v = try stored.tensor(p.name).floats
      guard v.count == p.count else { throw stored.bad("tensor '\(p.name)' has \(v.count) values, expected \(p.count)") }
      if DeepAutoencoderModel.savedTransposed(p, depth: depth) {
        var back = [Float](repeating: 0, count: p.count)
        for r in 0..<p.rows { for c in 0..<p.columns { back[r * p.columns + c] = v[c * p.rows + r] } }
        values[p.name] = back
      } else {
        values[p.name] = v
      }
    }
    do {
      return DeepAutoencoderModel(network: try DeepAutoencoder(configuration: config, input: stored.ratings, values: values), settings: self)
    } catch let error as EncoreError {
      throw stored.bad(error.description)
    }
  }
}
