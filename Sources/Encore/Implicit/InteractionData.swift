import Foundation

/// Implicit feedback: which items each user chose, as a users × items matrix of ones.
///
/// It comes from a file of `user,item` pairs, or from ratings through a positive threshold
/// (Liang et al. 2018 keep MovieLens ratings above 3.5). The ID maps are the loader's, so a
/// row or column index means the same user or item as in the ratings it came from.
public struct InteractionData: Sendable {
  /// Users × items; each stored value is 1.
  public var matrix: SparseMatrix
  public var users: IDMap
  public var items: IDMap
  public var titles: [Int32: String]
  /// What the data came from, for reports.
  public var sourceDescription: String
  /// Which lines became interactions: "user,item pairs" or "ratings > 3.5".
  public var positiveRule: String

  public init(matrix: SparseMatrix, users: IDMap, items: IDMap, titles: [Int32: String] = [:], sourceDescription: String, positiveRule: String) {
    self.matrix = matrix
    self.users = users
    self.items = items
    self.titles = titles
    self.sourceDescription = sourceDescription
    self.positiveRule = positiveRule
  }

  /// The interactions of `data`: every pair of a pairs file, or the ratings above
  /// `positiveThreshold` of a rating file. A rating file without a threshold is refused (which
  /// ratings count as a choice is the user's decision), and so is a threshold on pairs.
  public init(_ data: RatingData, positiveThreshold: Float?) throws {
    let ratings = data.ratings
    var keep: [Int] = []
    let rule: String
    if ratings.isPairs {
      if let positiveThreshold {
        throw EncoreError.invalidArgument(
          "--positive-threshold \(DatasetInfo.label(positiveThreshold)) applies to rating files; \(data.sourceDescription) holds user,item pairs, every one an interaction")
      }
      keep = Array(0..<ratings.count)
      rule = "user,item pairs"
    } else {
      guard let threshold = positiveThreshold else {
        let scale = RatingScale(of: ratings.values)
        throw EncoreError.invalidArgument(
          "\(data.sourceDescription) holds ratings (\(DatasetInfo.label(scale.minimum))–\(DatasetInfo.label(scale.maximum))), and an implicit-feedback model learns from interactions: say which ratings count as one with --positive-threshold T (ratings above T are kept; Liang et al. use 3.5 on MovieLens), or give a file of user,item pairs")
      }
      guard threshold.isFinite else { throw EncoreError.invalidSetting("positive-threshold", "must be a finite number") }
      keep.reserveCapacity(ratings.count)
      for k in 0..<ratings.count where ratings.values[k] > threshold { keep.append(k) }
      guard !keep.isEmpty else {
        throw EncoreError.invalidArgument("no rating of \(data.sourceDescription) is above --positive-threshold \(DatasetInfo.label(threshold)): nothing is left to learn from")
      }
      rule = "ratings > \(DatasetInfo.label(threshold))"
    }
    let ones = [Float](repeating: 1, count: keep.count)
    matrix = SparseMatrix(
      rows: keep.map { ratings.users[$0] }, columns: keep.map { ratings.items[$0] }, values: ones,
      rowCount: data.users.count, columnCount: data.items.count)
    users = data.users
    items = data.items
    titles = data.titles
    sourceDescription = data.sourceDescription
    positiveRule = rule
  }

  /// The number of interactions.
  public var count: Int { matrix.nonzeroCount }
}

extension SparseMatrix {
  /// The columns of row `r`.
  @inlinable public func row(_ r: Int) -> ArraySlice<Int32> { columns[rowStart[r]..<rowStart[r + 1]] }

  /// A binary matrix (values 1) with `rows` as its rows, each a sorted list of columns.
  public init(binaryRows rows: [[Int32]], columnCount: Int) {
    var start = [Int](repeating: 0, count: rows.count + 1)
    var cols: [Int32] = []
    cols.reserveCapacity(rows.reduce(0) { $0 + $1.count })
    for (r, row) in rows.enumerated() {
      cols += row.sorted()
      start[r + 1] = cols.count
    }
    self.init(rowCount: rows.count, columnCount: columnCount, rowStart: start, columns: cols, values: [Float](repeating: 1, count: cols.count))
  }
}
