/// A trained model of any family (AutoRec, deep autoencoder, factor models, the baselines):
/// the one interface that prediction, saving, export, reporting and serving talk to.
///
/// A family adds a conformer in its own folder under `Models/`; nothing outside that folder
/// needs to know which family a model belongs to.
public protocol RatingModel: Sendable {
  /// The family and settings it was trained with; stored in the model file.
  var spec: ModelSpec { get }

  /// The training ratings in the model's own orientation (one row per input vector), when
  /// the model reads them at prediction time; nil for models that read only users × items.
  var storedRatings: SparseMatrix? { get }

  /// A predictor for (user, item) pairs. Pairs the model cannot score go to the context's
  /// baseline; every prediction is clipped to the context's scale.
  func predictor(_ context: PredictionContext) -> any PairPredictor

  /// Folds new users (or known users with new ratings) in without retraining: the seam for
  /// users who arrive after training. Build it once per loaded model.
  func userFolder(_ context: PredictionContext) -> any UserFolder

  /// One vector per item in the model's own representation (for `similar`), or nil for
  /// models without one (the baselines).
  func itemVectors(_ context: PredictionContext) -> ItemVectors?

  /// The learned tensors, named and shaped as PyTorch would (`[out, in]` weights), for
  /// TensorBoard norms, ONNX export and the model file.
  var namedParameters: [NamedTensor] { get }

  /// Extra tensors the model file needs besides `namedParameters` (none by default).
  var extraFileTensors: [String: SafeTensors.Tensor] { get }

  /// The family's own fields of the model file's JSON description, as a JSON object (the
  /// fields that older Encore versions and users' scripts read, e.g. "configuration").
  func descriptionFields() throws -> [String: Any]

  /// The model whose predictions on the validation part are an honest measure: the model
  /// itself, a part of it that never trained on those ratings (an ensemble's first member when
  /// the others rotated their validation parts), or nil when every part of it did.
  var validationWitness: (any RatingModel)? { get }
}

extension RatingModel {
  public func itemVectors(_ context: PredictionContext) -> ItemVectors? { nil }
  public var extraFileTensors: [String: SafeTensors.Tensor] { [:] }
  public func descriptionFields() throws -> [String: Any] { [:] }
  public var validationWitness: (any RatingModel)? { self }
}

/// What every predictor shares: the fallback baseline, the rating scale, the training
/// ratings (users × items) and the threads its set-up work (hidden codes) may use.
public struct PredictionContext: Sendable {
  public var baseline: BiasBaseline
  public var scale: RatingScale
  public var rated: SparseMatrix
  public var compute: ComputeContext

  public init(baseline: BiasBaseline, scale: RatingScale, rated: SparseMatrix, compute: ComputeContext) {
    self.baseline = baseline
    self.scale = scale
    self.rated = rated
    self.compute = compute
  }

  /// The baseline's clipped prediction, flagged as a fallback.
  @inline(__always) func fallback(user: Int32, item: Int32) -> (value: Float, fallback: Bool) {
    (scale.clip(baseline.predict(user: user, item: item)), true)
  }
}

/// A named float tensor with its shape (row-major).
public struct NamedTensor: Sendable {
  public var name: String
  public var shape: [Int]
  public var values: [Float]

  public init(_ name: String, shape: [Int], values: [Float]) {
    self.name = name
    self.shape = shape
    self.values = values
  }
}
