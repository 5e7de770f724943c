import Foundation

/// A trained implicit-feedback model: it scores every item for a user from the items the user
/// chose. Scoring a held-out user, folding in a new one and recommending for a training user
/// are the same call, since these models read a user only through their items.
public protocol InteractionModel: Sendable {
  /// The settings it was trained with; stored in the model file.
  var settings: any InteractionModelSettings { get }
  /// The number of items it scores (the columns of its input).
  var itemCount: Int { get }
  /// Scores every item for each row `r` in `rows` of `input` (users × items), writing row
  /// `r - rows.lowerBound` of `scores` (`rows.count` × `itemCount`, row-major). Higher is better.
  func score(_ input: SparseMatrix, rows: Range<Int>, into scores: UnsafeMutablePointer<Float>, compute: ComputeContext)
  /// The learned tensors, for the model file.
  var namedParameters: [NamedTensor] { get }
  /// One vector per item for `similar` (cosine), or nil for models without one.
  var itemVectors: ItemVectors? { get }
}

extension InteractionModel {
  public var itemVectors: ItemVectors? { nil }
}

/// One implicit family's settings and the operations that depend on the family. Each family
/// conforms in its own folder under `Models/`; `ModelFamilies.implicit` lists them.
public protocol InteractionModelSettings: Codable, Sendable {
  /// The family's name in the model file.
  static var family: String { get }
  /// The model names this family answers to.
  static var modelNames: [String] { get }
  /// The default settings of a model name, or nil when the name is another family's.
  static func defaults(named name: String) -> Self?
  /// The settings this family takes from `ModelOverrides`; any other given setting is an error.
  static var acceptedSettings: Set<ModelSetting> { get }

  /// The model's name as the command line spells it.
  var name: String { get }
  /// The settings in a few words for reports ("λ 500").
  var summary: String { get }
  /// These settings with `overrides` applied (only accepted settings are given).
  func applying(_ overrides: ModelOverrides) throws -> Self
  /// Checks every value, throwing an error that names the setting.
  func validate() throws
  /// Trains on `job.train`, choosing what the settings leave open on `job.validation`.
  func train(_ job: InteractionTrainingJob) throws -> InteractionTrainingOutcome
  /// Rebuilds a trained model from a model file's tensors.
  func loadModel(_ stored: StoredInteractionModel) throws -> any InteractionModel
  /// These settings with the seed of every random choice training makes (the families that
  /// make none return themselves).
  func seeded(_ seed: UInt64) -> Self
}

extension InteractionModelSettings {
  public func seeded(_ seed: UInt64) -> Self { self }

  /// These settings as stored in a model file: `{"family": ..., "settings": ...}`.
  func encodedSpec() throws -> String {
    let settings = try JSONSerialization.jsonObject(with: try JSONEncoder().encode(self))
    let object: [String: Any] = ["family": Self.family, "settings": settings]
    return String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self)
  }
}

/// What an implicit family trains from.
public struct InteractionTrainingJob: Sendable {
  /// Training users × items.
  public var train: SparseMatrix
  /// Users the family may choose settings on (by validation NDCG@100), when there are any.
  public var validation: HeldOutInteractions?
  public var compute: ComputeContext
  /// Progress lines ("λ 500: validation NDCG@100 0.4312").
  public var progress: @Sendable (String) -> Void

  public init(train: SparseMatrix, validation: HeldOutInteractions?, compute: ComputeContext, progress: @escaping @Sendable (String) -> Void = { _ in }) {
    self.train = train
    self.validation = validation
    self.compute = compute
    self.progress = progress
  }

  /// The validation metric of `model` on the validation users (nil without them).
  public func validationScore(_ model: any InteractionModel) -> Double? {
    guard let validation else { return nil }
    let report = TopKEvaluator(metrics: [TopKMetric.validation], compute: compute).evaluate(model, on: validation)
    return report.mean(TopKMetric.validation)
  }
}

/// A trained implicit model and how its open settings were chosen.
public struct InteractionTrainingOutcome: Sendable {
  public var model: any InteractionModel
  /// The candidates tried on the validation users, with their validation NDCG@100, in order.
  public var candidates: [(label: String, validation: Double)]
  /// The validation NDCG@100 of the returned model, when there were validation users.
  public var validation: Double?

  public init(model: any InteractionModel, candidates: [(label: String, validation: Double)] = [], validation: Double? = nil) {
    self.model = model
    self.candidates = candidates
    self.validation = validation
  }
}

/// The tensors of an implicit model file, for a family to rebuild its model from.
public struct StoredInteractionModel {
  public var path: String
  public var tensors: [String: SafeTensors.Tensor]
  public var itemCount: Int

  public init(path: String, tensors: [String: SafeTensors.Tensor], itemCount: Int) {
    self.path = path
    self.tensors = tensors
    self.itemCount = itemCount
  }

  /// An error about this file.
  public func bad(_ reason: String) -> EncoreError { .badModelFile(path: path, reason: reason) }

  /// The float tensor `name` with exactly `count` values.
  public func floats(_ name: String, count: Int) throws -> [Float] {
    guard let t = tensors[name] else { throw bad("tensor '\(name)' is missing") }
    guard t.dtype == .f32 else { throw bad("tensor '\(name)' is \(t.dtype.rawValue), expected F32") }
    guard t.floats.count == count else { throw bad("tensor '\(name)' has \(t.floats.count) values, expected \(count)") }
    return t.floats
  }
}
