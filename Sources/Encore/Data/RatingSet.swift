/// A list of explicit ratings as parallel arrays of dense user and item indices (see `IDMap`),
/// rating values and optional timestamps (seconds since 1970). Splits are subsets of one set.
public struct RatingSet: Sendable, Equatable {
  public var users: [Int32]
  public var items: [Int32]
  public var values: [Float]
  /// Seconds since 1970, one per rating, or empty when the source had no timestamps.
  public var timestamps: [Int64]
  /// Lines a lenient read (`--drop-invalid`) skipped as not ratings; none otherwise.
  public var skippedLines = SkippedLines()
  /// Whether the set came from a file of `user,item` pairs (implicit feedback, every value 1)
  /// rather than ratings; see `Feedback`.
  public var isPairs = false

  public init(users: [Int32] = [], items: [Int32] = [], values: [Float] = [], timestamps: [Int64] = [], isPairs: Bool = false) {
    precondition(users.count == items.count && items.count == values.count)
    precondition(timestamps.isEmpty || timestamps.count == values.count)
    self.users = users
    self.items = items
    self.values = values
    self.timestamps = timestamps
    self.isPairs = isPairs
  }

  public var count: Int { values.count }
  public var isEmpty: Bool { values.isEmpty }
  public var hasTimestamps: Bool { !timestamps.isEmpty }

  /// The ratings at `indices`, in that order.
  public func subset(_ indices: [Int]) -> RatingSet {
    RatingSet(
      users: indices.map { users[$0] }, items: indices.map { items[$0] },
      values: indices.map { values[$0] },
      timestamps: hasTimestamps ? indices.map { timestamps[$0] } : [], isPairs: isPairs)
  }

  /// Appends one rating.
  public mutating func append(user: Int32, item: Int32, value: Float, timestamp: Int64? = nil) {
    users.append(user)
    items.append(item)
    values.append(value)
    if let timestamp { timestamps.append(timestamp) }
  }

  /// Appends every rating of `other` (timestamps kept only when both sets have them).
  public mutating func append(_ other: RatingSet) {
    let pairs = isEmpty ? other.isPairs : isPairs && other.isPairs
    let keepTimes = hasTimestamps && other.hasTimestamps
    users += other.users
    items += other.items
    values += other.values
    if keepTimes { timestamps += other.timestamps } else { timestamps = [] }
    skippedLines.add(other.skippedLines)
    isPairs = pairs
  }

  /// Mean rating (0 when empty).
  public var mean: Double {
    guard !values.isEmpty else { return 0 }
    var s = 0.0
    for v in values { s += Double(v) }
    return s / Double(values.count)
  }
}

/// The lines of rating files that were skipped as invalid (`--drop-invalid`): how many, and
/// the first few as "file:line: reason", so that dropping is counted and shown, never silent.
public struct SkippedLines: Codable, Sendable, Equatable {
  /// How many examples are kept.
  public static let exampleLimit = 5
  public var count = 0
  public var examples: [String] = []
  public init() {}

  /// Adds `other`'s count and examples (up to the limit).
  public mutating func add(_ other: SkippedLines) {
    count += other.count
    examples += other.examples.prefix(max(0, Self.exampleLimit - examples.count))
  }

  /// "skipped 3 invalid lines; the first: f.csv:2: ..." (empty when none were).
  public var note: String {
    count == 0 ? "" : "skipped \(count) invalid line\(count == 1 ? "" : "s") (--drop-invalid); the first: \(examples.first ?? "")"
  }
}

/// Ratings with the ID maps that give their indices meaning, and item titles where known.
public struct RatingData: Sendable {
  public var ratings: RatingSet
  public var users: IDMap
  public var items: IDMap
  /// Item titles by item index, where the source had them.
  public var titles: [Int32: String]
  /// What the data came from, for reports ("MovieLens-100K u1.base", "synthetic", …).
  public var sourceDescription: String

  /// Frees the ratings once a split holds what training needs (2 GB at the Netflix Prize's
  /// size), keeping the count of skipped lines for the report.
  public mutating func releaseRatings() {
    var empty = RatingSet()
    empty.skippedLines = ratings.skippedLines
    ratings = empty
  }

  public init(ratings: RatingSet, users: IDMap, items: IDMap, titles: [Int32: String] = [:], sourceDescription: String) {
    self.ratings = ratings
    self.users = users
    self.items = items
    self.titles = titles
    self.sourceDescription = sourceDescription
  }
}

/// The smallest and largest rating, used to clip predictions.
public struct RatingScale: Codable, Sendable, Equatable {
  public var minimum: Float
  public var maximum: Float
  public init(minimum: Float, maximum: Float) {
    self.minimum = minimum
    self.maximum = maximum
  }
  /// The scale spanned by `values`.
  public init(of values: [Float]) {
    var lo = Float.infinity, hi = -Float.infinity
    for v in values {
      lo = min(lo, v)
      hi = max(hi, v)
    }
    self.init(minimum: lo.isFinite ? lo : 0, maximum: hi.isFinite ? hi : 1)
  }
  @inline(__always) public func clip(_ x: Float) -> Float { min(max(x, minimum), maximum) }
}
