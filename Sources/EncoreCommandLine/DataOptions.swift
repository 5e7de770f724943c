import ArgumentParser
import Encore

/// Where the ratings come from and how they are split; shared by train, evaluate and demo.
struct DataOptions: ParsableArguments {
  @Option(help: "A rating file or a MovieLens/Netflix folder; split by --split.")
  var data: String?

  @Option(help: "More ratings read after --data or --train, e.g. the store 'encore serve' writes; a rating of a user and item already rated replaces it. Repeatable.")
  var addRatings: [String] = []

  @Option(help: "An explicit training file (use with --test), e.g. ml-100k/u1.base.")
  var train: String?

  @Option(help: "An explicit test file (use with --train), e.g. ml-100k/u1.test.")
  var test: String?

  @Option(help: "How to split --data: holdout, kfold, temporal, or users (hold whole users out for fold-in, the rest by holdout).")
  var split: SplitMethod = .holdout

  @Option(parsing: .unconditional, help: "With --split users: fraction of users held out of training.")
  var heldOutUsers: Double = 0.1

  @Option(parsing: .unconditional, help: "With --split users: fraction of each held-out user's ratings folded in (the rest is scored).")
  var foldInFraction: Double = 0.8

  @Flag(help: "With --split users: put the fold-in ratings into training instead (the retrain that fold-in is compared with).")
  var trainOnFoldIn = false

  @Option(parsing: .unconditional, help: "Fraction of ratings held out for testing (holdout split).")
  var testFraction: Double = 0.1

  @Option(parsing: .unconditional, help: "Number of folds (kfold split).")
  var folds: Int = 5

  @Option(parsing: .unconditional, help: "Which fold (1-based) is the test part (kfold split).")
  var fold: Int = 1

  @Option(parsing: .unconditional, help: "Train on ratings before this quantile of timestamps (temporal split).")
  var temporalQuantile: Double = 0.9

  @Option(parsing: .unconditional, help: "Fraction of the training ratings held out as validation for early stopping (0 disables).")
  var validationFraction: Double = DataPlan.defaultValidationFraction

  @OptionGroup var format: FileFormatOptions
  @OptionGroup var filters: DataFilterOptions

  @Option(help: "What to do when a file rates the same user and item twice: error, keep-last or mean.")
  var duplicates: DuplicatePolicy = .error

  /// The split methods `--split` names.
  enum SplitMethod: String, ExpressibleByArgument, CaseIterable {
    case holdout, kfold, temporal, users
  }

  /// Every file or folder these options read, for the output checks.
  var inputPaths: [String] { [data, train, test].compactMap { $0 } + addRatings }

  func loader(compute: ComputeContext) throws -> RatingDataLoader {
    var loader = RatingDataLoader(duplicates: duplicates, compute: compute)
    loader.addedFiles = addRatings
    try format.apply(to: &loader)
    try filters.apply(to: &loader)
    return loader
  }

  func plan(seed: UInt64, compute: ComputeContext, defaultSource: DataPlan.Source? = nil) throws -> DataPlan {
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
    plan.loader = try loader(compute: compute)
    plan.seed = seed
    plan.validationFraction = validationFraction
    guard validationFraction >= 0 && validationFraction < 1 else {
      throw EncoreError.invalidArgument("--validation-fraction must be in [0, 1)")
    }
    switch split {
    case .holdout: plan.split = .holdout(testFraction: testFraction)
    case .users:
      plan.split = .holdout(testFraction: testFraction)
      plan.userHoldout = UserHoldout(fraction: heldOutUsers, foldInFraction: foldInFraction, trainOnFoldIn: trainOnFoldIn)
    case .kfold: plan.split = .kFold(folds: folds, fold: fold - 1)
    case .temporal: plan.split = .temporal(quantile: temporalQuantile)
    }
    return plan
  }
}

/// Model and training settings; shared by train and bench. Every setting is optional: the
/// model's defaults (`ModelFamilies`) apply unless it is given, and a setting the model does
/// not use is an error naming both.
struct ModelOptions: ParsableArguments {
  @Option(help: "The model: \(ModelFamilies.modelNames.joined(separator: ", ")) (explicit ratings); \(ModelFamilies.implicitModelNames.joined(separator: ", ")) (implicit feedback).")
  var model: String = "i-autorec"

