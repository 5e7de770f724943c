/// Predicts with a factor model for pairs whose user and item both have training ratings,
/// and with the bias baseline otherwise; clipped to the scale.
struct FactorPredictor: PairPredictor {
  let context: PredictionContext
  let factors: FactorModel
  let userVectors: [Float]
  let known: KnownCells

  init(factors: FactorModel, context: PredictionContext) {
    self.context = context
    self.factors = factors
    userVectors = factors.userVectors(rated: context.rated)
    known = KnownCells(context.rated)
  }

  func predict(user: Int32, item: Int32) -> (value: Float, fallback: Bool) {
    guard known.cell(user: user, item: item) != nil else { return context.fallback(user: user, item: item) }
    let value = userVectors.withUnsafeBufferPointer { factors.estimate(user: Int(user), item: Int(item), userVectors: $0.baseAddress!) }
    return (context.scale.clip(value), false)
  }
}
