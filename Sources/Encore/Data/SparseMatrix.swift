/// A compressed sparse row matrix of ratings: row r holds `columns[rowStart[r]..<rowStart[r+1]]`
/// (sorted) and their `values`. Models read their inputs from it, so cost follows the number
/// of ratings, never rows × columns.
public struct SparseMatrix: Sendable, Equatable {
  public let rowCount: Int
  public let columnCount: Int
  public var rowStart: [Int]
  public var columns: [Int32]
  public var values: [Float]

  public var nonzeroCount: Int { values.count }

  public init(rowCount: Int, columnCount: Int, rowStart: [Int], columns: [Int32], values: [Float]) {
    precondition(rowStart.count == rowCount + 1 && columns.count == values.count)
    self.rowCount = rowCount
    self.columnCount = columnCount
    self.rowStart = rowStart
    self.columns = columns
    self.values = values
  }

  /// Builds the matrix from coordinate triplets with a counting sort by row, then sorts each
  /// row's columns. Triplets must not repeat a (row, column) pair.
  public init(rows: [Int32], columns cols: [Int32], values vals: [Float], rowCount: Int, columnCount: Int) {
    let n = vals.count
    var start = [Int](repeating: 0, count: rowCount + 1)
    for r in rows { start[Int(r) + 1] += 1 }
    for r in 0..<rowCount { start[r + 1] += start[r] }
    var fill = start
    var c = [Int32](repeating: 0, count: n)
    var v = [Float](repeating: 0, count: n)
    for k in 0..<n {
      let r = Int(rows[k])
      c[fill[r]] = cols[k]
      v[fill[r]] = vals[k]
      fill[r] += 1
    }
    // Sort each row by column (rows are short; sort index pairs).
    for r in 0..<rowCount where start[r + 1] - start[r] > 1 {
      let lo = start[r], hi = start[r + 1]
      var isSorted = true
      for k in lo..<(hi - 1) where c[k] > c[k + 1] { isSorted = false; break }
      if isSorted { continue }
      var pairs = (lo..<hi).map { (c[$0], v[$0]) }
      pairs.sort { $0.0 < $1.0 }
      for (k, p) in pairs.enumerated() {
        c[lo + k] = p.0
        v[lo + k] = p.1
      }
    }
    self.init(rowCount: rowCount, columnCount: columnCount, rowStart: start, columns: c, values: v)
  }

  /// The ratings as a matrix with items as rows (`itemsAsRows`) or users as rows.
  public init(_ ratings: RatingSet, userCount: Int, itemCount: Int, itemsAsRows: Bool) {
    if itemsAsRows {
      self.init(rows: ratings.items, columns: ratings.users, values: ratings.values, rowCount: itemCount, columnCount: userCount)
    } else {
      self.init(rows: ratings.users, columns: ratings.items, values: ratings.values, rowCount: userCount, columnCount: itemCount)
    }
  }

  /// Number of ratings in row r.
  @inline(__always) public func rowLength(_ r: Int) -> Int { rowStart[r + 1] - rowStart[r] }

  /// The value at (r, c), or nil when it is not stored (binary search in the row).
  public func value(row r: Int, column c: Int32) -> Float? {
    var lo = rowStart[r], hi = rowStart[r + 1]
    while lo < hi {
      let mid = (lo + hi) / 2
      if columns[mid] < c { lo = mid + 1 } else { hi = mid }
    }
    return lo < rowStart[r + 1] && columns[lo] == c ? values[lo] : nil
  }

  /// Number of stored entries per column.
  public func columnCounts() -> [Int] {
    var counts = [Int](repeating: 0, count: columnCount)
    for c in columns { counts[Int(c)] += 1 }
    return counts
  }
}

extension SparseMatrix {
  /// The transpose (columns become rows), in O(nonzeros).
  public func transposed() -> SparseMatrix {
    var rowsOfEntries = [Int32](repeating: 0, count: nonzeroCount)
    for r in 0..<rowCount { for p in rowStart[r]..<rowStart[r + 1] { rowsOfEntries[p] = Int32(r) } }
    return SparseMatrix(rows: columns, columns: rowsOfEntries, values: values, rowCount: columnCount, columnCount: rowCount)
  }
}
