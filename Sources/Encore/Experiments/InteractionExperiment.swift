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
