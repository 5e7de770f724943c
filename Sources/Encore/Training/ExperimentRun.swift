import Foundation

/// The models `encore train` knows.
public enum ModelKind: String, Codable, CaseIterable, Sendable {
  case iAutoRec = "i-autorec"
  case uAutoRec = "u-autorec"
  /// surprise's BaselineOnly (ALS): μ + b_u + b_i.
  case baseline
  /// surprise's BaselineOnly fitted by SGD.
  case baselineSGD = "baseline-sgd"
  /// The mean training rating for every pair.
  case globalMean = "global-mean"
  /// surprise's SVD: biased matrix factorisation by SGD.
  case svd
  /// surprise's SVD++.
  case svdpp
  /// Truncated SVD of the zero-filled rating matrix (seed 004).
  case truncatedSVD = "truncated-svd"
  /// A deep autoencoder (NVIDIA DeepRecommender family).
  case deepAE = "deep-ae"

  /// The factor-model algorithm behind this kind, if it is one.
  public var factorKind: FactorModel.Kind? {
    switch self {
    case .baselineSGD: return .baselineSGD
    case .globalMean: return .globalMean
    case .svd: return .svd
    case .svdpp: return .svdpp
    case .truncatedSVD: return .truncatedSVD
    case .iAutoRec, .uAutoRec, .baseline, .deepAE: return nil
    }
  }

  /// Whether this kind is an AutoRec network.
  public var isAutoRec: Bool { self == .iAutoRec || self == .uAutoRec }

  /// Whether this kind is a neural network that stops early on validation RMSE.
  public var isNetwork: Bool { isAutoRec || self == .deepAE }
}

/// Where the ratings come from and how they are split.
public struct DataPlan: Sendable {
  public enum Source: Sendable {
    case path(String)
    case trainTest(train: String, test: String)
    case synthetic(SyntheticRatings.Shape)
  }
  public var source: Source
  public var split: SplitStrategy = .holdout(testFraction: 0.1)
  /// Fraction of the training ratings held out for early stopping.
  public var validationFraction: Double = DataPlan.defaultValidationFraction
  public var loader = RatingDataLoader()
  public var seed: UInt64 = 42

  public init(source: Source) { self.source = source }

  /// The networks' default validation part: 2% of the training ratings. Chosen by a nested
  /// protocol that never reads a test file (`scripts/nested-validation.sh`): on held-out tenths
  /// of MovieLens-100K's u1–u5.base, 2% beat 5% for I-AutoRec (0.8917 against 0.8939, three
  /// seeds agreeing), U-AutoRec and the deep autoencoder; 1% stopped too noisily (0.8928).
  public static let defaultValidationFraction = 0.02

  /// Loads and splits the data.
  public func prepare() throws -> (data: RatingData, split: DataSplit) {
    var data: RatingData
    var train: RatingSet, test: RatingSet
    var splitDescription: String
    switch source {
    case .path(let path):
      data = try loader.load(path)
      (train, test) = try Splitter.split(data.ratings, split, seed: seed)
      splitDescription = split.description + " (seed \(seed))"
    case .trainTest(let trainPath, let testPath):
      let loaded = try loader.load(train: trainPath, test: testPath)
      data = loaded.data
      train = loaded.data.ratings
      test = loaded.test
      splitDescription = SplitStrategy.explicit.description
    case .synthetic(let shape):
      data = SyntheticRatings(shape: shape).generate()
      (train, test) = try Splitter.split(data.ratings, split, seed: seed)
      splitDescription = split.description + " (seed \(seed))"
    }
    let (fit, validation) = Splitter.carveValidation(train, fraction: validationFraction, seed: seed)
    if validationFraction > 0 {
      splitDescription += String(format: ", %.0f%% of training ratings for validation", validationFraction * 100)
    }
    data.ratings = RatingSet()  // the parts below hold the ratings now
    return (data, DataSplit(train: fit, validation: validation, test: test, description: splitDescription))
  }
}

