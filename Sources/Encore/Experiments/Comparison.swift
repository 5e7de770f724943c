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
  /// Test pairs the figures are over: all of them, or only the seen ones with `--unseen drop`.
  public var nTestScored: Int = 0
  /// RMSE over the pairs whose user and item both have training ratings.
  public var rmseSeen: Double? = nil
  /// Figures for the users held out of training, when the comparison holds users out.
  public var heldOutUsers: HeldOutUserReport? = nil
  /// Lines of the run's data files skipped as invalid (`--drop-invalid`).
  public var nSkippedLines = 0
  /// The weight w the network kept when shrunk toward its baseline (`BaselineShrink`; 1: not
  /// moved); nil for a model that does not shrink.
  public var shrinkWeight: Double? = nil

  enum CodingKeys: String, CodingKey {
    case model, run, rmse, mae, fcp, ranking, nSkippedLines = "n_skipped_lines"
    case fitSeconds = "fit_seconds", predictSeconds = "predict_seconds", nTest = "n_test", nTestUnseen = "n_test_unseen"
    case heldOutUsers = "held_out_users", nTestScored = "n_test_scored", rmseSeen = "rmse_seen", shrinkWeight = "shrink_weight"
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
  /// RMSE, MAE and NDCG@K on the held-out users' scored ratings (fold-in or retrain), when any.
  public var heldOutRMSE, heldOutMAE, heldOutNDCG: MeanDeviation?
  /// FCP on the held-out users' scored ratings, when every run has one.
  public var heldOutFCP: MeanDeviation?
  /// The network's weight after its shrink toward the baseline, when every run shrank.
  public var shrinkWeight: MeanDeviation?

  enum CodingKeys: String, CodingKey {
    case model, runs, rmse, mae, fcp, precision, recall, ndcg
    case fitSeconds = "fit_seconds", predictSeconds = "predict_seconds"
    case heldOutRMSE = "held_out_rmse", heldOutMAE = "held_out_mae", heldOutNDCG = "held_out_ndcg", heldOutFCP = "held_out_fcp"
    case shrinkWeight = "shrink_weight"
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
    let held = results.compactMap(\.heldOutUsers)
    if !held.isEmpty && held.count == results.count {
      heldOutRMSE = MeanDeviation(held.map(\.rmse))
      heldOutMAE = MeanDeviation(held.map(\.mae))
      heldOutNDCG = MeanDeviation(held.map(\.ranking.ndcg))
      let fcps = held.compactMap(\.fcp)
      if fcps.count == held.count { heldOutFCP = MeanDeviation(fcps) }
    }
    let weights = results.compactMap(\.shrinkWeight)
    if !weights.isEmpty && weights.count == results.count { shrinkWeight = MeanDeviation(weights) }
  }
}

/// Trains and measures several models on identical splits (`encore compare`).
public struct Comparison: Sendable {
  /// The models, each with its settings and label (seeds are set per run).
  public var models: [ComparedModel]
  public var k: Int = 10
  public var threshold: Double = 3.5
  /// Fraction of each split's training ratings held out for early stopping, for the models
  /// that stop on validation.
  public var validationFraction: Double = DataPlan.defaultValidationFraction
  public var seed: UInt64 = 42
  /// Hold whole users out of every split and report fold-in figures for them (`--data` only).
  public var userHoldout: UserHoldout? = nil
  /// The threads and GEMM library every run uses.
  public var compute: ComputeContext = .automatic
  /// Whether test pairs of unseen users or items count (baseline) or are dropped.
  public var unseenPolicy = UnseenPolicy.baseline
  /// How files are read (format, lenient reading, filters).
  public var loader = RatingDataLoader()
  /// Fraction of ratings in each random holdout's test part (`.data` without folds).
  public var testFraction = 0.1
  /// The scale predictions are clipped to; nil: each split's training range.
  public var ratingScale: RatingScale? = nil

  public init(models: [ComparedModel]) { self.models = models }

  /// The models of a `--models` list (see `ComparedModel.list`), e.g. "baseline,svd,deep-ae:preset=seed-003".
  public init(modelList: String) throws {
    models = try ComparedModel.list(modelList)
  }

  /// The default settings of each named model.
  public init(modelNames: [String]) throws {
    try self.init(modelList: modelNames.joined(separator: ","))
  }

