import ArgumentParser
import Encore

/// Where the ratings come from and how they are split; shared by train, evaluate and demo.
struct DataOptions: ParsableArguments {
  @Option(help: "A rating file or a MovieLens/Netflix folder; split by --split.")
  var data: String?

  @Option(help: "An explicit training file (use with --test), e.g. ml-100k/u1.base.")
  var train: String?

  @Option(help: "An explicit test file (use with --train), e.g. ml-100k/u1.test.")
  var test: String?

  @Option(help: "How to split --data: holdout, kfold or temporal.")
  var split: String = "holdout"

  @Option(help: "Fraction of ratings held out for testing (holdout split).")
  var testFraction: Double = 0.1

  @Option(help: "Number of folds (kfold split).")
  var folds: Int = 5

  @Option(help: "Which fold (1-based) is the test part (kfold split).")
  var fold: Int = 1

  @Option(help: "Train on ratings before this quantile of timestamps (temporal split).")
  var temporalQuantile: Double = 0.9

  @Option(help: "Fraction of the training ratings held out as validation for early stopping (0 disables).")
  var validationFraction: Double = DataPlan.defaultValidationFraction

  @Option(help: "Field delimiter for your own files (e.g. ',' ';' '::' 'tab' 'space'); guessed when omitted.")
  var delimiter: String?

  @Option(help: "Whether your file has a header line: yes, no or auto.")
  var header: String = "auto"

  @Option(help: "0-based columns of user,item,rating[,timestamp] in your file, e.g. 0,1,2,3.")
  var columns: String?

  @Option(help: "What to do when a file rates the same user and item twice: error, keep-last or mean.")
  var duplicates: String = "error"

  func loader() throws -> RatingDataLoader {
    let policy = try DuplicatePolicy.parse(duplicates)
    var format: DelimitedFormat? = nil
    if delimiter != nil || columns != nil || header != "auto" {
      var delim = delimiter ?? ","
      if delim == "tab" || delim == "\\t" { delim = "\t" }
      if delim == "space" { delim = " " }
      var f = DelimitedFormat(delimiter: delim, timestampColumn: nil)
      switch header {
      case "yes", "true": f.hasHeader = true
      case "no", "false": f.hasHeader = false
      case "auto": f.hasHeader = nil
      default: throw EncoreError.invalidArgument("--header must be yes, no or auto")
      }
      if let columns {
        let parts = columns.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard parts.count == 3 || parts.count == 4, parts.allSatisfy({ $0 != nil && $0! >= 0 }) else {
          throw EncoreError.invalidArgument("--columns takes user,item,rating[,timestamp] as 0-based numbers, e.g. 0,1,2,3")
        }
        f.userColumn = parts[0]!
        f.itemColumn = parts[1]!
        f.ratingColumn = parts[2]!
        f.timestampColumn = parts.count == 4 ? parts[3]! : nil
      } else {
        f.timestampColumn = 3
      }
      format = f
    }
    return RatingDataLoader(format: format, duplicates: policy)
  }

  func plan(seed: UInt64, defaultSource: DataPlan.Source? = nil) throws -> DataPlan {
    let source: DataPlan.Source
    if let train, let test {
      guard data == nil else { throw EncoreError.invalidArgument("give either --data or --train/--test, not both") }
      source = .trainTest(train: train, test: test)
    } else if train != nil || test != nil {
      throw EncoreError.invalidArgument("--train and --test go together")
    } else if let data {
      source = .path(data)
    } else if let defaultSource {
      source = defaultSource
    } else {
      throw EncoreError.invalidArgument("say where the ratings are: --data PATH, or --train FILE --test FILE")
    }
    var plan = DataPlan(source: source)
    plan.loader = try loader()
    plan.seed = seed
    plan.validationFraction = validationFraction
    guard validationFraction >= 0 && validationFraction < 1 else {
      throw EncoreError.invalidArgument("--validation-fraction must be in [0, 1)")
    }
    switch split {
    case "holdout": plan.split = .holdout(testFraction: testFraction)
    case "kfold": plan.split = .kFold(folds: folds, fold: fold - 1)
    case "temporal": plan.split = .temporal(quantile: temporalQuantile)
    default: throw EncoreError.invalidArgument("--split must be holdout, kfold or temporal")
    }
    return plan
  }
}

