/// The shape of a deep autoencoder in the style of NVIDIA's DeepRecommender (Kuchaiev &
/// Ginsburg 2017): encoder n → h₁ → … → h_L, a mirrored decoder back to n, the same
/// activation on every layer (the last one optional), dropout on the code, and tied
/// ("constrained") or free decoder weights.
public struct DeepAutoencoderConfiguration: Codable, Sendable, Equatable {
  /// Rows are items (their ratings by users) instead of users (DeepRecommender: users).
  public var itemBased: Bool = false
  /// Hidden layer sizes h₁…h_L; the last is the code.
  public var hiddenLayers: [Int] = [512, 512, 1024]
  /// Activation of the encoder layers.
  public var activation: Activation = .selu
  /// Activation of the decoder layers (nil: the encoder's). Seed 000 uses identity here.
  public var decoderActivation: Activation? = nil
  /// Whether the output layer applies the activation (DeepRecommender: yes unless
  /// --skip_last_layer_nl).
  public var lastLayerActivation: Bool = true
  /// Decoder layers reuse the transposed encoder weights (with their own biases).
  public var constrained: Bool = false
  /// Dropout probability on the code layer while training.
  public var dropout: Float = 0
  /// Dropout probability after every other hidden layer, encoder and decoder (nil: none), as
  /// seed 000's DeepAutoEncoder puts nn.Dropout after each activation but the code's and the output's.
  public var layerDropout: Float? = nil
  /// Dropout probability on re-fed inputs (DeepRecommender's noise_prob).
  public var noise: Float = 0
  /// Dense re-feeding steps per batch (DeepRecommender's aug_step; 0 = off).
  public var refeed: Int = 0
  /// Target of a re-feeding step: the first pass's output f(x) (DeepRecommender's code) or
  /// the original ratings x (seed 004).
  public var refeedTarget: RefeedTarget = .output

  public init() {}

  public var decoderActivationResolved: Activation { decoderActivation ?? activation }
}

/// Settings for training a deep autoencoder.
public struct DeepTrainingOptions: Codable, Sendable, Equatable {
  /// Adam, momentum SGD (0.9, with DeepRecommender's step schedule: ×0.5 at epochs 24, 36, 48,
  /// 66 and 72), Adagrad or RMSprop.
  public var optimizer: OptimizerKind = .adam
  public var learningRate: Float = 1e-3
  /// L2 weight decay added to every gradient, as PyTorch's weight_decay (unless `lambda` is set).
  public var weightDecay: Float = 0
  /// L2 weight in ratings' units, as AutoRec's λ: when set, the weight decay is λ divided by
  /// the mean number of ratings in a batch (`effectiveWeightDecay`), so that the penalty keeps
  /// its strength against the data term whatever the data's size. A fixed weight decay
  /// penalises ten times the ratings ten times less, relative to the loss's mean; this does not.
  public var lambda: Float? = nil
  /// Clip the global gradient norm to this (0: no clipping).
  public var clipNorm: Float = 0
  public var batchSize: Int = 128
  public var epochs: Int = 100
  /// Early-stopping patience on validation RMSE (0: never stop early).
  public var patience: Int = 20
  public var seed: UInt64 = 42
  /// Decay of a moving average of the parameters used for validation and the saved model (0: off).
  public var averaging: Float = 0
  /// Multiply the learning rate by this factor when validation RMSE stalls for
  /// `plateauPatience` epochs (1: off).
  public var plateauFactor: Float = 1
  public var plateauPatience: Int = 10
  /// The epoch whose parameters are kept (nil: the best validation epoch's).
  public var keep: KeptEpoch? = nil
  /// The reconstruction loss (nil: DeepRecommender's masked MSE).
  public var loss: ReconstructionLoss? = nil
  /// Shrink predictions toward the bias baseline by the weight the validation part fits
  /// (nil: the preset's choice; see `BaselineShrink`). Training itself does not read it.
  public var shrink: Bool? = nil

  public init() {}

  /// The weight decay training applies on `ratings` training ratings in `rows` input rows:
  /// λ over the mean ratings per batch when `lambda` is set, else `weightDecay`.
  public func effectiveWeightDecay(ratings: Int, rows: Int) -> Float {
    guard let lambda, ratings > 0 else { return weightDecay }
    let batches = max(1, (rows + batchSize - 1) / batchSize)
    return Float(Double(lambda) * Double(batches) / Double(ratings))
  }
}

/// Named recipes: the reference models users try to reproduce, and the small-data default.
public struct DeepAutoencoderPreset: Sendable {
  public var name: String
  public var summary: String
  public var configuration: DeepAutoencoderConfiguration
  public var options: DeepTrainingOptions

  public static let all: [DeepAutoencoderPreset] = [small, nvidiaNetflix, seed003, seed004, seed000]

  public static func named(_ name: String) -> DeepAutoencoderPreset? { all.first { $0.name == name } }