  /// Adds a row "blend": every compared model as a member, weighted by ridge regression on
  /// the validation part of each split (Netflix Prize style; the test part chooses nothing).
  /// With `refit`, the members are trained again on training + validation once the weights are
  /// fitted; with `stackFolds` K ≥ 2 the weights come from K-fold out-of-fold predictions of
  /// every training rating instead (and the members are refitted); `supportWeighted` lets the
  /// weights vary with the user's and item's supports.
  public mutating func addBlend(refit: Bool = false, stackFolds: Int = 0, supportWeighted: Bool = false) throws {
    guard !models.contains(where: { $0.label == "blend" }) else { throw EncoreError.invalidArgument("--models already names a blend") }
    guard models.count >= 2 else { throw EncoreError.invalidSetting("blend", "needs at least two models in --models") }
    let settings = EnsembleSettings(combination: .ridge, members: models.map(\.spec), refit: refit, stackFolds: stackFolds, supportWeighted: supportWeighted)
    try settings.validate()
    var label = stackFolds > 0 ? "blend:stack-folds=\(stackFolds)" : refit ? "blend:refit" : "blend"
    if supportWeighted { label += ":support-weighted" }
    models.append(ComparedModel(label: label, spec: ModelSpec(settings)))
  }

  /// Runs every model on `split` (whose validation part is empty; iterative models carve their own).
  public func run(label: String, data: RatingData, split: DataSplit) throws -> [ModelMeasurement] {
    var results: [ModelMeasurement] = []
    for entry in models {
      var settings = entry.spec.settings
      settings.seed = seed
      var modelSplit = split
      if settings.stopsOnValidation {
        let (fit, validation) = Splitter.carveValidation(split.train, fraction: validationFraction, seed: seed)
        modelSplit.train = fit
        modelSplit.validation = validation
      }
      var experiment = ExperimentRun(spec: ModelSpec(settings), compute: compute)
      experiment.rankingK = k
      experiment.relevanceThreshold = threshold
      experiment.unseenPolicy = unseenPolicy
      experiment.ratingScale = ratingScale
      let (model, report) = try experiment.run(data: data, split: modelSplit, keepHistory: false)
      let start = Platform.now()
      let (allPredicted, fallback) = model.predictor(compute: compute).predictEach(split.test)
      let predictSeconds = Platform.now() - start
      let scores = TestScores(predicted: allPredicted, fallback: fallback, test: split.test, policy: unseenPolicy)
      // The pairs every figure is over: all, or the seen ones with `drop`.
      let kept = scores.scoredPairs
      let users = kept.map { split.test.users[$0] }, predicted = kept.map { allPredicted[$0] }, actual = kept.map { split.test.values[$0] }
      let ranking = RankingMetrics.testItems(users: users, predicted: predicted, actual: actual, k: k, threshold: threshold)
      var measurement = ModelMeasurement(
        model: entry.label, run: label, rmse: scores.rmse, mae: scores.mae, fcp: scores.fcp ?? .nan, ranking: ranking,
        fitSeconds: report.fitSeconds, predictSeconds: predictSeconds, nTest: split.test.count, nTestUnseen: scores.unseen,
        heldOutUsers: report.heldOutUsers)
      measurement.nTestScored = scores.scored
      measurement.rmseSeen = scores.rmseSeen
      measurement.nSkippedLines = data.ratings.skippedLines.count
      measurement.shrinkWeight = report.shrink?.weight
      results.append(measurement)
    }
    return results
  }

  /// Where the runs' splits come from.
  public enum Source: Sendable {
    /// Explicit training and test files, paired (e.g. MovieLens's u1..u5).
    case files([(train: String, test: String)])
    /// One rating file or folder, split by k-fold (`folds`) or by random holdouts (`testFraction`).
    case data(String, folds: Int?)
  }

