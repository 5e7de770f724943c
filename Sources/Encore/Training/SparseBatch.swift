/// A mini-batch of sparse input rows gathered into a local CSR (`start`, `columns`, `values`,
/// entries in batch order), plus its transpose over the columns the batch touches: for each
/// touched column, the batch rows that rate it and the positions of those entries. The
/// transpose lets weight gradients be summed per column with one owner each, so threads never
/// race and no atomics are needed. Reused from batch to batch.
public final class SparseBatch: @unchecked Sendable {
  public private(set) var rowCount = 0
  public private(set) var entryCount = 0
  /// Columns with at least one entry in the batch, ascending.
  public private(set) var touched: [Int32] = []

  private(set) var start = StableBuffer<Int>(repeating: 0, count: 1)
  private(set) var columns = StableBuffer<Int32>(repeating: 0, count: 0)
  private(set) var values = StableBuffer<Float>(zeros: 0)
  private(set) var touchedStart = StableBuffer<Int>(repeating: 0, count: 1)
  private(set) var touchedRow = StableBuffer<Int32>(repeating: 0, count: 0)
  private(set) var touchedPosition = StableBuffer<Int32>(repeating: 0, count: 0)
  private var slotOf: [Int32]
  /// The threads the batch's products run on.
  public let compute: ComputeContext

  public init(columnCount: Int, compute: ComputeContext) {
    slotOf = [Int32](repeating: -1, count: columnCount)
    self.compute = compute
  }

  /// Gathers `rows` of `x`.
  public func gather(_ x: SparseMatrix, rows: ArraySlice<Int32>) {
    rowCount = rows.count
    var entries = 0
    for r in rows { entries += x.rowLength(Int(r)) }
    entryCount = entries
    touched.removeAll(keepingCapacity: true)
    for r in rows {
      for p in x.rowStart[Int(r)]..<x.rowStart[Int(r) + 1] where slotOf[Int(x.columns[p])] < 0 {
        slotOf[Int(x.columns[p])] = 0
        touched.append(x.columns[p])
      }
    }
    touched.sort()
    for (s, c) in touched.enumerated() { slotOf[Int(c)] = Int32(s) }
    let nt = touched.count
    if start.count < rowCount + 1 { start = StableBuffer(repeating: 0, count: rowCount + 1) }
    if columns.count < entries {
      columns = StableBuffer(repeating: 0, count: entries)
      values = StableBuffer(zeros: entries)
      touchedRow = StableBuffer(repeating: 0, count: entries)
      touchedPosition = StableBuffer(repeating: 0, count: entries)
    }
    if touchedStart.count < nt + 1 { touchedStart = StableBuffer(repeating: 0, count: nt + 1) }
    touchedStart.pointer.update(repeating: 0, count: nt + 1)
    var q = 0
    start[0] = 0
    for (t, r) in rows.enumerated() {
      for p in x.rowStart[Int(r)]..<x.rowStart[Int(r) + 1] {
        let c = x.columns[p]
        columns[q] = c
        values[q] = x.values[p]
        touchedStart[Int(slotOf[Int(c)]) + 1] += 1
        q += 1
      }
      start[t + 1] = q
    }
    for s in 0..<nt { touchedStart[s + 1] += touchedStart[s] }
    var fill = [Int](repeating: 0, count: nt)
    for s in 0..<nt { fill[s] = touchedStart[s] }
    for t in 0..<rowCount {
      for q in start[t]..<start[t + 1] {
        let s = Int(slotOf[Int(columns[q])])
        touchedRow[fill[s]] = Int32(t)
        touchedPosition[fill[s]] = Int32(q)
        fill[s] += 1
      }
    }
    for c in touched { slotOf[Int(c)] = -1 }
  }

  /// For every touched column s: output[s, :] = Σ_{entries q of that column} entryValues[q] · dense[row(q), :].
  /// This is Xᵀ·G restricted to the touched columns (weight gradients).
  public func columnSums(entryValues: UnsafePointer<Float>, dense: UnsafePointer<Float>, width: Int, output: UnsafeMutablePointer<Float>) {
    SparseKernels.gatherAxpyIndirect(
      count: touched.count, rowStart: touchedStart.pointer, indices: touchedRow.pointer, positions: touchedPosition.pointer,
      values: entryValues, matrix: dense, matrixStride: width, output: output, outputStride: width, width: width, on: compute)
  }

  /// For every touched column s: Σ_{entries q of that column} entryValues[q] (bias gradients).
  public func columnTotals(entryValues: UnsafePointer<Float>, into output: UnsafeMutablePointer<Float>) {
    for s in 0..<touched.count {
      var sum: Float = 0
      for p in touchedStart[s]..<touchedStart[s + 1] { sum += entryValues[Int(touchedPosition[p])] }
      output[s] = sum
    }
  }

  /// output[t, :] = (initial ?? 0) + Σ_q entryValues[q] · matrix[column(q), :] for every batch row t.
  public func rowProducts(entryValues: UnsafePointer<Float>, matrix: UnsafePointer<Float>, width: Int, initial: UnsafePointer<Float>?, output: UnsafeMutablePointer<Float>) {
    rowProducts(entryValues: entryValues, matrix: .fp32(matrix), width: width, initial: initial, output: output)
  }

  /// `rowProducts` over fp32 or bf16 rows.
  public func rowProducts(entryValues: UnsafePointer<Float>, matrix: WeightRows, width: Int, initial: UnsafePointer<Float>?, output: UnsafeMutablePointer<Float>) {
    SparseKernels.gatherAxpy(
      count: rowCount, rows: nil, rowStart: start.pointer, indices: columns.pointer, values: entryValues, matrix: matrix,
      matrixStride: width, initial: initial, output: output, outputStride: width, width: width, on: compute)
  }

  /// output[q] = dense[row(q), :] · matrix[column(q), :] + bias[column(q)] for every entry q.
  public func entryDots(dense: UnsafePointer<Float>, matrix: UnsafePointer<Float>, width: Int, bias: UnsafePointer<Float>?, output: UnsafeMutablePointer<Float>) {
    entryDots(dense: dense, matrix: .fp32(matrix), width: width, bias: bias, output: output)
  }

  /// `entryDots` over fp32 or bf16 rows.
  public func entryDots(dense: UnsafePointer<Float>, matrix: WeightRows, width: Int, bias: UnsafePointer<Float>?, output: UnsafeMutablePointer<Float>) {
    SparseKernels.gatherDot(
      count: rowCount, rows: nil, rowStart: start.pointer, indices: columns.pointer, dense: dense, denseStride: width,
      matrix: matrix, matrixStride: width, bias: bias, output: output, outputStart: start.pointer, width: width, on: compute)
  }

  /// The rated values of the batch, in entry order.
  public var entryValues: UnsafeMutablePointer<Float> { values.pointer }
}
