import Foundation

/// The factor-model family's settings: which of surprise's algorithms (or truncated SVD) and
/// its SGD settings (surprise's defaults per algorithm).
public struct FactorSettings: ModelSettings, Equatable {
  public var kind: FactorModel.Kind
  public var options: FactorTrainingOptions

  public init(kind: FactorModel.Kind, options: FactorTrainingOptions? = nil) {
    self.kind = kind
    self.options = options ?? .defaults(for: kind)
  }

  public static let family = "factors"
  public static let modelNames = ["baseline-sgd", "global-mean", "svd", "svdpp", "truncated-svd"]

  public static func defaults(named name: String) -> FactorSettings? {
    FactorModel.Kind(rawValue: name).map { FactorSettings(kind: $0) }
  }

  public static let acceptedSettings: Set<ModelSetting> = [.epochs, .factors, .learningRate, .reg]

  /// The settings each algorithm takes: SGD ones for the SGD algorithms, the number of
  /// components for truncated SVD, none for the global mean.
  public var acceptedByModel: Set<ModelSetting> { accepted }

  var accepted: Set<ModelSetting> {
    switch kind {
    case .svd, .svdpp: return [.epochs, .factors, .learningRate, .reg]
    case .baselineSGD: return [.epochs, .learningRate, .reg]
    case .truncatedSVD: return [.factors]
    case .globalMean: return []
    }
  }

  public static func legacySettings(kind: String, description: Data) -> FactorSettings? {
    FactorModel.Kind(rawValue: kind).map { FactorSettings(kind: $0) }
  }

  public var name: String { kind.rawValue }
  public var seed: UInt64 {
    get { options.seed }
    set { options.seed = newValue }
  }
  public var stopsOnValidation: Bool { false }
  /// surprise's SGD models start from random factors; the closed forms have no randomness.
  public var trainsFromSeed: Bool { kind == .svd || kind == .svdpp }
  public var maxEpochs: Int { max(1, options.epochs) }
  public var storesItemRows: Bool { false }
  public var summary: SettingsSummary { SettingsSummary() }

  public func applying(_ o: ModelOverrides) throws -> FactorSettings {
    if let extra = o.given.first(where: { !accepted.contains($0) }) {
      throw EncoreError.settingNotApplicable(setting: extra.rawValue, model: name, accepted: accepted.sorted().map(\.rawValue))
    }
    var s = self
    if let v = o.epochs { s.options.epochs = v }
    if let v = o.factors { s.options.factors = v }
    if let v = o.learningRate { s.options.learningRate = v }
    if let v = o.reg { s.options.regularization = v }
    return s
  }

  public func validate() throws {
    if accepted.contains(.epochs) { try SettingCheck.atLeast(options.epochs, 1, .epochs) }
    if accepted.contains(.factors) { try SettingCheck.atLeast(options.factors, 1, .factors) }
    if accepted.contains(.learningRate) { try SettingCheck.positive(options.learningRate, .learningRate) }
    if accepted.contains(.reg) { try SettingCheck.nonNegative(options.regularization, .reg) }
  }

  public func train(_ job: TrainingJob) throws -> TrainingOutcome {
    let factors = try FactorModel.train(kind, on: job.train, userCount: job.userCount, itemCount: job.itemCount, options: options)
    // SGD models run every epoch (surprise's loop has no early stopping); closed forms run one.
    let epochs = accepted.contains(.epochs) ? options.epochs : 1
    return TrainingOutcome(model: FactorRatingModel(factors: factors, settings: self), bestEpoch: epochs, epochsRun: epochs)
  }

  public func loadModel(_ stored: StoredModel) throws -> any RatingModel {
    struct Fields: Decodable { var factorCount: Int?; var factorGlobalMean: Float? }
    let fields = try? JSONDecoder().decode(Fields.self, from: stored.description)
    let f = fields?.factorCount ?? 0
    let users = stored.userCount, items = stored.itemCount
    let biased = kind == .svd || kind == .svdpp || kind == .baselineSGD
    let factors = FactorModel(
      kind: kind, globalMean: fields?.factorGlobalMean ?? 0,
      userBias: try stored.floats("factors.user_bias", count: biased ? users : 0),
      itemBias: try stored.floats("factors.item_bias", count: biased ? items : 0), factorCount: f,
      userFactors: try stored.floats("factors.user", count: users * f), itemFactors: try stored.floats("factors.item", count: items * f),
      implicitFactors: try stored.floats("factors.implicit", count: kind == .svdpp ? items * f : 0))
    return FactorRatingModel(factors: factors, settings: self)
  }
}

/// A trained factor model as a `RatingModel`.
public struct FactorRatingModel: RatingModel {
  public let factors: FactorModel
  public let settings: FactorSettings

  public var spec: ModelSpec { settings.spec }
  public var storedRatings: SparseMatrix? { nil }

  public func predictor(_ context: PredictionContext) -> any PairPredictor {
    FactorPredictor(factors: factors, context: context)
  }

  /// Biases as vectors, factors as [users or items, factors] (the file's names).
  public var namedParameters: [NamedTensor] {
    let f = factors
    let named: [(String, [Float], Int)] = [
      ("factors.user_bias", f.userBias, 1), ("factors.item_bias", f.itemBias, 1),
      ("factors.user", f.userFactors, f.factorCount), ("factors.item", f.itemFactors, f.factorCount),
      ("factors.implicit", f.implicitFactors, f.factorCount),
    ]
    return named.filter { !$0.1.isEmpty }.map { name, values, width in
      NamedTensor(name, shape: width == 1 ? [values.count] : [values.count / width, width], values: values)
    }
  }

  public func descriptionFields() throws -> [String: Any] {
    ["factorCount": factors.factorCount, "factorGlobalMean": Double(factors.globalMean)]
  }
}
