/// The optimisers Encore trains with. Each family accepts some of them (see its settings).
public enum OptimizerKind: String, Codable, CaseIterable, Sendable {
  /// Adam (Kingma & Ba), mini-batch.
  case adam
  /// SGD with momentum 0.9, mini-batch ("sgd" on the command line means this too).
  case momentum
  /// Plain mini-batch SGD, no momentum, constant learning rate (Keras' and PyTorch's SGD
  /// defaults; seed 001).
  case plainSGD = "plain-sgd"
  /// iRprop− on the full-batch gradient, one step per epoch, as in the AutoRec paper.
  case rprop
  case adagrad
  case rmsprop

  /// The optimiser named `text` ("sgd" is momentum).
  public init?(named text: String) {
    self.init(rawValue: text == "sgd" ? "momentum" : text)
  }
}

/// Target of a deep autoencoder's dense re-feeding step: the first pass's output f(x)
/// (DeepRecommender's code) or the original ratings x (seed 004).
public enum RefeedTarget: String, Codable, Sendable, CaseIterable {
  case output, input
}

/// Which parameters a network keeps when training ends: those of the epoch with the best
/// validation RMSE (early stopping's choice), or those of the last epoch run, as the seeds'
/// notebooks do when they train on every rating with no validation part.
public enum KeptEpoch: String, Codable, Sendable, CaseIterable {
  case best, last
}

/// Every setting a user can give a model, by the name the command line uses (`--NAME`).
public enum ModelSetting: String, CaseIterable, Sendable, Comparable {
  case hidden, encoderActivation = "encoder-activation", decoderActivation = "decoder-activation", lambda
  case optimizer, learningRate = "learning-rate", epochs, factors, reg, batchSize = "batch-size", patience
  case preset, layers, activation, decoderLayerActivation = "decoder-layer-activation", constrained
  case lastActivation = "last-activation", dropout, noise, refeed, refeedTarget = "refeed-target"
  case itemBased = "item-based", weightDecay = "weight-decay", clipNorm = "clip-norm"
  case inputDropout = "input-dropout", hiddenDropout = "hidden-dropout", centerInputs = "center-inputs"
  case averaging, decayBiases = "decay-biases", outputBiasAtMean = "output-bias-at-mean"
  case plateauFactor = "plateau-factor", plateauPatience = "plateau-patience", refit, keep, loss
  case decayDecoder = "decay-decoder", layerDropout = "layer-dropout"
  case neighbours, minNeighbours = "min-neighbours", similarity, shrinkage, minSupport = "min-support"
  case ensemble, members, shrink, stackFolds = "stack-folds", supportWeighted = "support-weighted"
  case alpha, unobservedWeight = "unobserved-weight", inversePrecision = "inverse-precision"

  public static func < (a: ModelSetting, b: ModelSetting) -> Bool {
    allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
  }
}

/// Settings a user gave on top of a model's defaults (nil: not given). Each family applies
/// those it accepts; `ModelFamilies.spec(named:overrides:)` rejects the others by name.
public struct ModelOverrides: Sendable {
  public var hidden: Int?
  public var encoderActivation: Activation?
  public var decoderActivation: Activation?
  public var lambda: Float?
  public var optimizer: OptimizerKind?
  public var learningRate: Float?
  public var epochs: Int?
  public var factors: Int?
  public var reg: Float?
  public var batchSize: Int?
  public var patience: Int?
  public var preset: String?
  public var layers: [Int]?
  public var activation: Activation?
  public var decoderLayerActivation: Activation?
  public var constrained: Bool?
  public var lastActivation: Bool?
  public var dropout: Float?
  public var noise: Float?
  public var refeed: Int?
  public var refeedTarget: RefeedTarget?
  public var itemBased: Bool?
  public var weightDecay: Float?
  public var clipNorm: Float?
  public var inputDropout: Float?
  public var hiddenDropout: Float?
  public var centerInputs: Bool?
  public var averaging: Float?
  public var decayBiases: Bool?
  public var outputBiasAtMean: Bool?
  public var plateauFactor: Float?
  public var plateauPatience: Int?
  public var refit: Bool?
  public var keep: KeptEpoch?
  public var loss: ReconstructionLoss?
  public var decayDecoder: Bool?
  public var layerDropout: Float?
  public var neighbours: Int?
  public var minNeighbours: Int?
  public var similarity: SimilarityMeasure?
  public var shrinkage: Float?
  public var minSupport: Int?
  /// Networks of one model trained from consecutive seeds and averaged (`--ensemble N`).
  public var ensemble: Int?
  /// The members of an `ensemble` or `blend` model (`--members`, parsed by the caller).
  public var members: [ModelSpec]?
  /// Whether a network's predictions shrink toward the bias baseline by the weight the
  /// validation part fits (`--shrink`, `--no-shrink`; nil: the family's default).
  public var shrink: Bool?
  /// A blend's weights from K-fold out-of-fold predictions over every rating (`--stack-folds K`).
  public var stackFolds: Int?
  /// A blend's weights varying with the user's and item's supports (`--support-weighted`).
  public var supportWeighted: Bool?
  /// iALS: the weight of an observed interaction (implicit's `alpha`).
  public var alpha: Float?
  /// iALS: the weight of every unobserved pair (α₀; 1 in Hu et al., small in Rendle et al.).
  public var unobservedWeight: Float?
  /// ease: the precision of the item × item inverse (`--inverse-precision single|double`).
  public var inversePrecision: InversePrecision?

