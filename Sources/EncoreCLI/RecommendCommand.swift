import ArgumentParser
import Encore
import Foundation

struct RecommendCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "recommend", abstract: "The top-k items a user has not rated, with titles and predicted ratings.")

  @Option(help: "A model saved by 'encore train --save'.")
  var model: String

  @Option(help: "The user's ID, as in the rating file.")
  var user: String

  @Option(name: .short, help: "How many items.")
  var k: Int = 10

  @Flag(help: "Print JSON instead of text.")
  var json = false

  @OptionGroup var computeOptions: ComputeOptions

  struct Report: Codable {
    var user: String
    var model: String
    var recommendations: [Recommendation]
  }

  func run() throws {
    try EncoreCommand.guarded {
      let trained = try ModelFile.load(model)
      let list = try trained.recommend(user: user, count: k, predictor: trained.predictor(compute: try computeOptions.context()))
      if json {
        print(try JSONOutput.encode(Report(user: user, model: trained.name, recommendations: list)))
      } else {
        RecommendationTable.print(list, user: user)
      }
    }
  }
}

enum RecommendationTable {
  static func print(_ list: [Recommendation], user: String) {
    Swift.print("top \(list.count) for user \(user):")
    for (rank, r) in list.enumerated() {
      let title = r.title ?? "item \(r.item)"
      Swift.print(String(format: "%3d. %.2f  %@  (item %@)", rank + 1, r.predictedRating, title, r.item))
    }
  }
}
