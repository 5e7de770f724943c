/// Which rows and columns of a network's input matrix have training ratings, and how a
/// (user, item) pair maps onto them. A network can only predict a cell whose row and column
/// both do; the predictors send the rest to the bias baseline.
struct KnownCells: Sendable {
  let rowHasData: [Bool]
  let columnHasData: [Bool]
  /// Whether the matrix's rows are items (I-AutoRec, item-based deep autoencoders).
  let itemsAsRows: Bool

  init(_ input: SparseMatrix, itemsAsRows: Bool = false) {
    rowHasData = (0..<input.rowCount).map { input.rowLength($0) > 0 }
    var columns = [Bool](repeating: false, count: input.columnCount)
    for c in input.columns { columns[Int(c)] = true }
    columnHasData = columns
    self.itemsAsRows = itemsAsRows
  }

  @inline(__always) func contains(row r: Int, column c: Int) -> Bool {
    r >= 0 && c >= 0 && r < rowHasData.count && c < columnHasData.count && rowHasData[r] && columnHasData[c]
  }

  /// The (row, column) of a (user, item) pair in the matrix's orientation, or nil when the
  /// network cannot predict it.
  @inline(__always) func cell(user: Int32, item: Int32) -> (row: Int, column: Int)? {
    let (r, c) = itemsAsRows ? (Int(item), Int(user)) : (Int(user), Int(item))
    return contains(row: r, column: c) ? (r, c) : nil
  }
}