/// Everything `encore train` reports, in the keys of its `--json` output.
public struct TrainingReport: Codable, Sendable {
  public var model: String
  public var data: String
  public var split: String
  public var nUsers: Int
  public var nItems: Int
  public var nTrain: Int
  public var nValidation: Int
  public var nTest: Int
  public var nTestUnseen: Int
  public var testRMSE: Double
  public var testMAE: Double
  public var baselineTestRMSE: Double
  public var bestEpoch: Int
  public var epochsRun: Int
  public var bestValidationRMSE: Double?
  public var trainSeconds: Double
  /// Seconds spent fitting the model itself (what surprise's `fit` time measures); the
  /// training time above also fits the fallback baseline and prepares the data.
  public var fitSeconds: Double
  public var secondsPerEpoch: Double
  public var hiddenUnits: Int?
  public var lambda: Double?
  public var optimizer: String?
  public var learningRate: Double?
  public var batchSize: Int?
  public var seed: UInt64
  public var kernels: String
  public var history: [EpochRecord]?

  enum CodingKeys: String, CodingKey {
    case model, data, split, seed, kernels, history, optimizer
    case nUsers = "n_users", nItems = "n_items", nTrain = "n_train", nValidation = "n_validation"
    case nTest = "n_test", nTestUnseen = "n_test_unseen", testRMSE = "test_rmse", testMAE = "test_mae"
    case baselineTestRMSE = "baseline_test_rmse", bestEpoch = "best_epoch", epochsRun = "epochs_run"
    case bestValidationRMSE = "best_validation_rmse", trainSeconds = "train_seconds"
    case secondsPerEpoch = "seconds_per_epoch", fitSeconds = "fit_seconds", hiddenUnits = "hidden_units", lambda
    case learningRate = "learning_rate", batchSize = "batch_size"
  }

  /// Every key is always present (null when it does not apply), so scripts can rely on them.
  public func encode(to encoder: Encoder) throws {
    var c = encoder.container(keyedBy: CodingKeys.self)
    try c.encode(model, forKey: .model)
    try c.encode(data, forKey: .data)
    try c.encode(split, forKey: .split)
    try c.encode(nUsers, forKey: .nUsers)
    try c.encode(nItems, forKey: .nItems)
    try c.encode(nTrain, forKey: .nTrain)
    try c.encode(nValidation, forKey: .nValidation)
    try c.encode(nTest, forKey: .nTest)
    try c.encode(nTestUnseen, forKey: .nTestUnseen)
    try c.encode(testRMSE, forKey: .testRMSE)
    try c.encode(testMAE, forKey: .testMAE)
    try c.encode(baselineTestRMSE, forKey: .baselineTestRMSE)
    try c.encode(bestEpoch, forKey: .bestEpoch)
    try c.encode(epochsRun, forKey: .epochsRun)
    try c.encode(bestValidationRMSE, forKey: .bestValidationRMSE)
    try c.encode(trainSeconds, forKey: .trainSeconds)
    try c.encode(fitSeconds, forKey: .fitSeconds)
    try c.encode(secondsPerEpoch, forKey: .secondsPerEpoch)
    try c.encode(hiddenUnits, forKey: .hiddenUnits)
    try c.encode(lambda, forKey: .lambda)
    try c.encode(optimizer, forKey: .optimizer)
    try c.encode(learningRate, forKey: .learningRate)
    try c.encode(batchSize, forKey: .batchSize)
    try c.encode(seed, forKey: .seed)
    try c.encode(kernels, forKey: .kernels)
    try c.encode(history, forKey: .history)
  }
}

/// A model trained end to end: the predictor plus what it needs to be saved and served.
public struct TrainedModel: @unchecked Sendable {
  public var kind: ModelKind
  public var autoRec: AutoRec?
  public var factors: FactorModel?
  public var deep: DeepAutoencoder?
  public var baseline: BiasBaseline
  public var scale: RatingScale
  public var users: IDMap
  public var items: IDMap
  public var titles: [Int32: String]
  /// Training ratings (users × items), to exclude what a user already rated.
  public var rated: SparseMatrix

  public init(kind: ModelKind, autoRec: AutoRec?, baseline: BiasBaseline, scale: RatingScale, users: IDMap, items: IDMap, titles: [Int32: String], rated: SparseMatrix) {
    self.kind = kind
    self.autoRec = autoRec
    self.factors = nil
    self.deep = nil
    self.baseline = baseline
    self.scale = scale
    self.users = users
    self.items = items
    self.titles = titles
    self.rated = rated
  }

