/// Most-popular: every user gets the items most training users chose, in that order. The
/// floor every implicit model must clear, and what a user without history is shown.
public struct MostPopularSettings: InteractionModelSettings, Equatable {
  public static let family = "most-popular"
  public static let modelNames = ["most-popular"]
  public static func defaults(named name: String) -> MostPopularSettings? { name == "most-popular" ? MostPopularSettings() : nil }
  public static let acceptedSettings: Set<ModelSetting> = []

  public init() {}
  public var name: String { "most-popular" }
  public var summary: String { "items ranked by training users' count" }
  public func applying(_ overrides: ModelOverrides) throws -> MostPopularSettings { self }
  public func validate() throws {}

  public func train(_ job: InteractionTrainingJob) throws -> InteractionTrainingOutcome {
    var counts = [Float](repeating: 0, count: job.train.columnCount)
    for i in job.train.columns { counts[Int(i)] += 1 }
    let model = MostPopularModel(counts: counts)
    return InteractionTrainingOutcome(model: model, validation: job.validationScore(model))
  }

  public func loadModel(_ stored: StoredInteractionModel) throws -> any InteractionModel {
    MostPopularModel(counts: try stored.floats("popularity.counts", count: stored.itemCount))
  }
}

/// The trained most-popular model: each item's number of training users.
struct MostPopularModel: InteractionModel {
  let counts: [Float]
  var settings: any InteractionModelSettings { MostPopularSettings() }
  var itemCount: Int { counts.count }

  func score(_ input: SparseMatrix, rows: Range<Int>, into scores: UnsafeMutablePointer<Float>, compute: ComputeContext) {
    for j in 0..<rows.count {
      (scores + j * counts.count).update(from: counts, count: counts.count)
    }
  }

  var namedParameters: [NamedTensor] { [NamedTensor("popularity.counts", shape: [counts.count], values: counts)] }
}
