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

  @Option(help: "Test pairs of users or items without training ratings: baseline (predicted by the bias baseline and counted) or drop (left out).")
  var unseen: UnseenPolicy = .baseline

  @OptionGroup var format: FileFormatOptions
  @OptionGroup var computeOptions: ComputeOptions

  struct Report: Codable {
    var model: String
    var data: String
    var split = "explicit test file"
    var unseen: UnseenPolicy
    var n_test: Int
    var n_test_unseen: Int
    var n_test_scored: Int
    var test_rmse: Double
    var test_mae: Double
    var test_fcp: Double?
    var test_rmse_seen: Double?
    var test_mae_seen: Double?
    var predict_seconds: Double
    var n_skipped_lines = 0

    /// Every key is always present (null when it does not apply).
    func encode(to encoder: Encoder) throws {
      var c = encoder.container(keyedBy: CodingKeys.self)
      try c.encode(model, forKey: .model)
      try c.encode(data, forKey: .data)
      try c.encode(split, forKey: .split)
      try c.encode(unseen, forKey: .unseen)
      try c.encode(n_test, forKey: .n_test)
      try c.encode(n_test_unseen, forKey: .n_test_unseen)
      try c.encode(n_test_scored, forKey: .n_test_scored)
      try c.encode(test_rmse, forKey: .test_rmse)
      try c.encode(test_mae, forKey: .test_mae)
      try c.encode(test_fcp, forKey: .test_fcp)
      try c.encode(test_rmse_seen, forKey: .test_rmse_seen)
      try c.encode(test_mae_seen, forKey: .test_mae_seen)
      try c.encode(predict_seconds, forKey: .predict_seconds)
      try c.encode(n_skipped_lines, forKey: .n_skipped_lines)
    }
  }

  func run() throws {
    try EncoreCommand.guarded {
      let compute = try computeOptions.context()
      let trained = try ModelFile.load(model)
      var users = trained.users, items = trained.items
      var loader = RatingDataLoader(duplicates: duplicates, compute: compute)
      try format.apply(to: &loader)
      // A rating far off the model's scale (beyond one scale width) means a wrong column or a
      // wrong file: refused by line. One just outside it is possible (the scale is the
      // training part's range) and gets a note.
      let (low, high) = (trained.scale.minimum, trained.scale.maximum)
      let width = max(high - low, 1)
      loader.acceptedRatings = (low - width)...(high + width)
      let ratings = try loader.readFile(test, users: &users, items: &items)
      if ratings.skippedLines.count > 0 { FileHandle.standardError.write(Data("note: \(ratings.skippedLines.note)\n".utf8)) }
      let outside = ratings.values.filter { $0 < low || $0 > high }
      if !outside.isEmpty {
        FileHandle.standardError.write(Data(
          "note: \(outside.count) test rating(s) lie outside the model's scale \(low)–\(high) (e.g. \(outside[0])); predictions stay inside it\n".utf8))
      }
      let start = Platform.now()
      let scores = trained.scores(ratings, policy: unseen, compute: compute)
      var report = Report(
        model: trained.name, data: test, unseen: unseen, n_test: ratings.count, n_test_unseen: scores.unseen,
        n_test_scored: scores.scored, test_rmse: scores.rmse, test_mae: scores.mae, test_fcp: scores.fcp,
        test_rmse_seen: scores.rmseSeen, test_mae_seen: scores.maeSeen, predict_seconds: Platform.now() - start)
      report.n_skipped_lines = ratings.skippedLines.count
      if json {
        print(try JSONOutput.encode(report))
      } else {
        let fate = unseen == .drop ? "left out (--unseen drop)" : "predicted by the bias baseline"
        print("model       \(model) (\(trained.name))")
        print("ratings     \(ratings.count) (\(scores.unseen) of unseen users/items, \(fate))")
        print(String(format: "test RMSE   %.4f", scores.rmse))
        print(String(format: "test MAE    %.4f", scores.mae))
        if let fcp = scores.fcp { print(String(format: "test FCP    %.4f", fcp)) }
        if scores.unseen > 0, unseen == .baseline, let seen = scores.rmseSeen {
          print(String(format: "seen pairs  RMSE %.4f over the %d ratings of known users and items", seen, scores.count - scores.unseen))
        }
      }
    }
  }
}
