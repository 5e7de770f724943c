/// Predicts ratings from a trained AutoRec: it encodes every input row once and then answers
/// each (user, item) pair with one dot product. Pairs whose user or item has no training
/// ratings get the bias baseline instead (and are counted as fallbacks). Predictions are
/// clipped to the rating scale.
public struct AutoRecPredictor: PairPredictor, @unchecked Sendable {
  public let model: AutoRec
  public let baseline: BiasBaseline
  public let scale: RatingScale
  let codes: StableBuffer<Float>
  let known: KnownCells

  /// Encodes every input row on `compute`'s threads.
  public init(model: AutoRec, baseline: BiasBaseline, scale: RatingScale, compute: ComputeContext) {
    self.model = model
    self.baseline = baseline
    self.scale = scale
    codes = model.codes(on: compute)
    known = KnownCells(model.input, itemsAsRows: model.configuration.orientation == .itemBased)
  }

  /// Whether the network (rather than the baseline) can predict this pair.
  public func isKnown(user: Int32, item: Int32) -> Bool { known.cell(user: user, item: item) != nil }

  /// The predicted rating, clipped to the scale, and whether the baseline answered.
  public func predict(user: Int32, item: Int32) -> (value: Float, fallback: Bool) {
    guard let (r, c) = known.cell(user: user, item: item) else {
      return (scale.clip(baseline.predict(user: user, item: item)), true)
    }
    let k = model.hiddenUnits
    return (scale.clip(model.output(code: codes.pointer + r * k, column: c)), false)
  }

  /// Predicted ratings of every item for `user` (indices into the item map; items the
  /// network cannot score get the baseline).
  public func scores(user: Int32, itemCount: Int) -> [Float] {
    (0..<itemCount).map { predict(user: user, item: Int32($0)).value }
  }
}
