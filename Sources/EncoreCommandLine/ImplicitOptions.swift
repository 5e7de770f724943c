import ArgumentParser
import Encore
import Foundation

/// What turns data into implicit feedback and how whole users are held out; shared by the
/// commands that train implicit models (`train`, `compare`).
struct ImplicitOptions: ParsableArguments {
  @Option(parsing: .unconditional, help: "Implicit models: ratings above this count as interactions (Liang et al. keep MovieLens ratings above 3.5). Not needed for a file of user,item pairs.")
  var positiveThreshold: Float?

  @Option(parsing: .unconditional, help: "Implicit models, strong generalisation: users held out as test users (default: 10% of the users, at most 10,000, as vae_cf holds out on ML-20M).")
  var testUsers: Int?

  @Option(parsing: .unconditional, help: "Implicit models, strong generalisation: users held out as validation users, on whom settings are chosen (default: as many as --test-users).")
  var validationUsers: Int?

  @Option(parsing: .unconditional, help: "Implicit models: users with fewer interactions are left out before the split (vae_cf's min_uc).")
  var minUserItems: Int = 5

  @Option(help: "Implicit models: score a split made elsewhere, a folder of train.csv, validation_tr.csv, validation_te.csv, test_tr.csv and test_te.csv (user,item pairs, vae_cf's layout), instead of splitting --data.")
  var splitFolder: String?

  @Option(help: "Implicit models: also write the split into this folder in that layout, for other tools to score (benchmarks/implicit_reference.py).")
  var writeSplit: String?

  /// Whether any of these options was given (explicit models refuse them).
  var isGiven: Bool { positiveThreshold != nil || testUsers != nil || validationUsers != nil || splitFolder != nil || writeSplit != nil || minUserItems != 5 }

  /// The name of the first option given, for an explicit model's refusal.
  var firstGiven: String? {
    if positiveThreshold != nil { return "--positive-threshold" }
    if testUsers != nil { return "--test-users" }
    if validationUsers != nil { return "--validation-users" }
    if splitFolder != nil { return "--split-folder" }
    if writeSplit != nil { return "--write-split" }
    return minUserItems != 5 ? "--min-user-items" : nil
  }

  /// The split of `dataOptions`' data (or of `splitFolder`), with the maps its indices use.
  func split(_ dataOptions: DataOptions, seed: UInt64, compute: ComputeContext) throws
    -> (split: InteractionSplit, users: IDMap, items: IDMap, titles: [Int32: String], source: String, positiveRule: String)
  {
    let loader = try dataOptions.loader(compute: compute)
    if let splitFolder {
      guard dataOptions.data == nil && dataOptions.train == nil && dataOptions.test == nil else {
        throw EncoreError.invalidArgument("give either --split-folder or --data, not both")
      }
      if let positiveThreshold {
        throw EncoreError.invalidArgument("--positive-threshold \(positiveThreshold) applies to rating files; --split-folder holds user,item pairs")
      }
      let read = try SplitFiles.read(splitFolder, loader: loader)
      return (read.split, read.users, read.items, [:], (splitFolder as NSString).lastPathComponent, "user,item pairs")
    }
    guard dataOptions.train == nil && dataOptions.test == nil else {
      throw EncoreError.invalidArgument("implicit models hold out whole users (strong generalisation): give --data, or a split made elsewhere with --split-folder, not --train/--test")
    }
    guard let path = dataOptions.data else {
      throw EncoreError.invalidArgument("say where the interactions are: --data PATH (user,item pairs, or ratings with --positive-threshold), or --split-folder DIR")
    }
    guard dataOptions.split == .holdout || dataOptions.split == .users else {
      throw EncoreError.invalidArgument("implicit models are scored by strong generalisation (whole users held out); --split \(dataOptions.split.rawValue) is for explicit ratings")
    }
    let ratings = try loader.load(path)
    let data = try InteractionData(ratings, positiveThreshold: positiveThreshold)
    guard minUserItems >= 1 else { throw EncoreError.invalidSetting("min-user-items", "must be at least 1") }
    let eligible = (0..<data.matrix.rowCount).filter { data.matrix.rowLength($0) >= minUserItems }.count
    let test = testUsers ?? max(1, min(10_000, eligible / 10))
    var protocolSettings = StrongGeneralisation(validationUsers: validationUsers ?? test, testUsers: test, seed: seed)
    protocolSettings.minimumUserItems = minUserItems
    let split = try protocolSettings.split(data)
    if let writeSplit { try SplitFiles.write(split, users: data.users, items: data.items, to: writeSplit) }
    return (split, data.users, data.items, data.titles, data.sourceDescription, data.positiveRule)
  }
}

/// `encore train` for an implicit model: split, train, choose on validation users, score the
/// test users, and report.
enum ImplicitTraining {
  static func run(model name: String, modelOptions: ModelOptions, dataOptions: DataOptions, implicit: ImplicitOptions,
                  compute: ComputeContext, save: String?, json: Bool) throws {
    let settings = try ModelFamilies.implicitSettings(named: name, overrides: modelOptions.overrides(), seed: modelOptions.seed)
    if let save { try OutputPath.check(save, option: "save", inputs: dataOptions.inputPaths + [implicit.splitFolder].compactMap { $0 }) }
    let progress = ProgressReporter(totalEpochs: 1, quiet: false)
    progress.note("loading data")
    let prepared = try implicit.split(dataOptions, seed: modelOptions.seed, compute: compute)
    progress.note("training \(name) on \(prepared.split.train.nonzeroCount) interactions (\(prepared.split.train.rowCount) users, \(prepared.split.itemCount) items)")
    let experiment = InteractionExperiment(settings: settings, compute: compute)
    let (trained, report) = try experiment.run(
      split: prepared.split, users: prepared.users, items: prepared.items, titles: prepared.titles, source: prepared.source,
      positiveRule: prepared.positiveRule, progress: { [reporter = UncheckedSendable(progress)] line in reporter.value.note(line) })
    if let save { try InteractionModelFile.save(trained, to: save) }
    if json {
      print(try JSONOutput.encode(report))
      return
    }
    print("model        \(report.model) (\(report.settings))")
    print("data         \(report.data): \(report.positiveRule)")
    print("protocol     \(report.protocolDescription)")
    print("training     \(report.trainInteractions) interactions of \(report.trainUsers) users on \(report.items) items")
    if let v = report.validationNDCG100 { print(String(format: "validation   NDCG@100 %.4f", v)) }
    for f in report.test.figures {
      print(String(format: "test %-17@ %.4f ± %.4f", f.metric, f.mean, f.standardError))
    }
    print("test users   \(report.test.usersScored) scored, \(report.test.usersWithoutTargets) without targets (too few items to hold any out)")
    print(String(format: "trained in   %.2f s", report.trainSeconds))
    if let save { print("saved        \(save)") }
  }
}