  /// A predictor for this model (encodes all rows once).
  public func predictor() -> RatingPredictor {
    if let autoRec { return RatingPredictor(AutoRecPredictor(model: autoRec, baseline: baseline, scale: scale)) }
    if let deep { return RatingPredictor(DeepAutoencoderPredictor(model: deep, baseline: baseline, scale: scale)) }
    return RatingPredictor(FactorPredictor(baseline: baseline, scale: scale, known: rated, factors: factors))
  }
}

/// Trains one model on a prepared split and measures it on the test part.
public struct ExperimentRun: Sendable {
  public var kind: ModelKind
  public var configuration: AutoRecConfiguration
  public var options: TrainingOptions
  /// Settings for the factor models; nil takes surprise's defaults for the kind.
  public var factorOptions: FactorTrainingOptions?
  /// The deep autoencoder's shape and training (default: the "small" preset).
  public var deepConfiguration = DeepAutoencoderPreset.small.configuration
  public var deepOptions = DeepAutoencoderPreset.small.options

  public init(kind: ModelKind, configuration: AutoRecConfiguration, options: TrainingOptions, factorOptions: FactorTrainingOptions? = nil) {
    self.kind = kind
    self.configuration = configuration
    self.options = options
    self.factorOptions = factorOptions
  }

  /// Where checkpoints go: every `every` epochs to `path(epoch)`.
  public struct CheckpointFiles {
    public var every: Int
    public var path: (Int) -> String
    public init(every: Int, path: @escaping (Int) -> String) {
      self.every = every
      self.path = path
    }
  }

