/// Something that predicts the rating of a (user, item) pair, saying whether it had to fall
/// back to the bias baseline because the model knows too little about the pair.
public protocol PairPredictor: Sendable {
  func predict(user: Int32, item: Int32) -> (value: Float, fallback: Bool)
}

/// Answers rating queries for any trained model (see `TrainedModel.predictor()`), one pair at
/// a time or many on the context's threads.
public struct RatingPredictor: PairPredictor {
  let base: any PairPredictor
  /// The threads bulk predictions and rankings run on.
  public let compute: ComputeContext

  public init(_ base: any PairPredictor, compute: ComputeContext) {
    self.base = base
    self.compute = compute
  }

  public func predict(user: Int32, item: Int32) -> (value: Float, fallback: Bool) { base.predict(user: user, item: item) }

  /// Predictions for many pairs, and how many fell back to the baseline.
  public func predict(_ ratings: RatingSet) -> (values: [Float], fallbacks: Int) {
    let (values, flags) = predictEach(ratings)
    return (values, flags.reduce(0) { $0 + ($1 ? 1 : 0) })
  }

  /// Predictions for many pairs, each with whether it fell back to the baseline.
  public func predictEach(_ ratings: RatingSet) -> (values: [Float], fallback: [Bool]) {
    var values = [Float](repeating: 0, count: ratings.count)
    var flags = [Bool](repeating: false, count: ratings.count)
    values.withUnsafeMutableBufferPointer { out in
      flags.withUnsafeMutableBufferPointer { fl in
        let box = UncheckedSendable((out.baseAddress!, fl.baseAddress!))
        compute.forRanges(ratings.count, grain: 4096) { lo, hi in
          let (o, f) = box.value
          for k in lo..<hi { (o[k], f[k]) = predict(user: ratings.users[k], item: ratings.items[k]) }
        }
      }
    }
    return (values, flags)
  }
}
