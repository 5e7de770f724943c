/// Which rows and columns of a network's input matrix have training ratings. A network can
/// only predict a cell whose row and column both do; the predictors send the rest to the
/// bias baseline.
struct KnownCells: Sendable {
  let rowHasData: [Bool]
  let columnHasData: [Bool]

  init(_ input: SparseMatrix) {
    rowHasData = (0..<input.rowCount).map { input.rowLength($0) > 0 }
    var columns = [Bool](repeating: false, count: input.columnCount)
    for c in input.columns { columns[Int(c)] = true }
    columnHasData = columns
  }

  @inline(__always) func contains(row r: Int, column c: Int) -> Bool {
    r >= 0 && c >= 0 && r < rowHasData.count && c < columnHasData.count && rowHasData[r] && columnHasData[c]
  }
}
