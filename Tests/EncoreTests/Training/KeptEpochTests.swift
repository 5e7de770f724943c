import XCTest

@testable import Encore

/// `--keep best|last`: which epoch's parameters a network ends with.
final class KeptEpochTests: XCTestCase {
  /// With a learning rate high enough that validation RMSE rises again, `best` ends at the
  /// best validation epoch and `last` at the last; each model's validation RMSE is that
  /// epoch's, so the parameters really are that epoch's.
  func testBestAndLastKeepThoseEpochsParameters() throws {
    var plan = DataPlan(source: .synthetic(.init(users: 120, items: 90, ratings: 3_000, seed: 5)))
    plan.validationFraction = 0.1
    let (data, split) = try plan.prepare()
    for (model, keep) in [("i-autorec", KeptEpoch.best), ("i-autorec", .last), ("deep-ae", .best), ("deep-ae", .last)] {
      var o = ModelOverrides()
      o.epochs = 12
      o.patience = 0
      o.keep = keep
      o.shrink = false  // the shrink would move the validation figure off the epoch's
      if model == "i-autorec" { o.hidden = 40; o.lambda = 0.01; o.learningRate = 0.05 } else { o.layers = [32, 16]; o.learningRate = 0.02 }
      let (trained, report) = try ExperimentRun(spec: try ModelFamilies.spec(named: model, overrides: o)).run(data: data, split: split)
      let history = try XCTUnwrap(report.history)
      let validation = history.map { $0.validationRMSE! }
      let (predicted, _) = trained.predictor(compute: .automatic).predict(split.validation)
      let final = Metrics.rmse(predicted: predicted, actual: split.validation.values)
      let expected = keep == .best ? validation.min()! : validation.last!
      XCTAssertEqual(final, expected, accuracy: 1e-4, "\(model) keep \(keep)")
      XCTAssertEqual(report.bestEpoch, keep == .best ? validation.firstIndex(of: validation.min()!)! + 1 : 12, "\(model) keep \(keep)")
      if keep == .last { XCTAssertNotEqual(validation.min()!, validation.last!, "\(model): the test needs a last epoch worse than the best") }
    }
  }
}
