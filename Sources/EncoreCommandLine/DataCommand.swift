import ArgumentParser
import Encore
import Foundation

struct DataCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "data", abstract: "Make and inspect rating data.", subcommands: [SynthCommand.self, InfoCommand.self])
}

struct SynthCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "synth", abstract: "Write a realistic synthetic ratings.csv (latent tastes, skewed popularity and activity).")

  @Option(help: "Output file (MovieLens ratings.csv layout).")
  var out: String

  @Option(parsing: .unconditional, help: "Number of users.") var users: Int = 943
  @Option(parsing: .unconditional, help: "Number of items.") var items: Int = 1682
  @Option(parsing: .unconditional, help: "Number of ratings.") var ratings: Int = 100_000
  @Option(help: "Rating scale as MIN-MAX, e.g. 1-5 or 0.5-5.") var scale: String = "1-5"
  @Option(parsing: .unconditional, help: "Step between ratings (1, or 0.5 for half stars).") var step: Float = 1
  @Option(help: "Random seed.") var seed: UInt64 = 7
  @Option(help: "Preset shape: ml-100k or ml-20m (overrides users, items, ratings, scale and step).")
  var like: String?
  @Flag(help: "Print a JSON summary.") var json = false

  func run() throws {
    try EncoreCommand.guarded {
      var shape: SyntheticRatings.Shape
      switch like {
      case nil:
        let parts = scale.split(separator: "-").compactMap { Float($0) }
        guard parts.count == 2, parts[0] < parts[1], step > 0 else {
          throw EncoreError.invalidArgument("--scale takes MIN-MAX such as 1-5, and --step must be positive")
        }
        guard users > 0, items > 1, ratings > 0, ratings <= users * (items / 2) else {
          throw EncoreError.invalidArgument("need users > 0, items > 1 and at most users × items / 2 ratings")
        }
        shape = .init(users: users, items: items, ratings: ratings, minimum: parts[0], maximum: parts[1], step: step, seed: seed)
      case "ml-100k": shape = .demo
      case "ml-20m": shape = .movieLens20M
      default: throw EncoreError.invalidArgument("--like must be ml-100k or ml-20m")
      }
      shape.seed = seed
      let start = Platform.now()
      let data = SyntheticRatings(shape: shape).generate()
      try SyntheticRatings.writeCSV(data, to: out)
      let seconds = Platform.now() - start
      if json {
        struct Summary: Codable { var file: String; var users: Int; var items: Int; var ratings: Int; var seconds: Double }
        print(try JSONOutput.encode(Summary(file: out, users: shape.users, items: shape.items, ratings: data.ratings.count, seconds: seconds)))
      } else {
        print("wrote \(data.ratings.count) ratings of \(shape.users) users on \(shape.items) items to \(out) in \(String(format: "%.1f", seconds))s")
      }
    }
  }
}

struct InfoCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "info", abstract: "Counts, density, rating histogram and time range of a rating file or folder.")

  @Argument(help: "A rating file or a MovieLens/Netflix folder.")
  var path: String

  @Option(help: "What to do when a file rates the same user and item twice: error, keep-last or mean.")
  var duplicates: DuplicatePolicy = .error

  @Flag(help: "Print one JSON object instead of text.")
  var json = false

  @OptionGroup var computeOptions: ComputeOptions

  func run() throws {
    try EncoreCommand.guarded {
      let start = Platform.now()
      let data = try RatingDataLoader(duplicates: duplicates, compute: try computeOptions.context()).load(path)
      let info = DatasetInfo(data, seconds: Platform.now() - start)
      if json {
        print(try JSONOutput.encode(info))
      } else {
        print(info.text)
      }
    }
  }
}
