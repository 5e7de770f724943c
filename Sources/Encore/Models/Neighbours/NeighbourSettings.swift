import Foundation

/// The neighbourhood family: surprise's KNNBasic, KNNWithMeans and KNNBaseline, user- or
/// item-based, with its similarity measures and defaults (k = 40, min_k = 1, msd,
/// user-based, shrinkage 100, min_support 1).
public struct NeighbourSettings: ModelSettings, Equatable {
  /// How a prediction combines the neighbours' ratings.
  public enum Kind: String, Codable, CaseIterable, Sendable {
    /// Σ sim·r / Σ sim (KNNBasic).
    case basic = "knn-basic"
    /// μ_x + Σ sim·(r − μ_x') / Σ sim (KNNWithMeans).
    case means = "knn-means"
    /// b_ui + Σ sim·(r − b_x'y) / Σ sim (KNNBaseline).
    case baseline = "knn-baseline"
  }

  public var kind: Kind
  public var similarity = SimilarityMeasure.msd
  /// Neighbours are users (surprise's default) or items.
  public var userBased = true
  /// At most this many neighbours (surprise's k).
  public var neighbours = 40
  /// Fewer neighbours than this: no neighbourhood term (surprise's min_k).
  public var minNeighbours = 1
  public var shrinkage: Float = 100
  public var minSupport = 1
  public var seed: UInt64 = 42

  public init(kind: Kind) { self.kind = kind }

  public static let family = "neighbours"
  public static let modelNames = Kind.allCases.map(\.rawValue)
  public static func defaults(named name: String) -> NeighbourSettings? { Kind(rawValue: name).map { NeighbourSettings(kind: $0) } }
  public static let acceptedSettings: Set<ModelSetting> = [.neighbours, .minNeighbours, .similarity, .itemBased, .shrinkage, .minSupport]
  public static func legacySettings(kind: String, description: Data) -> NeighbourSettings? { nil }

  public var name: String { kind.rawValue }
  public var stopsOnValidation: Bool { false }
  public var maxEpochs: Int { 1 }
  public var storesItemRows: Bool { false }
  public var summary: SettingsSummary { SettingsSummary() }

  public func applying(_ o: ModelOverrides) throws -> NeighbourSettings {
    var s = self
    if let v = o.neighbours { s.neighbours = v }
    if let v = o.minNeighbours { s.minNeighbours = v }
    if let v = o.similarity { s.similarity = v }
    if let v = o.itemBased { s.userBased = !v }
    if let v = o.shrinkage { s.shrinkage = v }
    if let v = o.minSupport { s.minSupport = v }
    return s
  }

  public func validate() throws {
    try SettingCheck.atLeast(neighbours, 1, .neighbours)
    try SettingCheck.atLeast(minNeighbours, 1, .minNeighbours)
    try SettingCheck.atLeast(minSupport, 1, .minSupport)
    try SettingCheck.nonNegative(shrinkage, .shrinkage)
  }

  /// The x × x similarity matrix, stored whole.
  public func parameterCount(users: Int, items: Int) -> Double {
    let n = Double(userBased ? users : items)
    return n * n
  }

  /// The most users or items a similarity matrix is built for (n² floats: 1.6 GB here).
  public static let maximumRows = 20_000

  public func train(_ job: TrainingJob) throws -> TrainingOutcome {
    let n = userBased ? job.userCount : job.itemCount
    guard n <= Self.maximumRows else {
      throw EncoreError.invalidSetting(
        "item-based", "a \(userBased ? "user" : "item")-based \(name) needs a \(n) × \(n) similarity matrix (\(String(format: "%.1f", Double(n) * Double(n) * 4 / 1e9)) GB); it is built for at most \(Self.maximumRows) \(userBased ? "users" : "items"): try \(userBased ? "--item-based" : "another model")")
    }
    let byX = SparseMatrix(job.train, userCount: job.userCount, itemCount: job.itemCount, itemsAsRows: !userBased)
    let byY = SparseMatrix(job.train, userCount: job.userCount, itemCount: job.itemCount, itemsAsRows: userBased)
    let rowFor = SimilarityRow(
      measure: similarity, byY: byY, minSupport: minSupport, shrinkage: shrinkage, globalMean: job.baseline.globalMean,
      xBias: userBased ? job.baseline.userBias : job.baseline.itemBias, yBias: userBased ? job.baseline.itemBias : job.baseline.userBias)
    let similarities = StableBuffer<Float>(zeros: n * n)
    let box = UncheckedSendable(similarities.pointer)
    job.compute.forRanges(n, grain: 8) { lo, hi in
      let scratch = SimilarityRow.Scratch(n)
      for x in lo..<hi {
        let range = byX.rowStart[x]..<byX.rowStart[x + 1]
        rowFor.compute(
          ys: byX.columns[range], values: byX.values[range], ownBias: rowFor.xBias[x], own: x, scratch: scratch,
          into: box.value + x * n)
      }
    }
    return TrainingOutcome(model: NeighbourModel(settings: self, similarities: similarities.array, size: n))
  }

  public func loadModel(_ stored: StoredModel) throws -> any RatingModel {
    let n = userBased ? stored.userCount : stored.itemCount
    return NeighbourModel(settings: self, similarities: try stored.floats("knn.similarity", count: n * n), size: n)
  }
}