  @Option(parsing: .unconditional, help: "AutoRec: hidden units (default 500).")
  var hidden: Int?

  @Option(help: "AutoRec: hidden (encoder) activation g: \(Activation.allCases.map(\.rawValue).joined(separator: ", ")) (default sigmoid).")
  var encoderActivation: Activation?

  @Option(help: "AutoRec: output (decoder) activation f (default identity).")
  var decoderActivation: Activation?

  @Option(help: "ease: λ in (XᵀX + λI)⁻¹ (default: chosen on validation users). L2 weight λ in ratings' units. AutoRec: λ in Σ(r − h(r))² + λ/2(‖W‖² + ‖V‖²) (default \(AutoRecConfiguration.defaultLambda)). deep-ae: the weight decay becomes λ / (mean ratings per batch), the same strength on any data size (small preset: 60).")
  var lambda: Float?

  @Option(help: "Optimiser: adam, sgd (momentum 0.9), plain-sgd (no momentum) or rprop (full batch) for AutoRec; adam, momentum (sgd), plain-sgd, adagrad or rmsprop for deep-ae.")
  var optimizer: OptimizerKind?

  @Option(parsing: .unconditional, help: "Learning rate (initial step for rprop); default per model and optimiser.")
  var learningRate: Float?

  @Option(parsing: .unconditional, help: "Maximum epochs (default: 1000 for AutoRec with early stopping, the preset's for deep-ae, 20 for svd/svdpp/baseline-sgd as in surprise).")
  var epochs: Int?

  @Option(parsing: .unconditional, help: "Latent factors for svd (default 100), svdpp (20), truncated-svd (components, 3) and ials (100).")
  var factors: Int?

  @Option(parsing: .unconditional, help: "Regularisation of svd, svdpp and baseline-sgd (surprise's reg_all, default 0.02), and of ials (implicit's regularization, default 0.01).")
  var reg: Float?

  @Option(parsing: .unconditional, help: "ials: the weight of an observed interaction (implicit's alpha; default 1).")
  var alpha: Float?

  @Option(parsing: .unconditional, help: "ials: the weight of every unobserved user-item pair (α₀: 1 in Hu et al. and implicit, about 0.1 in Rendle et al.'s recipe; default 1).")
  var unobservedWeight: Float?

  @Option(help: "ease: invert the item × item matrix in single precision (the blocked sweep on the GEMM kernels, pivot blocks in double) or double (exact, slower); default: double up to \(EASESettings.doublePrecisionItems) items, single above.")
  var inversePrecision: InversePrecision?

  @Option(parsing: .unconditional, help: "Input rows per mini-batch (default: 4096 for AutoRec, the preset's for deep-ae).")
  var batchSize: Int?

  @Option(parsing: .unconditional, help: "Early-stopping patience in epochs (0: never stop early; default 50 for AutoRec, the preset's for deep-ae).")
  var patience: Int?

  @Option(help: "deep-ae recipe: \(DeepAutoencoderPreset.all.map(\.name).joined(separator: ", ")) (default: small). Options below override it.")
  var preset: String?

  @Option(help: "deep-ae hidden layer sizes, e.g. 512,512,1024 (the last is the code).")
  var layers: String?

  @Option(help: "deep-ae activation of every layer: \(Activation.allCases.map(\.rawValue).joined(separator: ", ")).")
  var activation: Activation?

  @Option(help: "deep-ae decoder activation, when it differs from --activation.")
  var decoderLayerActivation: Activation?

  @Flag(inversion: .prefixedNo, help: "deep-ae: tie decoder weights to the encoder's (constrained).")
  var constrained: Bool? = nil

  @Flag(inversion: .prefixedNo, help: "deep-ae: apply the activation on the output layer too.")
  var lastActivation: Bool? = nil

  @Option(parsing: .unconditional, help: "deep-ae dropout probability on the code layer.")
  var dropout: Float?

  @Option(parsing: .unconditional, help: "deep-ae dropout probability after every other hidden layer (seed 000's nn.Dropout between layers).")
  var layerDropout: Float?

  @Option(parsing: .unconditional, help: "deep-ae dropout probability on re-fed inputs (noise_prob).")
  var noise: Float?

