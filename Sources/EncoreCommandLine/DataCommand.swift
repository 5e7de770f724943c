import ArgumentParser
import Encore
import Foundation

struct DataCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "data", abstract: "Make and inspect rating data.", subcommands: [SynthCommand.self, InfoCommand.self, SplitDataCommand.self])
}

/// The file layouts `data synth` writes.
enum SynthLayout: String, ExpressibleByArgument, CaseIterable {
  case csv, netflix
  /// user,item pairs: implicit feedback.
  case pairs
}

struct SynthCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "synth", abstract: "Write a realistic synthetic ratings.csv (latent tastes, skewed popularity and activity).")

  @Option(help: "Output file (MovieLens ratings.csv layout), or folder with --layout netflix.")
  var out: String

  @Option(help: "csv (MovieLens ratings.csv), netflix (the Netflix Prize's training_set/mv_*.txt folder) or pairs (userId,movieId: implicit feedback, each rating an interaction).")
  var layout: SynthLayout = .csv

  @Option(parsing: .unconditional, help: "Number of users.") var users: Int = 943
  @Option(parsing: .unconditional, help: "Number of items.") var items: Int = 1682
  @Option(parsing: .unconditional, help: "Number of ratings.") var ratings: Int = 100_000
  @Option(help: "Rating scale as MIN-MAX, e.g. 1-5 or 0.5-5.") var scale: String = "1-5"
  @Option(parsing: .unconditional, help: "Step between ratings (1, or 0.5 for half stars).") var step: Float = 1
  @Option(help: "Random seed.") var seed: UInt64 = 7
  @Option(help: "Preset shape: ml-100k, ml-20m, netflix, or ml-20m-implicit (136,677 users × 20,108 items, 10M interactions, as pairs) (overrides users, items, ratings, scale and step).")
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
      case "netflix": shape = .netflix
      case "ml-20m-implicit": shape = .movieLens20MImplicit
      default: throw EncoreError.invalidArgument("--like must be ml-100k, ml-20m, netflix or ml-20m-implicit")
      }
      shape.seed = seed
      let start = Platform.now()
      let data = SyntheticRatings(shape: shape).generate()
      switch like == "ml-20m-implicit" ? .pairs : layout {
      case .csv: try SyntheticRatings.writeCSV(data, to: out)
      case .pairs: try SyntheticRatings.writeCSV(data, to: out, pairs: true)
      case .netflix: try SyntheticRatings.writeNetflix(data, toFolder: out)
      }
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
    commandName: "info", abstract: "Counts, density, rating histogram, time range and per-user and per-item activity of a rating file or folder.")

  @Argument(help: "A rating file or a MovieLens/Netflix/KMRD/DeepRecommender folder.")
  var path: String

  @Option(help: "What to do when a file rates the same user and item twice: error, keep-last or mean.")
  var duplicates: DuplicatePolicy = .error

  @OptionGroup var format: FileFormatOptions
  @OptionGroup var filters: DataFilterOptions

  @Option(parsing: .unconditional, help: "How many of the most active users and items to list.")
  var top: Int = 10

  @Option(help: "Write every user's rating count and mean to this CSV file (user,count,mean_rating).")
  var usersCsv: String?

  @Option(help: "Write every item's rating count, mean and title to this CSV file (item,count,mean_rating[,title]).")
  var itemsCsv: String?

  @Flag(help: "Print one JSON object instead of text.")
  var json = false

  @OptionGroup var computeOptions: ComputeOptions

  func run() throws {
    try EncoreCommand.guarded {
      guard top >= 0 else { throw EncoreError.invalidArgument("--top must not be negative") }
      if let usersCsv { try OutputPath.check(usersCsv, option: "users-csv", inputs: [path]) }
      if let itemsCsv { try OutputPath.check(itemsCsv, option: "items-csv", inputs: [path] + (usersCsv.map { [$0] } ?? [])) }
      let start = Platform.now()
      var loader = RatingDataLoader(duplicates: duplicates, compute: try computeOptions.context())
      try format.apply(to: &loader)
      try filters.apply(to: &loader)
      let data = try loader.load(path)
      let info = DatasetInfo(data, seconds: Platform.now() - start, top: top)
      if let usersCsv { try AtomicFile.write(info.userActivity.csv(idHeader: "user"), to: usersCsv) }
      if let itemsCsv { try AtomicFile.write(info.itemActivity.csv(idHeader: "item"), to: itemsCsv) }
      if json {
        print(try JSONOutput.encode(info))
      } else {
        print(info.text)
      }
    }
  }
}

struct SplitDataCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "split",
    abstract: "Split ratings as 'encore train' would (same options and seed) and write the parts as CSV files.",
    discussion: "Seed 004 saves its split with pandas' to_csv; this writes the same parts (userId,movieId,rating[,timestamp]) so that other tools, or 'encore train --train --test', see exactly the split Encore trains on.")

  @OptionGroup var dataOptions: DataOptions

  @Option(help: "Random seed of the split (the same as 'encore train --seed').")
  var seed: UInt64 = 42

  @Option(help: "Write the training part here.")
  var outTrain: String

  @Option(help: "Write the test part here.")
  var outTest: String

  @Option(help: "Write the validation part here (only then is --validation-fraction carved out of training; otherwise it stays in it).")
  var outValidation: String?

  @Flag(help: "Print one JSON object instead of text.")
  var json = false

  @OptionGroup var computeOptions: ComputeOptions

  func run() throws {
    try EncoreCommand.guarded {
      guard dataOptions.split != .users else {
        throw EncoreError.invalidArgument("--split users holds whole users out for fold-in, which 'data split' does not write; use holdout, kfold or temporal")
      }
      let inputs = dataOptions.inputPaths
      try OutputPath.check(outTrain, option: "out-train", inputs: inputs)
      try OutputPath.check(outTest, option: "out-test", inputs: inputs + [outTrain])
      if let outValidation { try OutputPath.check(outValidation, option: "out-validation", inputs: inputs + [outTrain, outTest]) }
      var plan = try dataOptions.plan(seed: seed, compute: try computeOptions.context())
      if outValidation == nil { plan.validationFraction = 0 }
      let (data, split) = try plan.prepare()
      try RatingFileWriter.writeCSV(split.train, users: data.users, items: data.items, to: outTrain)
      try RatingFileWriter.writeCSV(split.test, users: data.users, items: data.items, to: outTest)
      if let outValidation {
        try RatingFileWriter.writeCSV(split.validation, users: data.users, items: data.items, to: outValidation)
      }
      struct Summary: Codable {
        var data: String, split: String, n_train: Int, n_validation: Int, n_test: Int, n_skipped_lines: Int
        var out_train: String, out_validation: String?, out_test: String
      }
      let summary = Summary(
        data: data.sourceDescription, split: split.description, n_train: split.train.count, n_validation: split.validation.count,
        n_test: split.test.count, n_skipped_lines: data.ratings.skippedLines.count, out_train: outTrain,
        out_validation: outValidation, out_test: outTest)
      if json {
        print(try JSONOutput.encode(summary))
      } else {
        if data.ratings.skippedLines.count > 0 { print("note: \(data.ratings.skippedLines.note)") }
        print("\(data.sourceDescription), split \(split.description)")
        print("wrote \(split.train.count) training ratings to \(outTrain)")
        if let outValidation { print("wrote \(split.validation.count) validation ratings to \(outValidation)") }
        print("wrote \(split.test.count) test ratings to \(outTest)")
      }
    }
  }
}