/// Model and training settings; shared by train and demo.
struct ModelOptions: ParsableArguments {
  @Option(help: "The model: i-autorec, u-autorec, baseline (ALS), baseline-sgd, global-mean, svd, svdpp or truncated-svd.")
  var model: String = "i-autorec"

  @Option(help: "Hidden units.")
  var hidden: Int = 500

  @Option(help: "Hidden (encoder) activation g: identity, sigmoid, relu, relu6, lrelu, selu, elu, tanh, swish.")
  var encoderActivation: String = "sigmoid"

  @Option(help: "Output (decoder) activation f.")
  var decoderActivation: String = "identity"

  @Option(help: "L2 weight λ in Σ(r − h(r))² + λ/2(‖W‖² + ‖V‖²).")
  var lambda: Float = AutoRecConfiguration.defaultLambda

  @Option(help: "Optimiser: adam, sgd (momentum 0.9) or rprop (full batch) for AutoRec; adam, momentum, adagrad or rmsprop for deep-ae.")
  var optimizer: String?

  @Option(help: "Learning rate (initial step for rprop); default per optimiser.")
  var learningRate: Float?

  @Option(help: "Maximum epochs (default: 1000 for autoencoders with early stopping, 20 for svd/svdpp/baseline-sgd as in surprise).")
  var epochs: Int?

  @Option(help: "Latent factors for svd (default 100), svdpp (20) and truncated-svd (components, 3).")
  var factors: Int?

  @Option(help: "Regularisation of svd, svdpp and baseline-sgd (surprise's reg_all, default 0.02).")
  var reg: Float?

  @Option(help: "Input rows per mini-batch (default: 4096 for AutoRec, the preset's for deep-ae).")
  var batchSize: Int?

  @Option(help: "Early-stopping patience in epochs (0: never stop early; default 50 for AutoRec, the preset's for deep-ae).")
  var patience: Int?

  @Option(help: "deep-ae recipe: \(DeepAutoencoderPreset.all.map(\.name).joined(separator: ", ")) (default: small). Options below override it.")
  var preset: String?

  @Option(help: "deep-ae hidden layer sizes, e.g. 512,512,1024 (the last is the code).")
  var layers: String?

  @Option(help: "deep-ae activation of every layer: \(Activation.allCases.map(\.rawValue).joined(separator: ", ")).")
  var activation: String?

  @Option(help: "deep-ae decoder activation, when it differs from --activation.")
  var decoderLayerActivation: String?

  @Flag(inversion: .prefixedNo, help: "deep-ae: tie decoder weights to the encoder's (constrained).")
  var constrained: Bool? = nil

  @Flag(inversion: .prefixedNo, help: "deep-ae: apply the activation on the output layer too.")
  var lastActivation: Bool? = nil

  @Option(help: "deep-ae dropout probability on the code layer.")
  var dropout: Float?

  @Option(help: "deep-ae dropout probability on re-fed inputs (noise_prob).")
  var noise: Float?

  @Option(help: "deep-ae dense re-feeding steps per batch (aug_step).")
  var refeed: Int?

  @Option(help: "deep-ae re-feeding target: output (f(x), DeepRecommender) or input (the ratings, seed 004).")
  var refeedTarget: String?

  @Flag(help: "deep-ae: items as rows (default: users as rows).")
  var itemBased = false

  @Option(help: "deep-ae L2 weight decay (PyTorch's weight_decay).")
  var weightDecay: Float?

  @Option(help: "deep-ae: clip the global gradient norm to this (0: off).")
  var clipNorm: Float?

  @Option(help: "Random seed (splits, initial weights, shuffling).")
  var seed: UInt64 = 42

