import ArgumentParser
import Encore
import Foundation

struct RecommendCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "recommend",
    abstract: "The top-k items a user has not rated, with titles and predicted ratings; for a new user, from a file of their ratings (fold-in, no retraining).")

  @Option(help: "A model saved by 'encore train --save'.")
  var model: String

  @Option(help: "A user ID from the training data. With --ratings: that user's new ratings are added to their training ratings.")
  var user: String?

  @Option(help: "A file of 'item,rating' lines (any delimiter the readers know; '-' reads standard input): fold the user in from these ratings.")
  var ratings: String?

  @Option(help: "Implicit models: a file of the items a user chose, one item ID a line (the first field of each line; '-' reads standard input): fold the user in from these items.")
  var items: String?

  @Option(name: .short, parsing: .unconditional, help: "How many items.")
  var k: Int = 10

  @Flag(help: "Print JSON instead of text.")
  var json = false

  @OptionGroup var computeOptions: ComputeOptions

  struct Report: Codable {
    var user: String?
    var model: String
    /// Present when the user was folded in.
    var folded_in_ratings: Int?
    var unknown_items: [String]?
    var fallback: Bool?
    var recommendations: [Recommendation]
  }

  func run() throws {
    try EncoreCommand.guarded {
      let compute = try computeOptions.context()
      guard k >= 1 else { throw EncoreError.invalidSetting("k", "must be at least 1") }
      if InteractionModelFile.isImplicit(model) {
        try ImplicitRecommendation(model: model, user: user, items: items, ratings: ratings, k: k, json: json).run(compute: compute)
        return
      }
      if items != nil {
        throw EncoreError.invalidArgument("--items folds a user in from the items they chose, for implicit models; \(model) learns from ratings: give --ratings FILE of item,rating lines")
      }
      let trained = try ModelFile.load(model)
      guard let ratings else {
        guard let user else { throw EncoreError.invalidArgument("say whom to recommend for: --user ID, --ratings FILE, or both") }
        let list = try trained.recommend(user: user, count: k, predictor: trained.predictor(compute: compute))
        if json {
          print(try JSONOutput.encode(Report(user: user, model: trained.name, recommendations: list)))
        } else {
          RecommendationTable.print(list, for: "user \(user)")
        }
        return
      }
      let file = try UserRatingsFile.read(ratings)
      let folder = trained.userFolder(compute: compute)
      let folded = try trained.foldIn(file, knownUser: user, folder: folder)
      if !file.entries.isEmpty && folded.unknownItems.count == file.entries.count && user == nil {
        throw EncoreError.invalidArgument(
          "\(file.source): none of the \(file.entries.count) rated items is known to the model (unknown: \(folded.unknownItems.prefix(10).joined(separator: ", "))\(folded.unknownItems.count > 10 ? ", …" : ""))")
      }
      let list = try trained.recommend(folded.profile, folder: folder, count: k, compute: compute)
      if json {
        print(try JSONOutput.encode(Report(
          user: user, model: trained.name, folded_in_ratings: folded.profile.ratings.count, unknown_items: folded.unknownItems,
          fallback: folded.profile.isFallback, recommendations: list)))
        return
      }
      let who = user.map { "user \($0) with \(file.entries.count) new rating(s)" } ?? "a new user (\(folded.profile.ratings.count) rating(s) from \(file.source))"
      if !folded.unknownItems.isEmpty {
        FileHandle.standardError.write(Data("note: \(folded.unknownItems.count) item(s) unknown to the model, not used: \(folded.unknownItems.prefix(20).joined(separator: ", "))\n".utf8))
      }
      if folded.profile.isFallback {
        FileHandle.standardError.write(Data("note: no rating of an item the model knows; these are the bias baseline's picks\n".utf8))
      }
      RecommendationTable.print(list, for: who)
    }
  }
}

enum RecommendationTable {
  static func print(_ list: [Recommendation], for label: String) {
    Swift.print("top \(list.count) for \(label):")
    for (rank, r) in list.enumerated() {
      let title = r.title ?? "item \(r.item)"
      Swift.print(String(format: "%3d. %.2f  %@  (item %@)", rank + 1, r.predictedRating, title, r.item))
    }
  }
}