  @Option(parsing: .unconditional, help: "deep-ae dense re-feeding steps per batch (aug_step).")
  var refeed: Int?

  @Option(help: "deep-ae re-feeding target: output (f(x), DeepRecommender) or input (the ratings, seed 004).")
  var refeedTarget: RefeedTarget?

  @Flag(inversion: .prefixedNo, help: "deep-ae: items as rows (the small preset's default) or users as rows (--no-item-based); knn-*: item-based neighbours (default: user-based, as surprise).")
  var itemBased: Bool? = nil

  @Option(parsing: .unconditional, help: "deep-ae L2 weight decay (PyTorch's weight_decay), fixed whatever the data's size; replaces the preset's --lambda.")
  var weightDecay: Float?

  @Option(parsing: .unconditional, help: "deep-ae: clip the global gradient norm to this (0: off).")
  var clipNorm: Float?

  @Option(help: "Random seed (splits, initial weights, shuffling).")
  var seed: UInt64 = 42

  @Option(parsing: .unconditional, help: "AutoRec: fraction of each input vector's ratings hidden from the encoder while training (all stay targets).")
  var inputDropout: Float?

  @Option(parsing: .unconditional, help: "AutoRec: fraction of hidden units dropped while training.")
  var hiddenDropout: Float?

  @Flag(inversion: .prefixedNo, help: "AutoRec: centre the encoder's inputs on the mean training rating, so a missing rating reads as average (default: on for u-autorec, off for i-autorec).")
  var centerInputs: Bool? = nil

  @Option(parsing: .unconditional, help: "Networks: decay of a moving average of the weights used for validation and the saved model (0: off).")
  var averaging: Float?

  @Flag(inversion: .prefixedNo, help: "AutoRec: apply λ to the biases too (default on).")
  var decayBiases: Bool? = nil

  @Flag(inversion: .prefixedNo, help: "AutoRec: apply λ to the decoder weights W (default on); off leaves L2 on the encoder only, as seed 001's Keras model.")
  var decayDecoder: Bool? = nil

  @Flag(inversion: .prefixedNo, help: "AutoRec: start the output biases at the mean training rating (default: 0).")
  var outputBiasAtMean: Bool? = nil

  @Option(parsing: .unconditional, help: "Networks: multiply the learning rate by this factor whenever validation RMSE stalls for --plateau-patience epochs (1: constant).")
  var plateauFactor: Float?

  @Option(parsing: .unconditional, help: "Networks: epochs without a better validation RMSE before each learning-rate cut.")
  var plateauPatience: Int?

  @Option(parsing: .unconditional, help: "knn-*: at most this many neighbours (surprise's k, default 40).")
  var neighbours: Int?

  @Option(parsing: .unconditional, help: "knn-*: fewer neighbours than this give no neighbourhood term (surprise's min_k, default 1).")
  var minNeighbours: Int?

  @Option(help: "knn-*: msd (default), cosine, pearson or pearson-baseline (surprise's sim_options name).")
  var similarity: SimilarityMeasure?

  @Option(parsing: .unconditional, help: "knn-* with pearson-baseline: shrinkage (default 100).")
  var shrinkage: Float?

  @Option(parsing: .unconditional, help: "knn-*: fewer shared ratings than this give similarity 0 (surprise's min_support, default 1).")
  var minSupport: Int?

  @Flag(help: "AutoRec: after validation picks the epoch count, retrain on training + validation ratings for that many epochs. blend: after the validation part fits the weights, train every member again on training + validation ratings.")
  var refit = false

  @Flag(inversion: .prefixedNo, help: "Networks: when the validation part shows the bias baseline predicts some of the network's error, shrink predictions toward the baseline, baseline + w·(network − baseline) with w in [0, 1] fitted on the validation part, so the model never does worse there than the baseline it falls back on (default: on, except for deep-ae's seed and nvidia presets, which reproduce their recipes).")
  var shrink: Bool? = nil

  @Option(help: "Loss: masked (default: DeepRecommender's mean for deep-ae, the paper's sum for AutoRec), all-cells (the mean over every cell: size_average=True, seed 003; Keras' reduce_mean, seed 001), and for deep-ae rmse (seed 000) or unmasked (every cell, missing as 0; seed 002).")
  var loss: ReconstructionLoss?

