import Foundation

/// Shrinks a trained network toward the bias baseline it falls back on, by as much as its
/// validation part asks: predictions become b + w·(f − b), the network f weighted by
/// w ∈ [0, 1] and the baseline b by 1 − w, with w the least-squares fit on the validation
/// ratings. On data that cannot support the network (few ratings per row, a narrow scale)
/// w falls toward 0, so the model does no worse there than the baseline; where the network
/// learns, w stays near 1 (0.66–0.92 on MovieLens-100K's splits, where the shrink still gains
/// a little) or at 1, and then nothing changes. The same validation part also chose the
/// network's epoch, which makes the network look a little better there and w a little larger:
/// the bias is toward the network, never toward the baseline.
///
/// A shrunk model is a two-member blend (network, baseline) with fixed weights, so the model
/// file, fold-in, ONNX export and the server serve it as they serve any blend. Its baseline is
/// the fallback baseline with each row's bias (an item's for I-AutoRec) in closed form given the
/// column biases on the training rows (`BiasBaseline.rowBiases`), one more half-step of the
/// alternating fit: that is what an exported graph computes from a rating vector, so the graph
/// reproduces the model.
public struct BaselineShrink: Codable, Sendable, Equatable {
  /// The network's weight w; 1 leaves the network alone.
  public var weight: Double
  /// Validation RMSE of the network alone and of the shrunk predictions.
  public var networkValidationRMSE: Double
  public var shrunkValidationRMSE: Double

  enum CodingKeys: String, CodingKey {
    case weight, networkValidationRMSE = "network_validation_rmse", shrunkValidationRMSE = "shrunk_validation_rmse"
  }

  /// Whether the fit moves the predictions at all.
  public var shrinks: Bool { weight < 1 }

  /// The w ∈ [0, 1] minimising Σ(b + w(f − b) − y)²: Σ(f − b)(y − b) / Σ(f − b)², clamped.
  /// 1 when the network and the baseline agree everywhere (there is nothing to weigh).
  public static func weight(network f: [Float], baseline b: [Float], actual y: [Float]) -> Double {
    precondition(f.count == b.count && b.count == y.count)
    var cross = 0.0, square = 0.0
    for i in f.indices {
      let d = Double(f[i]) - Double(b[i])
      cross += d * (Double(y[i]) - Double(b[i]))
      square += d * d
    }
    guard square > 0 else { return 1 }
    return min(1, max(0, cross / square))
  }

  /// Fits the weight of `model`, against the baseline `member`, on `job`'s validation part,
  /// which must not be empty; `rated` is the training ratings, users × items.
  init(fitting model: any RatingModel, against member: BaselineModel, job: TrainingJob, rated: SparseMatrix) {
    precondition(!job.validation.isEmpty, "the shrink is fitted on the validation part")
    let context = PredictionContext(baseline: job.baseline, scale: job.scale, rated: rated, compute: job.compute)
    let validation = job.validation
    let network = RatingPredictor(model.predictor(context), compute: job.compute).predict(validation).values
    let baseline = validation.users.indices.map { job.scale.clip(member.baseline.predict(user: validation.users[$0], item: validation.items[$0])) }
    let w = Self.weight(network: network, baseline: baseline, actual: validation.values)
    // The figures are those of the Float weights the blend will apply.
    let (fw, bw) = (Float(w), 1 - Float(w))
    weight = w
    networkValidationRMSE = Metrics.rmse(predicted: network, actual: validation.values)
    shrunkValidationRMSE = Metrics.rmse(
      predicted: network.indices.map { job.scale.clip(fw * network[$0] + bw * baseline[$0]) }, actual: validation.values)
  }

  /// `model` shrunk by this weight: a blend of the network and the baseline `member`, stored
  /// with the training ratings `rows` in the network's orientation.
  func apply(to model: any RatingModel, member: BaselineModel, rows: SparseMatrix) -> EnsembleModel {
    let members: [any RatingModel] = [model, member]
    var settings = EnsembleSettings(combination: .ridge, members: members.map(\.spec), seed: model.spec.settings.seed)
    settings.isShrunkNetwork = true
    return EnsembleModel(
      settings: settings.with(trainedMembers: members.map(\.spec)), members: members,
      combiner: MemberCombiner(intercept: 0, weights: [Float(weight), 1 - Float(weight)]), ratings: rows)
  }

  /// `outcome` with its model shrunk when `settings` ask for it and `job` has a validation
  /// part to fit the weight on, and the fitted shrink (nil when none was fitted). `rated` is
  /// the training ratings, users × items (the run builds them once for the trained model).
  public static func applying(
    to outcome: TrainingOutcome, settings: any ModelSettings, job: TrainingJob, rated: SparseMatrix
  ) -> (TrainingOutcome, BaselineShrink?) {
    guard settings.shrinksTowardBaseline, !job.validation.isEmpty else { return (outcome, nil) }
    let itemRows = outcome.model.spec.settings.storesItemRows
    let rows = outcome.model.storedRatings ?? (itemRows ? rated.transposed() : rated)
    let member = BaselineModel(baseline: job.baseline.refittingRowBiases(on: rows, itemRows: itemRows), settings: BaselineSettings())
    let shrink = BaselineShrink(fitting: outcome.model, against: member, job: job, rated: rated)
    var shrunk = outcome
    if shrink.shrinks { shrunk.model = shrink.apply(to: outcome.model, member: member, rows: rows) }
    return (shrunk, shrink)
  }
}
