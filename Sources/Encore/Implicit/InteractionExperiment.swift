import Foundation

/// One implicit-feedback run: train a family on a split's training users, choose what its
/// settings leave open on the validation users, and score the test users.
public struct InteractionExperiment: Sendable {
  public var settings: any InteractionModelSettings
  public var compute: ComputeContext

  public init(settings: any InteractionModelSettings, compute: ComputeContext) {
    self.settings = settings
    self.compute = compute
  }

  /// Trains and scores. `users` and `items` are the maps the split's indices refer to.
  public func run(
    split: InteractionSplit, users: IDMap, items: IDMap, titles: [Int32: String] = [:], source: String, positiveRule: String,
    progress: @escaping @Sendable (String) -> Void = { _ in }
  ) throws -> (model: TrainedInteractionModel, report: InteractionReport) {
    guard split.train.nonzeroCount > 0 else { throw EncoreError.invalidArgument("the split's training users have no interactions") }
    let start = Date()
    let job = InteractionTrainingJob(
      train: split.train, validation: split.validation.count > 0 ? split.validation : nil, compute: compute, progress: progress)
    let outcome = try settings.train(job)
    let seconds = Date().timeIntervalSince(start)
    let evaluator = TopKEvaluator(compute: compute)
    let test = evaluator.evaluate(outcome.model, on: split.test)
    var modelTitles: [String: String] = [:]
    for item in split.items { if let t = titles[item] { modelTitles[items.rawIDs[Int(item)]] = t } }
    let trained = TrainedInteractionModel(
      model: outcome.model, itemIDs: split.items.map { items.rawIDs[Int($0)] }, userIDs: split.trainUsers.map { users.rawIDs[Int($0)] },
      interactions: split.train, titles: modelTitles, positiveRule: positiveRule)
    let report = InteractionReport(
      model: settings.name, feedback: Feedback.implicit.rawValue, data: source, positiveRule: positiveRule,
      protocolDescription: split.protocolDescription, trainUsers: split.train.rowCount, items: split.itemCount,
      trainInteractions: split.train.nonzeroCount, validationUsers: split.validation.count, testUsers: split.test.count,
      settings: outcome.model.settings.summary, candidates: outcome.candidates.map { .init(setting: $0.label, validationNDCG100: $0.validation) },
      validationNDCG100: outcome.validation, test: test, trainSeconds: seconds)
    return (trained, report)
  }
}

/// What an implicit run reports (`train --json` prints it).
public struct InteractionReport: Codable, Sendable {
  public struct Candidate: Codable, Sendable {
    public var setting: String
    public var validationNDCG100: Double
    enum CodingKeys: String, CodingKey { case setting, validationNDCG100 = "validation_ndcg@100" }
  }
  public var model: String
  public var feedback: String
  public var data: String
  public var positiveRule: String
  public var protocolDescription: String
  public var trainUsers: Int
  public var items: Int
  public var trainInteractions: Int
  public var validationUsers: Int
  public var testUsers: Int
  /// The settings the model was trained with, λ chosen included.
  public var settings: String
  public var candidates: [Candidate]
  public var validationNDCG100: Double?
  public var test: TopKReport
  public var trainSeconds: Double

  enum CodingKeys: String, CodingKey {
    case model, feedback, data, positiveRule = "positive_rule", protocolDescription = "protocol", trainUsers = "n_train_users"
    case items = "n_items", trainInteractions = "n_train_interactions", validationUsers = "n_validation_users", testUsers = "n_test_users"
    case settings, candidates, validationNDCG100 = "validation_ndcg@100", test, trainSeconds = "train_seconds"
  }
}

/// A trained implicit model with what recommending from it needs: the items' raw IDs (one per
/// model column), the training users' IDs and items (so a known user's items are excluded),
/// and titles.
public struct TrainedInteractionModel: Sendable {
  public var model: any InteractionModel
  public var itemIDs: [String]
  public var userIDs: [String]
  /// Training users × model items.
  public var interactions: SparseMatrix
  public var titles: [String: String]
  public var positiveRule: String

  public init(model: any InteractionModel, itemIDs: [String], userIDs: [String], interactions: SparseMatrix, titles: [String: String], positiveRule: String) {
    self.model = model
    self.itemIDs = itemIDs
    self.userIDs = userIDs
    self.interactions = interactions
    self.titles = titles
    self.positiveRule = positiveRule
  }

  /// The top `count` items for a user who chose `items` (raw IDs; unknown ones are returned
  /// apart), never one of `items` itself: a fold-in, identical to scoring a held-out user.
  public func recommend(forItems items: [String], count: Int, compute: ComputeContext = .serial) throws -> (recommendations: [(item: String, title: String?, score: Float)], unknown: [String]) {
    guard count >= 1 else { throw EncoreError.invalidSetting("k", "must be at least 1") }
    var column: [String: Int32] = [:]
    for (c, id) in itemIDs.enumerated() { column[id] = Int32(c) }
    var known: [Int32] = [], unknown: [String] = []
    for id in items {
      if let c = column[id] { known.append(c) } else { unknown.append(id) }
    }
    let row = SparseMatrix(binaryRows: [Array(Set(known))], columnCount: itemIDs.count)
    var scores = [Float](repeating: 0, count: itemIDs.count)
    scores.withUnsafeMutableBufferPointer { model.score(row, rows: 0..<1, into: $0.baseAddress!, compute: compute) }
    for c in known { scores[Int(c)] = -.infinity }
    let top = scores.withUnsafeBufferPointer { TopK.indices(of: $0, k: count) }.filter { scores[$0] > -.infinity }
    return (top.map { (itemIDs[$0], titles[itemIDs[$0]], scores[$0]) }, unknown)
  }

  /// The items of training user `user` (raw ID), or nil for an unknown user.
  public func items(ofUser user: String) -> [String]? {
    guard let r = userIDs.firstIndex(of: user) else { return nil }
    return interactions.row(r).map { itemIDs[Int($0)] }
  }
}
