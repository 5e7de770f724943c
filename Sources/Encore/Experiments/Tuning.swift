/// Settings to search: each setting with its candidate values, as `encore tune --grid`
/// writes them ("lambda=50,100,200;hidden=300,500"; values that hold commas, such as layers,
/// are separated by "|": "layers=512,512|256,256").
public struct ParameterGrid: Sendable {
  public var axes: [(setting: ModelSetting, values: [String])]

  public init(parsing text: String) throws {
    axes = []
    for part in text.split(separator: ";").map({ $0.trimmingCharacters(in: .whitespaces) }) where !part.isEmpty {
      let pieces = part.split(separator: "=", maxSplits: 1).map(String.init)
      guard pieces.count == 2, let setting = ModelSetting(rawValue: pieces[0].trimmingCharacters(in: .whitespaces)) else {
        throw EncoreError.invalidArgument(
          "--grid part '\(part)' is not SETTING=VALUE,VALUE,...; settings are: \(ModelSetting.allCases.map(\.rawValue).joined(separator: ", "))")
      }
      let separator: Character = pieces[1].contains("|") ? "|" : ","
      let values = pieces[1].split(separator: separator).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
      guard !values.isEmpty else { throw EncoreError.invalidArgument("--grid gives '\(setting.rawValue)' no values") }
      guard !axes.contains(where: { $0.setting == setting }) else { throw EncoreError.invalidArgument("--grid names '\(setting.rawValue)' twice") }
      // Each value must mean something to the setting before any training starts.
      for v in values {
        var probe = ModelOverrides()
        try probe.set(setting, text: v)
      }
      axes.append((setting, values))
    }
    guard !axes.isEmpty else { throw EncoreError.invalidArgument("--grid names no setting, e.g. \"lambda=50,100,200;hidden=300,500\"") }
  }

  /// Every combination, the first axis varying slowest.
  public var combinations: [[(ModelSetting, String)]] {
    var result: [[(ModelSetting, String)]] = [[]]
    for axis in axes {
      result = result.flatMap { prefix in axis.values.map { prefix + [(axis.setting, $0)] } }
    }
    return result
  }
}

/// One candidate's cross-validated score.
public struct TuningResult: Codable, Sendable {
  /// The settings it was given, as text (`hidden` → "500").
  public var settings: [String: String]
  /// Validation RMSE over the folds.
  public var rmse: MeanDeviation
  public var foldRMSEs: [Double]
  public var fitSeconds: Double

  enum CodingKeys: String, CodingKey { case settings, rmse, foldRMSEs = "fold_rmse", fitSeconds = "fit_seconds" }
}

/// Honest tuning, as surprise's GridSearchCV: every candidate is scored by k-fold
/// cross-validation on the ratings it is given (a training part), so the test part chooses
/// nothing. Networks carve their early-stopping part out of each fold's training side.
public struct Tuning: Sendable {
  public var model: String
  public var grid: ParameterGrid
  public var folds = 3
  /// Random search: this many combinations drawn without replacement (nil: all of them).
  public var trials: Int? = nil
  public var seed: UInt64 = 42
  public var validationFraction = DataPlan.defaultValidationFraction
  public var compute: ComputeContext = .automatic

  public init(model: String, grid: ParameterGrid) {
    self.model = model
    self.grid = grid
  }

  /// The candidates this search visits, in order.
  public func candidates() -> [[(ModelSetting, String)]] {
    var all = grid.combinations
    if let trials, trials < all.count {
      var rng = SeededGenerator(seed: seed, stream: 91)
      rng.shuffle(&all)
      all = Array(all.prefix(trials))
    }
    return all
  }

  /// Scores every candidate on `ratings` (with `data`'s maps); best (lowest RMSE) first.
  public func run(data: RatingData, ratings: RatingSet, note: (String) -> Void = { _ in }) throws -> [TuningResult] {
    guard folds >= 2 else { throw EncoreError.invalidSetting("folds", "must be at least 2") }
    if let trials { guard trials >= 1 else { throw EncoreError.invalidSetting("trials", "must be at least 1") } }
    let chosen = candidates()
    // Check every candidate's settings before the first fit.
    let specs = try chosen.map { candidate -> ModelSpec in
      var o = ModelOverrides()
      for (setting, value) in candidate { try o.set(setting, text: value) }
      return try ModelFamilies.spec(named: model, overrides: o, seed: seed)
    }
    let parts = try (0..<folds).map { try Splitter.split(ratings, .kFold(folds: folds, fold: $0), seed: seed) }
    var results: [TuningResult] = []
    for (c, (candidate, spec)) in zip(chosen, specs).enumerated() {
      let label = candidate.map { "\($0.0.rawValue)=\($0.1)" }.joined(separator: " ")
      note("candidate \(c + 1)/\(chosen.count): \(label)")
      var rmses: [Double] = [], seconds = 0.0
      for (fit, held) in parts {
        var split = DataSplit(train: fit, validation: RatingSet(), test: held, description: "tuning fold")
        if spec.settings.stopsOnValidation {
          (split.train, split.validation) = Splitter.carveValidation(fit, fraction: validationFraction, seed: seed)
        }
        let (_, report) = try ExperimentRun(spec: spec, compute: compute).run(data: data, split: split, keepHistory: false)
        rmses.append(report.testRMSE)
        seconds += report.fitSeconds
      }
      results.append(TuningResult(
        settings: Dictionary(uniqueKeysWithValues: candidate.map { ($0.0.rawValue, $0.1) }), rmse: MeanDeviation(rmses),
        foldRMSEs: rmses, fitSeconds: seconds))
    }
    return results.enumerated().sorted { $0.element.rmse.mean != $1.element.rmse.mean ? $0.element.rmse.mean < $1.element.rmse.mean : $0.offset < $1.offset }
      .map(\.element)
  }
}