  @Option(help: "Fraction of each input vector's ratings hidden from the encoder while training (all stay targets).")
  var inputDropout: Float = TrainingOptions().dropout.input

  @Option(help: "Fraction of hidden units dropped while training.")
  var hiddenDropout: Float = TrainingOptions().dropout.hidden

  @Flag(inversion: .prefixedNo, help: "Centre the encoder's inputs on the mean training rating, so a missing rating reads as average (default: on for u-autorec, off for i-autorec).")
  var centerInputs: Bool? = nil

  @Option(help: "Decay of a moving average of the weights used for validation and the saved model (0: off).")
  var averaging: Float = TrainingOptions().averaging

  @Flag(inversion: .prefixedNo, help: "AutoRec: apply λ to the biases too (default on).")
  var decayBiases = true

  @Flag(help: "AutoRec: start the output biases at the mean training rating (default: 0).")
  var outputBiasAtMean = false

  @Option(help: "AutoRec: multiply the learning rate by this factor whenever validation RMSE stalls for --plateau-patience epochs (1: constant).")
  var plateauFactor: Float = TrainingOptions().plateauFactor

  @Option(help: "AutoRec: epochs without a better validation RMSE before each learning-rate cut.")
  var plateauPatience: Int = TrainingOptions().plateauPatience

  @Flag(help: "After validation picks the epoch count, retrain on training + validation ratings for that many epochs.")
  var refit = false

  func kind() throws -> ModelKind {
    guard let kind = ModelKind(rawValue: model) else {
      throw EncoreError.invalidArgument("--model must be one of: \(ModelKind.allCases.map(\.rawValue).joined(separator: ", "))")
    }
    return kind
  }

  func run() throws -> ExperimentRun {
    guard let g = Activation(rawValue: encoderActivation), let f = Activation(rawValue: decoderActivation) else {
      throw EncoreError.invalidArgument("activations must be one of: \(Activation.allCases.map(\.rawValue).joined(separator: ", "))")
    }
    let kind = try kind()
    let opt: OptimizerKind
    if kind == .deepAE {
      opt = .adam
    } else if let name = optimizer {
      guard let parsed = OptimizerKind(rawValue: name) else { throw EncoreError.invalidArgument("--optimizer must be adam, sgd or rprop") }
      opt = parsed
    } else {
      opt = .adam
    }
    guard hidden >= 1 else { throw EncoreError.invalidArgument("--hidden must be at least 1") }
    guard lambda >= 0 && lambda.isFinite else { throw EncoreError.invalidArgument("--lambda must be a non-negative number") }
    if let learningRate, !(learningRate > 0 && learningRate.isFinite) {
      throw EncoreError.invalidArgument("--learning-rate must be a positive number")
    }
    let config = AutoRecConfiguration(hiddenUnits: hidden, encoderActivation: g, decoderActivation: f, lambda: lambda)
    var options = TrainingOptions()
    options.optimizer = opt
    options.learningRate = learningRate
    options.epochs = epochs ?? options.epochs
    options.batchSize = batchSize ?? options.batchSize
    options.patience = patience ?? options.patience
    options.seed = seed
    options.refit = refit
    options.centerInputs = centerInputs
    options.decayBiases = decayBiases
    options.outputBiasAtMean = outputBiasAtMean
    guard (0..<1).contains(averaging) else { throw EncoreError.invalidArgument("--averaging must be in [0, 1)") }
    options.averaging = averaging
    guard plateauFactor > 0 && plateauFactor <= 1 else { throw EncoreError.invalidArgument("--plateau-factor must be in (0, 1]") }
    guard plateauPatience >= 1 else { throw EncoreError.invalidArgument("--plateau-patience must be at least 1") }
    options.plateauFactor = plateauFactor
    options.plateauPatience = plateauPatience
    guard (0..<1).contains(inputDropout), (0..<1).contains(hiddenDropout) else {
      throw EncoreError.invalidArgument("--input-dropout and --hidden-dropout must be in [0, 1)")
    }
    options.dropout = .init(input: inputDropout, hidden: hiddenDropout)
    var factorOptions: FactorTrainingOptions? = nil
    if let factorKind = kind.factorKind {
      var fo = FactorTrainingOptions.defaults(for: factorKind)
      if let epochs { fo.epochs = epochs }
      if let factors {
        guard factors >= 1 else { throw EncoreError.invalidArgument("--factors must be at least 1") }
        fo.factors = factors
      }
      if let learningRate { fo.learningRate = learningRate }
      if let reg { fo.regularization = reg }
      factorOptions = fo
    }
    var run = ExperimentRun(kind: kind, configuration: config, options: options, factorOptions: factorOptions)
    if kind == .deepAE { (run.deepConfiguration, run.deepOptions) = try deepSettings() }
    return run
  }

