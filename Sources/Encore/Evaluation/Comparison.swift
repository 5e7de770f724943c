import Foundation

/// One model measured on one split.
public struct ModelMeasurement: Codable, Sendable {
  public var model: String
  public var run: String
  public var rmse: Double
  public var mae: Double
  public var fcp: Double
  public var ranking: RankingReport
  public var fitSeconds: Double
  public var predictSeconds: Double
  public var nTest: Int
  public var nTestUnseen: Int

  enum CodingKeys: String, CodingKey {
    case model, run, rmse, mae, fcp, ranking
    case fitSeconds = "fit_seconds", predictSeconds = "predict_seconds", nTest = "n_test", nTestUnseen = "n_test_unseen"
  }
}

/// Mean and standard deviation (n − 1) of a measure over runs.
public struct MeanDeviation: Codable, Sendable, Equatable {
  public var mean: Double
  public var std: Double
  public init(_ values: [Double]) {
    let n = Double(values.count)
    let m = values.reduce(0, +) / max(n, 1)
    mean = m
    std = values.count > 1 ? (values.reduce(0) { $0 + ($1 - m) * ($1 - m) } / (n - 1)).squareRoot() : 0
  }
}

/// A model's results over all runs.
public struct ComparisonSummary: Codable, Sendable {
  public var model: String
  public var runs: Int
  public var rmse, mae, fcp, precision, recall, ndcg, fitSeconds, predictSeconds: MeanDeviation

  enum CodingKeys: String, CodingKey {
    case model, runs, rmse, mae, fcp, precision, recall, ndcg
    case fitSeconds = "fit_seconds", predictSeconds = "predict_seconds"
  }

  public init(model: String, results: [ModelMeasurement]) {
    self.model = model
    runs = results.count
    rmse = MeanDeviation(results.map(\.rmse))
    mae = MeanDeviation(results.map(\.mae))
    fcp = MeanDeviation(results.map(\.fcp))
    precision = MeanDeviation(results.map(\.ranking.precision))
    recall = MeanDeviation(results.map(\.ranking.recall))
    ndcg = MeanDeviation(results.map(\.ranking.ndcg))
    fitSeconds = MeanDeviation(results.map(\.fitSeconds))
    predictSeconds = MeanDeviation(results.map(\.predictSeconds))
  }
}

/// Trains and measures several models on identical splits (`encore compare`).
public struct Comparison: Sendable {
  public var models: [ModelKind]
  public var k: Int = 10
  public var threshold: Double = 3.5
  /// Fraction of each split's training ratings held out for the autoencoders' early stopping.
  public var validationFraction: Double = DataPlan.defaultValidationFraction
  public var seed: UInt64 = 42

  public init(models: [ModelKind]) { self.models = models }

  /// Runs every model on `split` (whose validation part is empty; autoencoders carve their own).
  public func run(label: String, data: RatingData, split: DataSplit) throws -> [ModelMeasurement] {
    var results: [ModelMeasurement] = []
    for kind in models {
      var modelSplit = split
      if kind.isNetwork {
        let (fit, validation) = Splitter.carveValidation(split.train, fraction: validationFraction, seed: seed)
        modelSplit.train = fit
        modelSplit.validation = validation
      }
      var options = TrainingOptions()
      options.seed = seed
      let (model, report) = try ExperimentRun(kind: kind, configuration: AutoRecConfiguration(), options: options)
        .run(data: data, split: modelSplit, keepHistory: false)
      let start = Platform.now()
      let (predicted, unseen) = model.predictor().predict(split.test)
      let predictSeconds = Platform.now() - start
      let ranking = RankingMetrics.testItems(users: split.test.users, predicted: predicted, actual: split.test.values, k: k, threshold: threshold)
      let fcp = (try? RankingMetrics.fcp(users: split.test.users, predicted: predicted, actual: split.test.values)) ?? .nan
      results.append(ModelMeasurement(
        model: kind.rawValue, run: label, rmse: Metrics.rmse(predicted: predicted, actual: split.test.values),
        mae: Metrics.mae(predicted: predicted, actual: split.test.values), fcp: fcp, ranking: ranking,
        fitSeconds: report.fitSeconds, predictSeconds: predictSeconds, nTest: split.test.count, nTestUnseen: unseen))
    }
    return results
  }
}