  public init() {}

  /// The settings that were given, in declaration order.
  public var given: [ModelSetting] {
    let present: [(ModelSetting, Bool)] = [
      (.hidden, hidden != nil), (.encoderActivation, encoderActivation != nil), (.decoderActivation, decoderActivation != nil),
      (.lambda, lambda != nil), (.optimizer, optimizer != nil), (.learningRate, learningRate != nil), (.epochs, epochs != nil),
      (.factors, factors != nil), (.reg, reg != nil), (.batchSize, batchSize != nil), (.patience, patience != nil),
      (.preset, preset != nil), (.layers, layers != nil), (.activation, activation != nil),
      (.decoderLayerActivation, decoderLayerActivation != nil), (.constrained, constrained != nil),
      (.lastActivation, lastActivation != nil), (.dropout, dropout != nil), (.noise, noise != nil), (.refeed, refeed != nil),
      (.refeedTarget, refeedTarget != nil), (.itemBased, itemBased != nil), (.weightDecay, weightDecay != nil),
      (.clipNorm, clipNorm != nil), (.inputDropout, inputDropout != nil), (.hiddenDropout, hiddenDropout != nil),
      (.centerInputs, centerInputs != nil), (.averaging, averaging != nil), (.decayBiases, decayBiases != nil),
      (.outputBiasAtMean, outputBiasAtMean != nil), (.plateauFactor, plateauFactor != nil),
      (.plateauPatience, plateauPatience != nil), (.refit, refit != nil), (.keep, keep != nil), (.loss, loss != nil), (.decayDecoder, decayDecoder != nil), (.layerDropout, layerDropout != nil),
      (.neighbours, neighbours != nil), (.minNeighbours, minNeighbours != nil), (.similarity, similarity != nil),
      (.shrinkage, shrinkage != nil), (.minSupport, minSupport != nil), (.ensemble, ensemble != nil),
      (.members, members != nil), (.shrink, shrink != nil), (.stackFolds, stackFolds != nil),
      (.supportWeighted, supportWeighted != nil), (.alpha, alpha != nil), (.unobservedWeight, unobservedWeight != nil),
      (.inversePrecision, inversePrecision != nil),
    ]
    return present.filter(\.1).map(\.0)
  }
}

/// Checks shared by the families' `validate()`: each throws `invalidSetting` naming the setting.
enum SettingCheck {
  static func atLeast(_ value: Int, _ minimum: Int, _ setting: ModelSetting) throws {
    guard value >= minimum else { throw EncoreError.invalidSetting(setting.rawValue, "must be at least \(minimum)") }
  }
  static func positive(_ value: Float, _ setting: ModelSetting) throws {
    guard value > 0 && value.isFinite else { throw EncoreError.invalidSetting(setting.rawValue, "must be a positive number") }
  }
  static func nonNegative(_ value: Float, _ setting: ModelSetting) throws {
    guard value >= 0 && value.isFinite else { throw EncoreError.invalidSetting(setting.rawValue, "must be a non-negative number") }
  }
  /// The shared training loop's settings (epochs, patience, averaging, plateau cuts).
  static func loop(epochs: Int, patience: Int, averaging: Float, plateauFactor: Float, plateauPatience: Int) throws {
    try atLeast(epochs, 1, .epochs)
    try atLeast(patience, 0, .patience)
    guard (0..<1).contains(averaging) else { throw EncoreError.invalidSetting("averaging", "must be in [0, 1)") }
    guard plateauFactor > 0 && plateauFactor <= 1 else { throw EncoreError.invalidSetting("plateau-factor", "must be in (0, 1]") }
    try atLeast(plateauPatience, 1, .plateauPatience)
  }
  static func fraction(_ value: Float, _ setting: ModelSetting) throws {
    guard (0..<1).contains(value) else { throw EncoreError.invalidSetting(setting.rawValue, "must be in [0, 1)") }
  }
}
