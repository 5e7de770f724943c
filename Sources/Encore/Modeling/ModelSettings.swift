import Foundation

/// One model family's settings (shape and training) and the operations that depend on the
/// family: training, loading, and which command-line settings apply. Each family conforms in
/// its own folder under `Models/`; `ModelFamilies` lists them.
public protocol ModelSettings: Codable, Sendable {
  /// The family's name in the model file ("autorec", "deep-autoencoder", "factors", "baseline").
  static var family: String { get }
  /// The model names this family answers to, in the order the help text lists them.
  static var modelNames: [String] { get }
  /// The default settings of a model name, or nil when the name is another family's.
  static func defaults(named name: String) -> Self?
  /// The settings this family takes from `ModelOverrides`; any other given setting is an error.
  static var acceptedSettings: Set<ModelSetting> { get }
  /// The settings of a model file written before specifications were stored (format 1 without
  /// "spec"): the file's kind and its JSON description.
  static func legacySettings(kind: String, description: Data) -> Self?

  /// The model's name as the command line spells it (e.g. "i-autorec").
  var name: String { get }

  /// The settings this model takes (the family's, or fewer for some of its models).
  var acceptedByModel: Set<ModelSetting> { get }
  /// The seed of every random choice in training (initial weights, shuffles, dropout).
  var seed: UInt64 { get set }
  /// Whether training is iterative and keeps the epoch that is best on a validation part.
  var stopsOnValidation: Bool { get }
  /// Whether training depends on the seed (random initial weights or shuffles), so that
  /// models trained from several seeds differ and can be averaged (`--ensemble`).
  var trainsFromSeed: Bool { get }
  /// Whether `train` can run data-parallel over the ranks of `TrainingJob.replicas`
  /// (`mpirun -np N`): the autoencoders, whose gradients are sums over rows.
  var trainsDataParallel: Bool { get }
  /// The most epochs training can take (for progress display).
  var maxEpochs: Int { get }
  /// Whether the model's stored training ratings have items as rows (item-based networks).
  var storesItemRows: Bool { get }
  /// The figures a training report shows about these settings.
  var summary: SettingsSummary { get }

  /// These settings with `overrides` applied (only accepted settings are given).
  func applying(_ overrides: ModelOverrides) throws -> Self
  /// Checks every value, throwing an error that names the setting.
  func validate() throws
  /// The trainable parameters a model of these settings has on `users` × `items` (0 when
  /// small or unknown); training checks the memory this implies before allocating.
  func parameterCount(users: Int, items: Int) -> Double
  /// Trains a model on `job`'s training part.
  func train(_ job: TrainingJob) throws -> TrainingOutcome
  /// Rebuilds a trained model from a model file's tensors.
  func loadModel(_ stored: StoredModel) throws -> any RatingModel
  /// The activation of the layer that outputs ratings, when the model has one (nil: the
  /// output is unbounded). A bounded one must cover the rating scale (see `ExperimentRun`).
  var outputActivation: (activation: Activation, setting: String)? { get }
  /// Whether the trained model's predictions shrink toward the bias baseline by the weight
  /// its validation part fits (`BaselineShrink`): the networks, unless told not to.
  var shrinksTowardBaseline: Bool { get }
  /// The precision training runs in on `compute`: bf16 only where the model honours a bf16
  /// request there (AutoRec's bf16 weight rows on any CPU, the deep autoencoders' bf16
  /// products on AVX512_BF16); fp32 for the families that ignore it.
  func trainingPrecision(on compute: ComputeContext) -> ComputeContext.Precision
}

extension ModelSettings {
  public var acceptedByModel: Set<ModelSetting> { Self.acceptedSettings }
  public var trainsFromSeed: Bool { stopsOnValidation }
  public var trainsDataParallel: Bool { false }

  public func parameterCount(users: Int, items: Int) -> Double { 0 }
  public var outputActivation: (activation: Activation, setting: String)? { nil }
  public var shrinksTowardBaseline: Bool { false }
  public func trainingPrecision(on compute: ComputeContext) -> ComputeContext.Precision { .fp32 }

  /// These settings as a specification.
  public var spec: ModelSpec { ModelSpec(self) }
}

/// What a training report shows about a model's settings (nil where they do not apply).
public struct SettingsSummary: Sendable, Equatable {
  public var hiddenUnits: Int? = nil
  public var lambda: Double? = nil
  public var optimizer: String? = nil
  public var learningRate: Double? = nil
  public var batchSize: Int? = nil
  public init() {}
}

/// The tensors and maps a model file holds, for a family to rebuild its model from.
public struct StoredModel {
  /// The file, for error messages.
  public var path: String
  public var tensors: [String: SafeTensors.Tensor]
  /// The stored training ratings, oriented as the family stores them (`storesItemRows`).
  public var ratings: SparseMatrix
  public var userCount: Int
  public var itemCount: Int
  /// The JSON description (for families that read their own legacy fields).
  public var description: Data

  public init(path: String, tensors: [String: SafeTensors.Tensor], ratings: SparseMatrix, userCount: Int, itemCount: Int, description: Data) {
    self.path = path
    self.tensors = tensors
    self.ratings = ratings
    self.userCount = userCount
    self.itemCount = itemCount
    self.description = description
  }

  /// An error about this file.
  public func bad(_ reason: String) -> EncoreError { .badModelFile(path: path, reason: reason) }

  /// The tensor `name`, or an error naming it.
  public func tensor(_ name: String) throws -> SafeTensors.Tensor {
    guard let t = tensors[name] else { throw bad("tensor '\(name)' is missing") }
    return t
  }

  /// The float tensor `name` with exactly `count` values (a missing tensor is empty when
  /// `count` is 0).
  public func floats(_ name: String, count: Int) throws -> [Float] {
    guard let t = tensors[name] else {
      if count == 0 { return [] }
      throw bad("tensor '\(name)' is missing")
    }
    guard t.floats.count == count else { throw bad("tensor '\(name)' has \(t.floats.count) values, expected \(count)") }
    return t.floats
  }
}