  /// The default, chosen on validation RMSE only: items as rows, one sigmoid layer of 800
  /// units, identity output, free decoder, full-batch Adam 0.01 (chosen on u1.base with 5%
  /// held out; README, "Results") and L2 λ = 60 in ratings' units, chosen on the validation
  /// parts of four data shapes: ML-100K, a 1M-rating set, a sparse one and KMRD-small (README,
  /// "Defaults that carry over"). It replaced a fixed weight decay of 0.0016, which u1.base
  /// had chosen and which held the 1M-rating set to 1.13 RMSE against 0.83. Deeper stacks
  /// over-fit ML-100K: n,512,256 (elu, code dropout 0.5) reached validation 0.899, n,500,500
  /// sigmoid 0.928, and DeepRecommender's recipe about 1.05.
  public static let small: DeepAutoencoderPreset = {
    var c = DeepAutoencoderConfiguration()
    c.itemBased = true
    c.hiddenLayers = [800]
    c.activation = .sigmoid
    c.lastLayerActivation = false
    c.constrained = false
    c.dropout = 0
    var o = DeepTrainingOptions()
    o.optimizer = .adam
    o.learningRate = 0.01
    o.lambda = 60
    o.batchSize = 2000
    o.epochs = 1000
    o.patience = 50
    return DeepAutoencoderPreset(name: "small", summary: "items as rows, n,800 sigmoid, identity output, full-batch Adam 0.01, L2 λ 60 (weight decay λ / ratings per batch) (default)", configuration: c, options: o)
  }()

  /// NVIDIA DeepRecommender's Netflix recipe (README): n,512,512,1024, selu, dropout 0.8,
  /// momentum SGD lr 0.005, batch 128, re-feeding once, 12 epochs, free decoder.
  public static let nvidiaNetflix: DeepAutoencoderPreset = {
    var c = DeepAutoencoderConfiguration()
    c.hiddenLayers = [512, 512, 1024]
    c.dropout = 0.8
    c.refeed = 1
    var o = DeepTrainingOptions()
    o.optimizer = .momentum
    o.learningRate = 0.005
    o.batchSize = 128
    o.epochs = 12
    o.patience = 0
    return DeepAutoencoderPreset(name: "nvidia-netflix", summary: "n,512,512,1024 selu, dropout 0.8, momentum 0.005, batch 128, re-feed 1", configuration: c, options: o)
  }()

  /// Seed 003: 512,512,1024, selu, constrained, dropout 0.65, Adam 1e-4, no last-layer
  /// activation, 15 epochs, users as rows, batch 32: the notebook sets batch_size 64, but its
  /// data provider hard-codes `self._batch_size = 32`, so 32 is what it trained with.
  public static let seed003: DeepAutoencoderPreset = {
    var c = DeepAutoencoderConfiguration()
    c.hiddenLayers = [512, 512, 1024]
    c.constrained = true
    c.dropout = 0.65
    c.lastLayerActivation = false
    var o = DeepTrainingOptions()
    o.learningRate = 1e-4
    o.batchSize = 32
    o.epochs = 15
    o.patience = 0
    return DeepAutoencoderPreset(name: "seed-003", summary: "n,512,512,1024 selu, tied, dropout 0.65, Adam 1e-4, no last activation", configuration: c, options: o)
  }()

  /// Seed 004: 512,512,1024, relu, constrained, Adam 1e-3, batch 128, re-feeding with the
  /// original ratings as the target, no last-layer activation, 40 epochs.
  public static let seed004: DeepAutoencoderPreset = {
    var c = DeepAutoencoderConfiguration()
    c.hiddenLayers = [512, 512, 1024]
    c.activation = .relu
    c.constrained = true
    c.lastLayerActivation = false
    c.refeed = 1
    c.refeedTarget = .input
    var o = DeepTrainingOptions()
    o.learningRate = 1e-3
    o.batchSize = 128
    o.epochs = 40
    o.patience = 0
    return DeepAutoencoderPreset(name: "seed-004", summary: "n,512,512,1024 relu, tied, Adam 1e-3, re-feed 1 (target: the ratings)", configuration: c, options: o)
  }()

  /// Seed 000: 30,40,50 with sigmoid encoder and identity decoder, Adam 1e-3, batch 64,
  /// items as rows.
  public static let seed000: DeepAutoencoderPreset = {
    var c = DeepAutoencoderConfiguration()
    c.itemBased = true
    c.hiddenLayers = [30, 40, 50]
    c.activation = .sigmoid
    c.decoderActivation = .identity
    var o = DeepTrainingOptions()
    o.learningRate = 1e-3
    o.batchSize = 64
    o.epochs = 100
    return DeepAutoencoderPreset(name: "seed-000", summary: "n,30,40,50 sigmoid encoder, identity decoder, Adam 1e-3, items as rows", configuration: c, options: o)
  }()
}
