import ArgumentParser
import Encore
import Foundation

struct CompareCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "compare",
    abstract: "Train and measure several models on identical splits; print mean ± std of RMSE, MAE, FCP, P@K, R@K, NDCG@K and times.")

  @Option(help: ArgumentHelp(
    "Comma-separated models (\(ModelFamilies.modelNames.joined(separator: ", "))), each optionally with :NAME=VALUE settings of 'encore train', e.g. \"baseline,svd:factors=50,deep-ae:preset=seed-003:epochs=40\".",
    discussion: "A setting is an 'encore train' option without its dashes; a flag alone is on (constrained) and no-NAME is off. A variant's label is its text, so two settings of one model compare side by side."))
  var models: String = "baseline,svd,svdpp,i-autorec,u-autorec,deep-ae"

  @Option(help: "A rating file or folder, split by --folds (k-fold) or --seeds (random holdouts of --test-fraction).")
  var data: String?

  @Option(parsing: .unconditional, help: "With --data and no --folds: fraction of ratings in each random holdout's test part (seed 003 uses 0.3).")
  var testFraction: Double?

  @Option(parsing: .unconditional, help: "Fraction of each split's training ratings held out to stop the networks early (0: train every epoch on all of them and keep the last).")
  var validationFraction: Double = DataPlan.defaultValidationFraction

  @Option(help: "What to do when a file rates the same user and item twice: error, keep-last or mean.")
  var duplicates: DuplicatePolicy = .error

  @OptionGroup var format: FileFormatOptions
  @OptionGroup var filters: DataFilterOptions

  @Option(help: "Comma-separated training files, paired with --test (e.g. the five MovieLens u1..u5.base).")
  var train: String?

  @Option(help: "Comma-separated test files, one per --train file.")
  var test: String?

  @Option(parsing: .unconditional, help: "k-fold cross-validation over --data with this many folds.")
  var folds: Int?

  @Option(parsing: .unconditional, help: "With --data: also hold this fraction of users out of training, fold them in and report their RMSE (strong generalisation).")
  var heldOutUsers: Double?

  @Option(parsing: .unconditional, help: "With --held-out-users: fraction of each held-out user's ratings folded in (the rest is scored).")
  var foldInFraction: Double = 0.8

  @Flag(help: "With --held-out-users: put the fold-in ratings into training instead (the retrain comparison).")
  var trainOnFoldIn = false

  @Option(parsing: .unconditional, help: "Number of seeds: random holdouts of --data (or model seeds for --train/--test).")
  var seeds: Int = 1

  @Option(name: .customLong("k"), parsing: .unconditional, help: "K of the ranking metrics.") var k: Int = 10
  @Option(parsing: .unconditional, help: "A test rating at or above this is relevant.") var threshold: Double = 3.5
  @Option(help: "Test pairs of users or items without training ratings: baseline (predicted by the bias baseline and counted) or drop (left out of every figure).")
  var unseen: UnseenPolicy = .baseline
  @Flag(help: "Also blend the compared models: a row 'blend' whose members are all of them, weighted by ridge regression on each split's validation part (the members are trained again for it).")
  var blend = false
  @Flag(help: "With --blend: once the weights are fitted, train the blend's members again on training + validation ratings (encore train --model blend --refit).")
  var blendRefit = false
  @Option(parsing: .unconditional, help: "With --blend: fit the weights on K-fold out-of-fold predictions of every training rating (stacking), then train the members on every rating (encore train --model blend --stack-folds K).")
  var blendStackFolds: Int?
  @Flag(help: "With --blend: let the blend's weights vary with the user's and item's numbers of training ratings (encore train --model blend --support-weighted).")
  var blendSupportWeighted = false
  @Flag(help: "Print one JSON object (summary and every run).") var json = false
  @Option(help: "Also write the per-run results as CSV to this file.") var csv: String?
  @Option(help: "Also write a chart of each model's RMSE (mean ± std) to this SVG file.") var plot: String?
  @OptionGroup var computeOptions: ComputeOptions

  struct Output: Encodable {
    var models: [String]
    var ranking_protocol = "test-items (surprise's precision/recall convention)"
    var k: Int
    var threshold: Double
    var unseen: UnseenPolicy
    var summary: [ComparisonSummary]
    var runs: [ModelMeasurement]
  }

  func run() throws {
    try EncoreCommand.guarded {
      let inputs = [data].compactMap { $0 } + (train ?? "").split(separator: ",").map(String.init) + (test ?? "").split(separator: ",").map(String.init)
      if let csv { try OutputPath.check(csv, option: "csv", inputs: inputs) }
      if let plot { try OutputPath.check(plot, option: "plot", inputs: inputs + (csv.map { [$0] } ?? [])) }
      var comparison = try Comparison(modelList: models)
      if blendRefit && !blend { throw EncoreError.invalidArgument("--blend-refit needs --blend") }
      if blendStackFolds != nil && !blend { throw EncoreError.invalidArgument("--blend-stack-folds needs --blend") }
      if blendSupportWeighted && !blend { throw EncoreError.invalidArgument("--blend-support-weighted needs --blend") }
      if blend { try comparison.addBlend(refit: blendRefit, stackFolds: blendStackFolds ?? 0, supportWeighted: blendSupportWeighted) }
      if let testFraction {
        guard testFraction > 0 && testFraction < 1 else { throw EncoreError.invalidArgument("--test-fraction must be in (0, 1)") }
        guard data != nil && folds == nil else {
          throw EncoreError.invalidArgument("--test-fraction sizes the random holdouts of --data; it does not apply to --folds or to --train/--test files")
        }
        comparison.testFraction = testFraction
      }
      guard validationFraction >= 0 && validationFraction < 1 else { throw EncoreError.invalidArgument("--validation-fraction must be in [0, 1)") }
      comparison.validationFraction = validationFraction
      comparison.loader = RatingDataLoader(duplicates: duplicates)
      try format.apply(to: &comparison.loader)
      try filters.apply(to: &comparison.loader)
      comparison.ratingScale = try filters.scale()
      comparison.k = k
      comparison.threshold = threshold
      comparison.unseenPolicy = unseen
      comparison.compute = try computeOptions.context()
      if let heldOutUsers {
        comparison.userHoldout = UserHoldout(fraction: heldOutUsers, foldInFraction: foldInFraction, trainOnFoldIn: trainOnFoldIn)
      }
      let progress = ProgressReporter(totalEpochs: 1, quiet: json)
      let source: Comparison.Source
      if let train, let test {
        let trains = train.split(separator: ",").map(String.init), tests = test.split(separator: ",").map(String.init)
        guard trains.count == tests.count else { throw EncoreError.invalidArgument("--train and --test need the same number of files") }
        source = .files(Array(zip(trains, tests)).map { (train: $0.0, test: $0.1) })
      } else if let data {
        source = .data(data, folds: folds)
      } else {
        throw EncoreError.invalidArgument("say where the ratings are: --data PATH [--folds K], or --train FILES --test FILES")
      }
      let all = try comparison.runAll(source, seeds: seeds, note: progress.note)
      let summary = comparison.summaries(all)
      if let plot {
        try AtomicFile.write(SVGChart.comparison(summary, title: "Test RMSE over \(Set(all.map(\.run)).count) run(s)"), to: plot)
      }
      if let csv {
        try AtomicFile.write(Comparison.csv(all), to: csv)
      }
      if json {
        print(try JSONOutput.encode(Output(models: comparison.models.map(\.label), k: k, threshold: threshold, unseen: unseen, summary: summary, runs: all)))
      } else {
        let runs = Set(all.map(\.run)).count
        print("\(runs) run(s); ranking metrics rank each user's test items (surprise's convention), K = \(k), relevant ≥ \(threshold)"
              + (unseen == .drop ? "; test pairs of unseen users or items left out" : ""))
        let held = summary.contains { $0.heldOutRMSE != nil }
        let shrunk = summary.contains { $0.shrinkWeight != nil }
        let mode = trainOnFoldIn ? "retrain" : "fold-in"
        print("| model | RMSE | MAE | FCP | P@\(k) | R@\(k) | NDCG@\(k) | fit s | predict s |"
              + (held ? " held-out users' RMSE (\(mode)) | held-out FCP |" : "") + (shrunk ? " shrink w |" : ""))
        print("|---|---|---|---|---|---|---|---|---|" + (held ? "---|---|" : "") + (shrunk ? "---|" : ""))
        func cell(_ m: MeanDeviation, _ digits: Int = 4) -> String {
          runs > 1 ? String(format: "%.\(digits)f ± %.\(digits)f", m.mean, m.std) : String(format: "%.\(digits)f", m.mean)
        }
        for s in summary {
          print("| \(s.model) | \(cell(s.rmse)) | \(cell(s.mae)) | \(cell(s.fcp)) | \(cell(s.precision)) | \(cell(s.recall)) | \(cell(s.ndcg)) | \(cell(s.fitSeconds, 3)) | \(cell(s.predictSeconds, 3)) |" + (s.heldOutRMSE.map { " \(cell($0)) | \(s.heldOutFCP.map { cell($0) } ?? "-") |" } ?? "")
                + (shrunk ? " \(s.shrinkWeight.map { cell($0, 3) } ?? "-") |" : ""))
        }
      }
    }
  }
}
