import ArgumentParser
import Encore
import Foundation

struct CompareCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "compare",
    abstract: "Train and measure several models on identical splits; print mean ± std of RMSE, MAE, FCP, P@K, R@K, NDCG@K and times.")

  @Option(help: "Comma-separated models (\(ModelKind.allCases.map(\.rawValue).joined(separator: ", "))).")
  var models: String = "baseline,svd,svdpp,i-autorec,u-autorec,deep-ae"

  @Option(help: "A rating file or folder, split by --folds (k-fold) or --seeds (random 90/10 holdouts).")
  var data: String?

  @Option(help: "Comma-separated training files, paired with --test (e.g. the five MovieLens u1..u5.base).")
  var train: String?

  @Option(help: "Comma-separated test files, one per --train file.")
  var test: String?

  @Option(help: "k-fold cross-validation over --data with this many folds.")
  var folds: Int?

  @Option(help: "Number of seeds: random holdouts of --data (or model seeds for --train/--test).")
  var seeds: Int = 1

  @Option(name: .customLong("k"), help: "K of the ranking metrics.") var k: Int = 10
  @Option(help: "A test rating at or above this is relevant.") var threshold: Double = 3.5
  @Flag(help: "Print one JSON object (summary and every run).") var json = false
  @Option(help: "Also write the per-run results as CSV to this file.") var csv: String?
  @Option(help: "Also write a chart of each model's RMSE (mean ± std) to this SVG file.") var plot: String?

  struct Output: Encodable {
    var models: [String]
    var ranking_protocol = "test-items (surprise's precision/recall convention)"
    var k: Int
    var threshold: Double
    var summary: [ComparisonSummary]
    var runs: [ModelMeasurement]
  }

  func run() throws {
    try EncoreCommand.guarded {
      let kinds = try models.split(separator: ",").map { name -> ModelKind in
        let trimmed = name.trimmingCharacters(in: .whitespaces)
        guard let kind = ModelKind(rawValue: trimmed) else {
          throw EncoreError.invalidArgument("unknown model '\(trimmed)'; choose from \(ModelKind.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return kind
      }
      guard seeds >= 1, k >= 1 else { throw EncoreError.invalidArgument("--seeds and --k must be at least 1") }
      let progress = ProgressReporter(totalEpochs: 1, quiet: json)
      var all: [ModelMeasurement] = []
      func measure(_ label: String, _ data: RatingData, _ split: DataSplit, seed: UInt64) throws {
        var comparison = Comparison(models: kinds)
        comparison.k = k
        comparison.threshold = threshold
        comparison.seed = seed
        progress.note("run \(label): \(split.train.count) training and \(split.test.count) test ratings")
        all += try comparison.run(label: label, data: data, split: split)
      }
      if let train, let test {
        let trains = train.split(separator: ",").map(String.init), tests = test.split(separator: ",").map(String.init)
        guard trains.count == tests.count else { throw EncoreError.invalidArgument("--train and --test need the same number of files") }
        for (trainFile, testFile) in zip(trains, tests) {
          let (data, testSet) = try RatingDataLoader().load(train: trainFile, test: testFile)
          let split = DataSplit(train: data.ratings, validation: RatingSet(), test: testSet, description: "explicit")
          for s in 0..<seeds {
            try measure((trainFile as NSString).lastPathComponent + (seeds > 1 ? " seed \(s + 1)" : ""), data, split, seed: UInt64(42 + s))
          }
        }
      } else if let data {
        let loaded = try RatingDataLoader().load(data)
        for s in 0..<seeds {
          let seed = UInt64(42 + s)
          if let folds {
            for fold in 0..<folds {
              let (tr, te) = try Splitter.split(loaded.ratings, .kFold(folds: folds, fold: fold), seed: seed)
              try measure("fold \(fold + 1)" + (seeds > 1 ? " seed \(s + 1)" : ""), loaded, DataSplit(train: tr, validation: RatingSet(), test: te, description: ""), seed: seed)
            }
          } else {
            let (tr, te) = try Splitter.split(loaded.ratings, .holdout(testFraction: 0.1), seed: seed)
            try measure("seed \(s + 1)", loaded, DataSplit(train: tr, validation: RatingSet(), test: te, description: ""), seed: seed)
          }
        }
      } else {
        throw EncoreError.invalidArgument("say where the ratings are: --data PATH [--folds K], or --train FILES --test FILES")
      }
      let summary = kinds.map { kind in ComparisonSummary(model: kind.rawValue, results: all.filter { $0.model == kind.rawValue }) }
      if let plot {
        try AtomicFile.write(SVGChart.comparison(summary, title: "Test RMSE over \(Set(all.map(\.run)).count) run(s)"), to: plot)
      }
      if let csv {
        var lines = ["model,run,rmse,mae,fcp,precision_at_k,recall_at_k,ndcg_at_k,map_at_k,hit_rate,fit_seconds,predict_seconds"]
        for r in all {
          lines.append([r.model, r.run.replacingOccurrences(of: ",", with: ";"), String(r.rmse), String(r.mae), String(r.fcp),
                        String(r.ranking.precision), String(r.ranking.recall), String(r.ranking.ndcg), String(r.ranking.map),
                        String(r.ranking.hitRate), String(r.fitSeconds), String(r.predictSeconds)].joined(separator: ","))
        }
        try AtomicFile.write(lines.joined(separator: "\n") + "\n", to: csv)
      }
      if json {
        print(try JSONOutput.encode(Output(models: kinds.map(\.rawValue), k: k, threshold: threshold, summary: summary, runs: all)))
      } else {
        let runs = Set(all.map(\.run)).count
        print("\(runs) run(s); ranking metrics rank each user's test items (surprise's convention), K = \(k), relevant ≥ \(threshold)")
        print("| model | RMSE | MAE | FCP | P@\(k) | R@\(k) | NDCG@\(k) | fit s | predict s |")
        print("|---|---|---|---|---|---|---|---|---|")
        func cell(_ m: MeanDeviation, _ digits: Int = 4) -> String {
          runs > 1 ? String(format: "%.\(digits)f ± %.\(digits)f", m.mean, m.std) : String(format: "%.\(digits)f", m.mean)
        }
        for s in summary {
          print("| \(s.model) | \(cell(s.rmse)) | \(cell(s.mae)) | \(cell(s.fcp)) | \(cell(s.precision)) | \(cell(s.recall)) | \(cell(s.ndcg)) | \(cell(s.fitSeconds, 3)) | \(cell(s.predictSeconds, 3)) |")
        }
      }
    }
  }
}