  /// The deep autoencoder's settings: the preset, overridden by any option given.
  func deepSettings() throws -> (DeepAutoencoderConfiguration, DeepTrainingOptions) {
    guard let chosen = DeepAutoencoderPreset.named(preset ?? "small") else {
      throw EncoreError.invalidArgument("--preset must be one of: \(DeepAutoencoderPreset.all.map(\.name).joined(separator: ", "))")
    }
    var c = chosen.configuration, o = chosen.options
    if let layers {
      let sizes = layers.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
      guard !sizes.isEmpty, sizes.allSatisfy({ ($0 ?? 0) > 0 }) else {
        throw EncoreError.invalidArgument("--layers takes positive sizes separated by commas, e.g. 512,512,1024")
      }
      c.hiddenLayers = sizes.map { $0! }
    }
    func activationNamed(_ name: String) throws -> Activation {
      guard let a = Activation(rawValue: name) else {
        throw EncoreError.invalidArgument("activations must be one of: \(Activation.allCases.map(\.rawValue).joined(separator: ", "))")
      }
      return a
    }
    if let activation { c.activation = try activationNamed(activation) }
    if let decoderLayerActivation { c.decoderActivation = try activationNamed(decoderLayerActivation) }
    if let constrained { c.constrained = constrained }
    if let lastActivation { c.lastLayerActivation = lastActivation }
    if let dropout { c.dropout = dropout }
    if let noise { c.noise = noise }
    if let refeed { c.refeed = refeed }
    if let refeedTarget {
      guard let t = DeepAutoencoderConfiguration.RefeedTarget(rawValue: refeedTarget) else {
        throw EncoreError.invalidArgument("--refeed-target must be output or input")
      }
      c.refeedTarget = t
    }
    if itemBased { c.itemBased = true }
    if let optimizer {
      guard let parsed = DeepTrainingOptions.Optimizer(rawValue: optimizer == "sgd" ? "momentum" : optimizer) else {
        throw EncoreError.invalidArgument("--optimizer for deep-ae must be adam, momentum, adagrad or rmsprop")
      }
      o.optimizer = parsed
    }
    if let learningRate { o.learningRate = learningRate }
    if let weightDecay { o.weightDecay = weightDecay }
    if let clipNorm { o.clipNorm = clipNorm }
    if let batchSize { o.batchSize = batchSize }
    if let epochs { o.epochs = epochs }
    if let patience { o.patience = patience }
    o.seed = seed
    guard (0..<1).contains(c.dropout), (0..<1).contains(c.noise), c.refeed >= 0, o.weightDecay >= 0, o.clipNorm >= 0 else {
      throw EncoreError.invalidArgument("--dropout and --noise must be in [0, 1); --refeed, --weight-decay and --clip-norm must not be negative")
    }
    return (c, o)
  }
}

extension DuplicatePolicy {
  /// The policy named by a `--duplicates` value, or a clear error listing the choices.
  static func parse(_ text: String) throws -> DuplicatePolicy {
    guard let policy = DuplicatePolicy(rawValue: text) else {
      throw EncoreError.invalidArgument("--duplicates must be one of: \(allCases.map(\.rawValue).joined(separator: ", "))")
    }
    return policy
  }
}