  /// Runs every model on every split of `source`, `seeds` times (model seeds for explicit
  /// files, split seeds otherwise), calling `note` before each run.
  public func runAll(_ source: Source, seeds: Int, note: (String) -> Void = { _ in }) throws -> [ModelMeasurement] {
    guard seeds >= 1 else { throw EncoreError.invalidSetting("seeds", "must be at least 1") }
    guard k >= 1 else { throw EncoreError.invalidSetting("k", "must be at least 1") }
    guard threshold.isFinite else { throw EncoreError.invalidSetting("threshold", "must be a number, not \(threshold)") }
    var all: [ModelMeasurement] = []
    func measure(_ label: String, _ data: RatingData, _ split: DataSplit, seed: UInt64) throws {
      var comparison = self
      comparison.seed = seed
      note("run \(label): \(split.train.count) training and \(split.test.count) test ratings")
      if data.ratings.skippedLines.count > 0 { note(data.ratings.skippedLines.note) }
      all += try comparison.run(label: label, data: data, split: split)
    }
    switch source {
    case .files(let pairs):
      guard userHoldout == nil else {
        throw EncoreError.invalidSetting("held-out-users", "needs --data: it holds users out of one rating set, not of explicit train and test files")
      }
      for (trainFile, testFile) in pairs {
        let (data, testSet) = try loaderOnCompute.load(train: trainFile, test: testFile)
        let split = DataSplit(train: data.ratings, validation: RatingSet(), test: testSet, description: "explicit")
        for s in 0..<seeds {
          try measure((trainFile as NSString).lastPathComponent + (seeds > 1 ? " seed \(s + 1)" : ""), data, split, seed: UInt64(42 + s))
        }
      }
    case .data(let path, let folds):
      let loaded = try loaderOnCompute.load(path)
      for s in 0..<seeds {
        let seed = UInt64(42 + s)
        // The held-out users (same for every fold of a seed), and the ratings that stay.
        var ratings = loaded.ratings
        var held: HeldOutUsers? = nil
        if let userHoldout {
          (ratings, held) = try userHoldout.split(loaded.ratings, userCount: loaded.users.count, seed: seed)
        }
        func split(_ tr: RatingSet, _ te: RatingSet) -> DataSplit {
          var train = tr
          if let held, held.inTraining { train.append(held.foldIn) }
          var result = DataSplit(train: train, validation: RatingSet(), test: te, description: "")
          result.heldOutUsers = held
          return result
        }
        if let folds {
          for fold in 0..<folds {
            let (tr, te) = try Splitter.split(ratings, .kFold(folds: folds, fold: fold), seed: seed)
            try measure("fold \(fold + 1)" + (seeds > 1 ? " seed \(s + 1)" : ""), loaded, split(tr, te), seed: seed)
          }
        } else {
          let (tr, te) = try Splitter.split(ratings, .holdout(testFraction: testFraction), seed: seed)
          try measure("seed \(s + 1)", loaded, split(tr, te), seed: seed)
        }
      }
    }
    return all
  }

  /// `loader`, reading on the comparison's threads.
  private var loaderOnCompute: RatingDataLoader {
    var l = loader
    l.compute = compute
    return l
  }

  /// Each model's summary over `results`, in the order of `models`.
  public func summaries(_ results: [ModelMeasurement]) -> [ComparisonSummary] {
    models.map { entry in ComparisonSummary(model: entry.label, results: results.filter { $0.model == entry.label }) }
  }

  /// The per-run results as CSV, one line per model and run.
  public static func csv(_ results: [ModelMeasurement]) -> String {
    var lines = ["model,run,rmse,mae,fcp,precision_at_k,recall_at_k,ndcg_at_k,map_at_k,hit_rate,fit_seconds,predict_seconds,held_out_rmse,held_out_mae,held_out_ndcg_at_k,held_out_fcp,shrink_weight"]
    for r in results {
      let held = r.heldOutUsers.map { [String($0.rmse), String($0.mae), String($0.ranking.ndcg), $0.fcp.map { String($0) } ?? ""] } ?? ["", "", "", ""]
      lines.append(([CSVField.quoted(r.model), CSVField.quoted(r.run), String(r.rmse), String(r.mae), String(r.fcp),
                    String(r.ranking.precision), String(r.ranking.recall), String(r.ranking.ndcg), String(r.ranking.map),
                    String(r.ranking.hitRate), String(r.fitSeconds), String(r.predictSeconds)] + held
                    + [r.shrinkWeight.map { String($0) } ?? ""]).joined(separator: ","))
    }
    return lines.joined(separator: "\n") + "\n"
  }
}
