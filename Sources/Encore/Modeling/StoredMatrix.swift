/// A sparse rating matrix as model-file tensors (`input.row_start`, `input.columns`,
/// `input.values`), written and read back with every consistency check a hostile or damaged
/// file needs: the model file's own matrix and an ensemble member's use the same code.
public enum StoredMatrix {
  /// The three tensors of `matrix`.
  public static func tensors(_ matrix: SparseMatrix) -> [String: SafeTensors.Tensor] {
    [
      "input.row_start": .int64(matrix.rowStart.map(Int64.init), shape: [matrix.rowCount + 1]),
      "input.columns": .int32(matrix.columns, shape: [matrix.nonzeroCount]),
      "input.values": .float(matrix.values, shape: [matrix.nonzeroCount]),
    ]
  }

  /// The matrix of `rows` × `columns` in `tensors`, or an error about `path` naming `what`.
  public static func read(_ tensors: [String: SafeTensors.Tensor], rows: Int, columns cols: Int, path: String, what: String) throws
    -> SparseMatrix
  {
    func bad(_ reason: String) -> EncoreError { .badModelFile(path: path, reason: reason) }
    func tensor(_ name: String) throws -> SafeTensors.Tensor {
      guard let t = tensors[name] else { throw bad("tensor '\(name)' is missing") }
      return t
    }
    let rowStart = try tensor("input.row_start").int64s.map { Int($0) }
    let columns = try tensor("input.columns").int32s
    let values = try tensor("input.values").floats
    guard rowStart.count == rows + 1 else { throw bad("\(what) has \(rowStart.count - 1) rows, expected \(rows)") }
    guard rowStart.first == 0, rowStart.last == columns.count, columns.count == values.count,
      zip(rowStart, rowStart.dropFirst()).allSatisfy({ $0 <= $1 }), columns.allSatisfy({ $0 >= 0 && Int($0) < cols })
    else { throw bad("\(what) is inconsistent") }
    guard values.allSatisfy(\.isFinite) else { throw bad("\(what) holds a rating that is not a finite number") }
    return SparseMatrix(rowCount: rows, columnCount: cols, rowStart: rowStart, columns: columns, values: values)
  }
}
