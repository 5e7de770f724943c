import ArgumentParser
import Encore
import Foundation

struct DemoCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "demo",
    abstract: "Train I-AutoRec on built-in synthetic data (or --data), compare with a bias baseline, and recommend.")

  @Option(help: "Use this rating file or MovieLens folder instead of the built-in synthetic set.")
  var data: String?

  @Option(parsing: .unconditional, help: "Maximum epochs (early stopping usually ends sooner).") var epochs: Int = 400
  @Option(help: "Random seed.") var seed: UInt64 = 42
  @Flag(help: "Print one JSON object instead of text.") var json = false
  @OptionGroup var computeOptions: ComputeOptions

  /// The training report's keys plus the sample user's recommendations, in one flat object.
  struct Report: Encodable {
    var training: TrainingReport
    var sampleUser: String
    var recommendations: [Recommendation]

    enum Extra: String, CodingKey { case sample_user, recommendations }

    func encode(to encoder: Encoder) throws {
      try training.encode(to: encoder)
      var c = encoder.container(keyedBy: Extra.self)
      try c.encode(sampleUser, forKey: .sample_user)
      try c.encode(recommendations, forKey: .recommendations)
    }
  }

  func run() throws {
    try EncoreCommand.guarded {
      var plan = DataPlan(source: data.map { .path($0) } ?? .synthetic(.demo))
      plan.seed = seed
      let compute = try computeOptions.context()
      plan.loader.compute = compute
      var overrides = ModelOverrides()
      overrides.epochs = epochs
      let experiment = ExperimentRun(spec: try ModelFamilies.spec(named: "i-autorec", overrides: overrides, seed: seed), compute: compute)
      let progress = ProgressReporter(totalEpochs: epochs, quiet: false)
      progress.note("loading \(data ?? "the built-in synthetic ratings (MovieLens-100K's shape)")")
      let (loaded, split) = try plan.prepare()
      progress.note("training I-AutoRec (500 hidden units) on \(split.train.count) ratings")
      let (model, report) = try experiment.run(data: loaded, split: split, keepHistory: false, progress: progress.epoch)
      progress.finish()
      // The sample user: the first user with the median number of training ratings.
      let counts = (0..<model.rated.rowCount).map { model.rated.rowLength($0) }
      let sorted = counts.enumerated().filter { $0.element > 0 }.sorted { $0.element != $1.element ? $0.element < $1.element : $0.offset < $1.offset }
      let sample = model.users.rawIDs[sorted[sorted.count / 2].offset]
      let list = try model.recommend(user: sample, count: 10, predictor: model.predictor(compute: compute))
      if json {
        print(try JSONOutput.encode(Report(training: report, sampleUser: sample, recommendations: list)))
      } else {
        TextReport.print(report, savedTo: nil)
        let change = (1 - report.testRMSE / report.baselineTestRMSE) * 100
        print(String(format: "\nI-AutoRec test RMSE %.4f vs bias baseline %.4f (%.1f%% %@)\n", report.testRMSE, report.baselineTestRMSE,
                     abs(change), change >= 0 ? "lower" : "higher: the baseline wins on this data"))
        RecommendationTable.print(list, for: "user \(sample)")
      }
    }
  }
}
