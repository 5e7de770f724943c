/// Something that predicts the rating of a (user, item) pair, saying whether it had to fall
/// back to the bias baseline because the model knows too little about the pair.
public protocol PairPredictor: Sendable {
  func predict(user: Int32, item: Int32) -> (value: Float, fallback: Bool)
}

extension PairPredictor {
  /// Predictions for many pairs on both cores, and how many fell back to the baseline.
  public func predict(_ ratings: RatingSet) -> (values: [Float], fallbacks: Int) {
    var values = [Float](repeating: 0, count: ratings.count)
    var flags = [Bool](repeating: false, count: ratings.count)
    values.withUnsafeMutableBufferPointer { out in
      flags.withUnsafeMutableBufferPointer { fl in
        let box = UncheckedSendable((out.baseAddress!, fl.baseAddress!))
        Parallel.forRanges(ratings.count, grain: 4096) { lo, hi in
          let (o, f) = box.value
          for k in lo..<hi { (o[k], f[k]) = predict(user: ratings.users[k], item: ratings.items[k]) }
        }
      }
    }
    return (values, flags.reduce(0) { $0 + ($1 ? 1 : 0) })
  }
}

/// Answers rating queries for any trained model (see `TrainedModel.predictor()`).
public struct RatingPredictor: PairPredictor {
  let base: any PairPredictor
  public init(_ base: any PairPredictor) { self.base = base }
  public func predict(user: Int32, item: Int32) -> (value: Float, fallback: Bool) { base.predict(user: user, item: item) }
}
