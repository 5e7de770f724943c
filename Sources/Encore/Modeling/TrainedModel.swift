/// A model trained end to end: any family's model plus what every model shares (the fallback
/// baseline, the rating scale, the ID maps, titles and the training ratings).
public struct TrainedModel: Sendable {
  public var model: any RatingModel
  public var baseline: BiasBaseline
  public var scale: RatingScale
  public var users: IDMap
  public var items: IDMap
  public var titles: [Int32: String]
  /// Training ratings (users × items), to exclude what a user already rated.
  public var rated: SparseMatrix

  public init(
    model: any RatingModel, baseline: BiasBaseline, scale: RatingScale, users: IDMap, items: IDMap,
    titles: [Int32: String], rated: SparseMatrix
  ) {
    self.model = model
    self.baseline = baseline
    self.scale = scale
    self.users = users
    self.items = items
    self.titles = titles
    self.rated = rated
  }

  /// The family and settings of the model.
  public var spec: ModelSpec { model.spec }

  /// The model's name as the command line spells it (e.g. "i-autorec").
  public var name: String { model.spec.name }

  /// A predictor for this model. Networks encode all rows once, on `compute`'s threads,
  /// which also run bulk predictions and ranking.
  public func predictor(compute: ComputeContext = .automatic) -> RatingPredictor {
    RatingPredictor(
      model.predictor(PredictionContext(baseline: baseline, scale: scale, rated: rated, compute: compute)), compute: compute)
  }

  /// The learned tensors by name (PyTorch layout); empty for models without parameters.
  public var networkParameters: [NamedTensor] { model.namedParameters }
}
