import ArgumentParser
import Encore
import Foundation

struct EvaluateCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "evaluate", abstract: "Measure a saved model's RMSE and MAE on a rating file.")

  @Option(help: "A model saved by 'encore train --save'.")
  var model: String

  @Option(help: "Ratings to predict (any format 'encore train' reads).")
  var test: String

  @Option(help: "What to do when the file rates the same user and item twice: error, keep-last or mean.")
  var duplicates: DuplicatePolicy = .error

  @Flag(help: "Print one JSON object instead of text.")
  var json = false

  @OptionGroup var computeOptions: ComputeOptions

  struct Report: Codable {
    var model: String
    var data: String
    var split = "explicit test file"
    var n_test: Int
    var n_test_unseen: Int
    var test_rmse: Double
    var test_mae: Double
    var predict_seconds: Double
  }

  func run() throws {
    try EncoreCommand.guarded {
      let compute = try computeOptions.context()
      let trained = try ModelFile.load(model)
      var users = trained.users, items = trained.items
      var loader = RatingDataLoader(duplicates: duplicates, compute: compute)
      // A rating far off the model's scale (beyond one scale width) means a wrong column or a
      // wrong file: refused by line. One just outside it is possible (the scale is the
      // training part's range) and gets a note.
      let (low, high) = (trained.scale.minimum, trained.scale.maximum)
      let width = max(high - low, 1)
      loader.acceptedRatings = (low - width)...(high + width)
      let ratings = try loader.readFile(test, users: &users, items: &items)
      let outside = ratings.values.filter { $0 < low || $0 > high }
      if !outside.isEmpty {
        FileHandle.standardError.write(Data(
          "note: \(outside.count) test rating(s) lie outside the model's scale \(low)–\(high) (e.g. \(outside[0])); predictions stay inside it\n".utf8))
      }
      let start = Platform.now()
      let result = trained.evaluate(ratings, compute: compute)
      let report = Report(
        model: trained.name, data: test, n_test: ratings.count, n_test_unseen: result.unseen,
        test_rmse: result.rmse, test_mae: result.mae, predict_seconds: Platform.now() - start)
      if json {
        print(try JSONOutput.encode(report))
      } else {
        print("model       \(model) (\(trained.name))")
        print("ratings     \(ratings.count) (\(result.unseen) of unseen users/items, predicted by the bias baseline)")
        print(String(format: "test RMSE   %.4f", result.rmse))
        print(String(format: "test MAE    %.4f", result.mae))
      }
    }
  }
}
