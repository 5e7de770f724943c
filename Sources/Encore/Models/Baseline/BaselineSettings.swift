import Foundation

/// surprise's BaselineOnly (ALS) as a model of its own: μ + b_u + b_i with surprise's
/// regularisation (λ_u = 15, λ_i = 10) and its 10 ALS epochs unless `epochs` says otherwise
/// (seed 003 runs `bsl_options = {'method': 'als', 'n_epochs': 15}`).
public struct BaselineSettings: ModelSettings, Equatable {
  public var seed: UInt64 = 42
  /// Alternating passes over the user and item biases (surprise's n_epochs).
  public var epochs = 10

  public init() {}

  enum CodingKeys: String, CodingKey { case seed, epochs }

  /// Model files written before `epochs` existed ran 10.
  public init(from decoder: Decoder) throws {
    let c = try decoder.container(keyedBy: CodingKeys.self)
    seed = try c.decode(UInt64.self, forKey: .seed)
    epochs = try c.decodeIfPresent(Int.self, forKey: .epochs) ?? 10
  }

  public static let family = "baseline"
  public static let modelNames = ["baseline"]
  public static func defaults(named name: String) -> BaselineSettings? { name == "baseline" ? BaselineSettings() : nil }
  public static let acceptedSettings: Set<ModelSetting> = [.epochs]
  public static func legacySettings(kind: String, description: Data) -> BaselineSettings? {
    kind == "baseline" ? BaselineSettings() : nil
  }

  public var name: String { "baseline" }
  public var stopsOnValidation: Bool { false }
  public var maxEpochs: Int { 1 }
  public var storesItemRows: Bool { false }
  public var summary: SettingsSummary { SettingsSummary() }

  public func applying(_ overrides: ModelOverrides) throws -> BaselineSettings {
    var s = self
    if let v = overrides.epochs { s.epochs = v }
    return s
  }

  public func validate() throws { try SettingCheck.atLeast(epochs, 1, .epochs) }

  public func train(_ job: TrainingJob) throws -> TrainingOutcome {
    TrainingOutcome(model: BaselineModel(
      baseline: BiasBaseline(fitting: job.train, userCount: job.userCount, itemCount: job.itemCount, epochs: epochs), settings: self))
  }

  public func loadModel(_ stored: StoredModel) throws -> any RatingModel {
    if let own = stored.tensors["bias_model.global_mean"] {
      // Its own biases (files since ensembles: a member's, or biases from other --epochs than
      // the file's fallback baseline).
      guard own.floats.count == 1 else { throw stored.bad("tensor 'bias_model.global_mean' must hold one value") }
      let baseline = BiasBaseline(
        globalMean: own.floats[0], userBias: try stored.floats("bias_model.user_bias", count: stored.userCount),
        itemBias: try stored.floats("bias_model.item_bias", count: stored.itemCount))
      guard baseline.globalMean.isFinite, baseline.userBias.allSatisfy(\.isFinite), baseline.itemBias.allSatisfy(\.isFinite) else {
        throw stored.bad("the bias model holds a value that is not a finite number")
      }
      return BaselineModel(baseline: baseline, settings: self)
    }
    struct Fields: Decodable { var globalMean: Float }
    guard let fields = try? JSONDecoder().decode(Fields.self, from: stored.description) else {
      throw stored.bad("the baseline's global mean is missing")
    }
    return BaselineModel(
      baseline: BiasBaseline(
        globalMean: fields.globalMean, userBias: try stored.floats("baseline.user_bias", count: stored.userCount),
        itemBias: try stored.floats("baseline.item_bias", count: stored.itemCount)),
      settings: self)
  }
}

/// The bias baseline as a `RatingModel`: it predicts μ + b_u + b_i for pairs whose user and
/// item have training ratings; others are flagged as fallbacks (the same estimate).
public struct BaselineModel: RatingModel {
  public let baseline: BiasBaseline
  public let settings: BaselineSettings

  public var spec: ModelSpec { settings.spec }
  public var storedRatings: SparseMatrix? { nil }
  /// The biases are not network parameters; they are saved as `extraFileTensors`.
  public var namedParameters: [NamedTensor] { [] }

  /// Its own biases, which differ from the file's fallback baseline when it ran other epochs
  /// or is an ensemble's member trained on other ratings.
  public var extraFileTensors: [String: SafeTensors.Tensor] {
    [
      "bias_model.global_mean": .float([baseline.globalMean], shape: [1]),
      "bias_model.user_bias": .float(baseline.userBias, shape: [baseline.userBias.count]),
      "bias_model.item_bias": .float(baseline.itemBias, shape: [baseline.itemBias.count]),
    ]
  }

  public func predictor(_ context: PredictionContext) -> any PairPredictor {
    BaselinePredictor(baseline: baseline, scale: context.scale, known: KnownCells(context.rated))
  }
}

struct BaselinePredictor: PairPredictor {
  let baseline: BiasBaseline
  let scale: RatingScale
  let known: KnownCells

  func predict(user: Int32, item: Int32) -> (value: Float, fallback: Bool) {
    (scale.clip(baseline.predict(user: user, item: item)), known.cell(user: user, item: item) == nil)
  }
}
