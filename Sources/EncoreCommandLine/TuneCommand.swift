import ArgumentParser
import Encore
import Foundation

struct TuneCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "tune",
    abstract: "Choose a model's settings by k-fold cross-validation on the training part only (surprise's GridSearchCV); optionally train the winner and score it on the test part once.",
    discussion: "The test part of the split (--split, --test-fraction, or --train/--test files) is never read while choosing. Example: encore tune --model i-autorec --grid \"lambda=50,100,200;hidden=300,500\" --data ml-100k --cv-folds 3")

  @Option(help: "The model to tune.")
  var model: String = "i-autorec"

  @Option(help: "Settings and their candidate values: \"lambda=50,100,200;hidden=300,500\" (encore train's option names without dashes; separate values that hold commas with |, e.g. \"layers=512,512|256,256\").")
  var grid: String

  @Option(parsing: .unconditional, help: "Cross-validation folds over the training part (--folds is the kfold split's).")
  var cvFolds: Int = 3

  @Option(parsing: .unconditional, help: "Random search: try this many combinations of the grid, drawn with --seed (default: all).")
  var trials: Int?

  @Option(help: "Random seed (split, folds, draws and every fit).")
  var seed: UInt64 = 42

  @Option(help: "Write the best settings as JSON to this file.")
  var out: String?

  @Option(help: "Train the winner on the whole training part, score it on the test part, and save it to this file.")
  var save: String?

  @Flag(help: "Print one JSON object instead of text.")
  var json = false

  @OptionGroup var dataOptions: DataOptions
  @OptionGroup var computeOptions: ComputeOptions

  struct Output: Encodable {
    var model: String
    var folds: Int
    var protocol_ = "k-fold cross-validation on the training part; the test part is not read while choosing"
    var n_train: Int
    var results: [TuningResult]
    var best: [String: String]
    var final_test_rmse: Double?
    var final_test_fcp: Double?
    enum CodingKeys: String, CodingKey {
      case model, folds, protocol_ = "protocol", n_train, results, best, final_test_rmse, final_test_fcp
    }
  }

  func run() throws {
    try EncoreCommand.guarded {
      let inputs = dataOptions.inputPaths
      if let out { try OutputPath.check(out, option: "out", inputs: inputs) }
      if let save { try OutputPath.check(save, option: "save", inputs: inputs + (out.map { [$0] } ?? [])) }
      let compute = try computeOptions.context()
      var tuning = Tuning(model: model, grid: try ParameterGrid(parsing: grid))
      _ = try ModelFamilies.defaults(named: model)
      tuning.folds = cvFolds
      tuning.trials = trials
      tuning.seed = seed
      tuning.validationFraction = dataOptions.validationFraction
      tuning.compute = compute
      var plan = try dataOptions.plan(seed: seed, compute: compute)
      plan.validationFraction = 0  // the folds are the validation
      let progress = ProgressReporter(totalEpochs: 1, quiet: json)
      let (data, split) = try plan.prepare()
      let results = try tuning.run(data: data, ratings: split.train, note: progress.note)
      let best = results[0]
      if let out {
        struct Best: Encodable { var model: String; var settings: [String: String]; var cross_validated_rmse: Double }
        try AtomicFile.write(try JSONOutput.encode(Best(model: model, settings: best.settings, cross_validated_rmse: best.rmse.mean)) + "\n", to: out)
      }
      var finalReport: TrainingReport? = nil
      if let save {
        var o = ModelOverrides()
        try o.set(best.settings.keys.sorted().map { "\($0)=\(best.settings[$0]!)" })
        let spec = try ModelFamilies.spec(named: model, overrides: o, seed: seed)
        var finalSplit = split
        if spec.settings.stopsOnValidation {
          (finalSplit.train, finalSplit.validation) = Splitter.carveValidation(split.train, fraction: dataOptions.validationFraction, seed: seed)
        }
        progress.note("training the winner on \(finalSplit.train.count) ratings")
        let (trained, report) = try ExperimentRun(spec: spec, compute: compute).run(data: data, split: finalSplit, keepHistory: false)
        try ModelFile.save(trained, to: save)
        finalReport = report
      }
      if json {
        print(try JSONOutput.encode(Output(
          model: model, folds: cvFolds, n_train: split.train.count, results: results, best: best.settings,
          final_test_rmse: finalReport?.testRMSE, final_test_fcp: finalReport?.testFCP)))
        return
      }
      let names = tuning.grid.axes.map(\.setting.rawValue)
      print("\(model): \(results.count) candidate(s), \(cvFolds)-fold cross-validation on \(split.train.count) training ratings (the test part is not read)")
      print("| " + names.joined(separator: " | ") + " | validation RMSE | fit s |")
      print("|" + String(repeating: "---|", count: names.count + 2))
      for r in results {
        print("| " + names.map { r.settings[$0] ?? "" }.joined(separator: " | ")
              + String(format: " | %.4f ± %.4f | %.1f |", r.rmse.mean, r.rmse.std, r.fitSeconds))
      }
      print("best: " + names.map { "\($0)=\(best.settings[$0] ?? "")" }.joined(separator: " "))
      if let out { print("wrote the best settings to \(out)") }
      if let finalReport, let save {
        print(String(format: "the winner on the test part: RMSE %.4f, FCP %@ (bias baseline %.4f); saved to %@", finalReport.testRMSE,
                     finalReport.testFCP.map { String(format: "%.4f", $0) } ?? "-", finalReport.baselineTestRMSE, save))
      }
    }
  }
}
