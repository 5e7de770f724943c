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
  @Flag(help: "Print a JSON summary.") var json = false
  @OptionGroup var computeOptions: ComputeOptions

  func run() throws {
    try EncoreCommand.guarded {
      let compute = try computeOptions.context()
      try OutputPath.check(out, option: "out", inputs: [model, pairs])
      let trained = try ModelFile.load(model)
      var users = trained.users, items = trained.items
      let ratings = try RatingDataLoader(duplicates: .keepLast, compute: compute).readFile(pairs, users: &users, items: &items)
      let (predicted, unseen) = trained.predictor(compute: compute).predict(ratings)
      var text = "user\titem\tprediction\tactual\n"
      for k in 0..<ratings.count {
        text += "\(users.rawIDs[Int(ratings.users[k])])\t\(items.rawIDs[Int(ratings.items[k])])\t\(String(format: "%.4f", predicted[k]))\t\(DatasetInfo.label(ratings.values[k]))\n"
      }
      try AtomicFile.write(text, to: out)
      let rmse = Metrics.rmse(predicted: predicted, actual: ratings.values)
      if json {
        struct Summary: Codable { var out: String; var n: Int; var n_unseen: Int; var rmse: Double }
        print(try JSONOutput.encode(Summary(out: out, n: ratings.count, n_unseen: unseen, rmse: rmse)))
      } else {
        print("wrote \(ratings.count) predictions to \(out) (RMSE \(String(format: "%.4f", rmse)); \(unseen) for unseen users/items from the baseline)")
      }
    }
  }
}