  public func run(
    data: RatingData, split: DataSplit, keepHistory: Bool = true, checkpointFiles: CheckpointFiles? = nil,
    resumeFrom: String? = nil, monitor: TrainingMonitor? = nil, progress: (EpochRecord) -> Void = { _ in }
  ) throws -> (model: TrainedModel, report: TrainingReport) {
    let userCount = data.users.count, itemCount = data.items.count
    guard !split.train.isEmpty else { throw EncoreError.invalidArgument("the training part has no ratings") }
    let scale = RatingScale(of: split.train.values)
    let start = Platform.now()
    let baseline = BiasBaseline(fitting: split.train, userCount: userCount, itemCount: itemCount)
    let baselineSeconds = Platform.now() - start
    let rated = SparseMatrix(split.train, userCount: userCount, itemCount: itemCount, itemsAsRows: false)
    var model = TrainedModel(
      kind: kind, autoRec: nil, baseline: baseline, scale: scale, users: data.users, items: data.items,
      titles: data.titles, rated: rated)
    var history: [EpochRecord] = []
    var bestEpoch = 1, epochsRun = 1
    var config = configuration
    // Resuming: the checkpoint's network and state, checked against this run's data.
    var resumed: (TrainedModel, TrainingCheckpoint)? = nil
    if let resumeFrom {
      guard kind.isNetwork else { throw EncoreError.invalidArgument("--resume applies to i-autorec, u-autorec and deep-ae") }
      let loaded = try ModelFile.load(resumeFrom)
      guard let checkpoint = try ModelFile.loadCheckpoint(resumeFrom) else {
        throw EncoreError.badModelFile(path: resumeFrom, reason: "it holds no training state; resume from a file written by --save-every")
      }
      guard loaded.kind == kind else {
        throw EncoreError.invalidArgument("\(resumeFrom) is a \(loaded.kind.rawValue) checkpoint, not \(kind.rawValue)")
      }
      let expectedRated = SparseMatrix(split.train, userCount: userCount, itemCount: itemCount, itemsAsRows: false)
      guard loaded.rated == expectedRated, loaded.users == data.users, loaded.items == data.items else {
        throw EncoreError.invalidArgument("\(resumeFrom) was trained on other ratings or another split; give the same data options and --seed")
      }
      resumed = (loaded, checkpoint)
    }
    func policy(_ network: @escaping () -> TrainedModel) -> CheckpointPolicy? {
      checkpointFiles.map { files in
        CheckpointPolicy(every: files.every) { checkpoint, epoch in
          try ModelFile.save(network(), to: files.path(epoch), checkpoint: checkpoint)
        }
      }
    }
    let fitStart = Platform.now()
    if let factorKind = kind.factorKind {
      var fo = factorOptions ?? FactorTrainingOptions.defaults(for: factorKind)
      fo.seed = options.seed
      model.factors = try FactorModel.train(factorKind, on: split.train, userCount: userCount, itemCount: itemCount, options: fo)
    } else if kind == .deepAE {
      var deepOptions = self.deepOptions
      deepOptions.seed = options.seed
      let trainer = DeepAutoencoderTrainer(options: deepOptions)
      let network = try resumed?.0.deep ?? DeepAutoencoder(
        configuration: deepConfiguration,
        input: SparseMatrix(split.train, userCount: userCount, itemCount: itemCount, itemsAsRows: deepConfiguration.itemBased),
        seed: deepOptions.seed)
      var snapshot = model
      snapshot.deep = network
      let result = try trainer.train(
        model: network, validation: split.validation, baseline: baseline, scale: scale, resume: resumed?.1,
        checkpoints: policy { snapshot }, monitor: monitor, progress: progress)
      model.deep = result.model
      history = result.history
      bestEpoch = result.bestEpoch
      epochsRun = result.epochsRun
    } else if kind.isAutoRec {
      config.orientation = kind == .iAutoRec ? .itemBased : .userBased
      let network = resumed?.0.autoRec
        ?? AutoRecTrainer(options: options).makeNetwork(configuration: config, train: split.train, userCount: userCount, itemCount: itemCount)
      var snapshot = model
      snapshot.autoRec = network
      let result = try AutoRecTrainer(options: options).train(
        model: network, validation: split.validation, baseline: baseline, scale: scale, resume: resumed?.1,
        checkpoints: policy { snapshot }, monitor: monitor, progress: progress)
      model.autoRec = result.model
      history = result.history
      bestEpoch = result.bestEpoch
      epochsRun = result.epochsRun
      if options.refit && !split.validation.isEmpty {
        var all = split.train
        all.users += split.validation.users
        all.items += split.validation.items
        all.values += split.validation.values
        if all.hasTimestamps && split.validation.hasTimestamps { all.timestamps += split.validation.timestamps } else { all.timestamps = [] }
        var refitOptions = options
        refitOptions.epochs = result.bestEpoch
        refitOptions.patience = 0
        let refit = try AutoRecTrainer(options: refitOptions).train(
          configuration: config, train: all, validation: RatingSet(), userCount: userCount, itemCount: itemCount,
          baseline: baseline, scale: scale, progress: progress)
        model.autoRec = refit.model
        epochsRun += refit.epochsRun
      }
    }
    let fitSeconds = kind == .baseline ? baselineSeconds : Platform.now() - fitStart
    let trainSeconds = Platform.now() - start
    let predictor = model.predictor()
    let (predicted, unseen) = predictor.predict(split.test)
    let baselinePredicted = (0..<split.test.count).map {
      scale.clip(baseline.predict(user: split.test.users[$0], item: split.test.items[$0]))
    }
    let isNetwork = kind.isNetwork
    let isAutoRec = kind.isAutoRec
    let report = TrainingReport(
      model: kind.rawValue, data: data.sourceDescription, split: split.description, nUsers: userCount,
      nItems: itemCount, nTrain: split.train.count, nValidation: split.validation.count, nTest: split.test.count,
      nTestUnseen: unseen, testRMSE: Metrics.rmse(predicted: predicted, actual: split.test.values),
      testMAE: Metrics.mae(predicted: predicted, actual: split.test.values),
      baselineTestRMSE: Metrics.rmse(predicted: baselinePredicted, actual: split.test.values), bestEpoch: bestEpoch,
      epochsRun: epochsRun, bestValidationRMSE: history.compactMap(\.validationRMSE).min(),
      trainSeconds: trainSeconds, fitSeconds: fitSeconds, secondsPerEpoch: isNetwork ? history.map(\.seconds).reduce(0, +) / Double(max(1, history.count)) : trainSeconds,
      hiddenUnits: isAutoRec ? config.hiddenUnits : nil, lambda: isAutoRec ? Double(config.lambda) : nil,
      optimizer: isAutoRec ? options.optimizer.rawValue : (kind == .deepAE ? deepOptions.optimizer.rawValue : nil),
      learningRate: isAutoRec ? Double(options.effectiveLearningRate) : (kind == .deepAE ? Double(deepOptions.learningRate) : nil),
      batchSize: isAutoRec ? options.batchSize : (kind == .deepAE ? deepOptions.batchSize : nil), seed: options.seed, kernels: SparseKernels.instructionSet,
      history: keepHistory && isNetwork ? history : nil)
    return (model, report)
  }
}