  @Option(help: "Networks: keep the parameters of the best validation epoch (best) or of the last epoch run (last; with --validation-fraction 0 --patience 0, every epoch on every rating, as the seeds' notebooks train).")
  var keep: KeptEpoch?

  @Option(parsing: .unconditional, help: "Train N copies of the model from seeds SEED, SEED+1, ... side by side on the threads and average them, in one model file (models trained from a seed: networks, svd, svdpp).")
  var ensemble: Int?

  @Option(name: .customLong("stack-folds"), parsing: .unconditional, help: "blend: fit the weights on K-fold out-of-fold predictions of every training rating (stacking) instead of the validation part alone, then train the members on every rating (K + 1 trainings of the members).")
  var stackFolds: Int?

  @Flag(help: "blend: let the intercept and each member's weight vary with the user's and the item's numbers of training ratings (feature-weighted linear stacking); best with --stack-folds, which gives it every rating to fit on.")
  var supportWeighted = false

  @Option(help: "ensemble and blend: the members, as encore compare's --models takes them (\"i-autorec,deep-ae:preset=seed-003,svdpp,knn-baseline:item-based\"). A blend weights them by ridge regression on the validation part; an ensemble averages them.")
  var members: String?

  /// The settings given on the command line.
  func overrides() throws -> ModelOverrides {
    var o = ModelOverrides()
    o.hidden = hidden
    o.encoderActivation = encoderActivation
    o.decoderActivation = decoderActivation
    o.lambda = lambda
    o.optimizer = optimizer
    o.learningRate = learningRate
    o.epochs = epochs
    o.factors = factors
    o.reg = reg
    o.alpha = alpha
    o.unobservedWeight = unobservedWeight
    o.inversePrecision = inversePrecision
    o.batchSize = batchSize
    o.patience = patience
    o.preset = preset
    if let layers {
      let sizes = layers.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
      guard !sizes.isEmpty, sizes.allSatisfy({ ($0 ?? 0) > 0 }) else {
        throw EncoreError.invalidSetting("layers", "takes positive sizes separated by commas, e.g. 512,512,1024")
      }
      o.layers = sizes.map { $0! }
    }
    o.activation = activation
    o.decoderLayerActivation = decoderLayerActivation
    o.constrained = constrained
    o.lastActivation = lastActivation
    o.dropout = dropout
    o.noise = noise
    o.layerDropout = layerDropout
    o.refeed = refeed
    o.refeedTarget = refeedTarget
    o.itemBased = itemBased
    o.weightDecay = weightDecay
    o.clipNorm = clipNorm
    o.inputDropout = inputDropout
    o.hiddenDropout = hiddenDropout
    o.centerInputs = centerInputs
    o.averaging = averaging
    o.decayBiases = decayBiases
    o.decayDecoder = decayDecoder
    o.outputBiasAtMean = outputBiasAtMean
    o.plateauFactor = plateauFactor
    o.plateauPatience = plateauPatience
    o.refit = refit ? true : nil
    o.neighbours = neighbours
    o.minNeighbours = minNeighbours
    o.similarity = similarity
    o.shrinkage = shrinkage
    o.minSupport = minSupport
    o.keep = keep
    o.loss = loss
    o.ensemble = ensemble
    o.shrink = shrink
    o.stackFolds = stackFolds
    o.supportWeighted = supportWeighted ? true : nil
    if let members { o.members = try ComparedModel.list(members, option: "members").map(\.spec) }
    return o
  }

  /// The model's specification: its defaults with the given settings, checked.
  func spec() throws -> ModelSpec {
    try ModelFamilies.spec(named: model, overrides: overrides(), seed: seed)
  }
}

extension Activation: ExpressibleByArgument {}
extension RefeedTarget: ExpressibleByArgument {}
extension KeptEpoch: ExpressibleByArgument {}
extension ReconstructionLoss: ExpressibleByArgument {}
extension SimilarityMeasure: ExpressibleByArgument {}
extension OptimizerKind: ExpressibleByArgument {
  public init?(argument: String) { self.init(named: argument) }
}
extension DuplicatePolicy: ExpressibleByArgument {}
extension InversePrecision: ExpressibleByArgument {}
