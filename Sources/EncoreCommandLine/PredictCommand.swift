import ArgumentParser
import Encore
import Foundation

struct PredictCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "predict",
    abstract: "Write user, item, prediction and actual rating for every line of a rating file (a prediction file, as seed 003 and DeepRecommender's infer.py write).")

  @Option(help: "A model saved by 'encore train --save'.") var model: String
  @Option(help: "Ratings to predict (any format 'encore train' reads, e.g. u1.test).") var pairs: String
  @Option(help: "The prediction file to write (tab-separated, atomically).") var out: String
  @Flag(help: "Write no header line (as DeepRecommender's infer.py, which seed 003 reads with header=None).")
  var noHeader = false
  @Flag(help: "Round each prediction to the nearest whole rating, halves to even (Python's round(), as seed 003 scores its file); the RMSE is then of the rounded predictions.")
  var round = false
  @Flag(help: "Print a JSON summary.") var json = false
  @OptionGroup var format: FileFormatOptions
  @OptionGroup var computeOptions: ComputeOptions

  func run() throws {
    try EncoreCommand.guarded {
      let compute = try computeOptions.context()
      try OutputPath.check(out, option: "out", inputs: [model, pairs])
      let trained = try ModelFile.load(model)
      var users = trained.users, items = trained.items
      var loader = RatingDataLoader(duplicates: .keepLast, compute: compute)
      try format.apply(to: &loader)
      let ratings = try loader.readFile(pairs, users: &users, items: &items)
      if ratings.skippedLines.count > 0 { FileHandle.standardError.write(Data("note: \(ratings.skippedLines.note)\n".utf8)) }
      var (predicted, unseen) = trained.predictor(compute: compute).predict(ratings)
      if round { predicted = predicted.map { $0.rounded(.toNearestOrEven) } }
      var text = noHeader ? "" : "user\titem\tprediction\tactual\n"
      for k in 0..<ratings.count {
        let value = round ? DatasetInfo.label(predicted[k]) : String(format: "%.4f", predicted[k])
        text += "\(users.rawIDs[Int(ratings.users[k])])\t\(items.rawIDs[Int(ratings.items[k])])\t\(value)\t\(DatasetInfo.label(ratings.values[k]))\n"
      }
      try AtomicFile.write(text, to: out)
      let rmse = Metrics.rmse(predicted: predicted, actual: ratings.values)
      let fcp = try? RankingMetrics.fcp(users: ratings.users, predicted: predicted, actual: ratings.values)
      if json {
        struct Summary: Codable { var out: String; var n: Int; var n_unseen: Int; var rmse: Double; var mae: Double; var fcp: Double?; var rounded: Bool; var n_skipped_lines: Int }
        print(try JSONOutput.encode(Summary(
          out: out, n: ratings.count, n_unseen: unseen, rmse: rmse, mae: Metrics.mae(predicted: predicted, actual: ratings.values), fcp: fcp, rounded: round, n_skipped_lines: ratings.skippedLines.count)))
      } else {
        print("wrote \(ratings.count) predictions to \(out) (RMSE \(String(format: "%.4f", rmse))\(round ? " of the rounded predictions" : ""), FCP \(fcp.map { String(format: "%.4f", $0) } ?? "-"); \(unseen) for unseen users/items from the baseline)")
      }
    }
  }
}
