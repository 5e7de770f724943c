import CEncoreKernels

/// The shared hot loops of every model, over raw buffers and the context's threads. Each call here is a
/// thin, parallel driver around one C kernel in `CEncoreKernels` (AVX-512, AVX2 or baseline,
/// chosen at run time); making a kernel faster makes every model faster.
public enum SparseKernels {
  /// The instruction set the kernels run with on this CPU.
  public static var instructionSet: String { String(cString: ek_isa()) }

  /// out[t, :] = init + Σ_p val[p] · m[idx[p], :] for the sparse rows listed in `rows`
  /// (or rows 0..<count when `rows` is nil): sparse rows times a dense matrix (SpMM).
  public static func gatherAxpy(
    count: Int, rows: UnsafePointer<Int32>?, rowStart: UnsafePointer<Int>, indices: UnsafePointer<Int32>,
    values: UnsafePointer<Float>, matrix: UnsafePointer<Float>, matrixStride: Int, initial: UnsafePointer<Float>?,
    output: UnsafeMutablePointer<Float>, outputStride: Int, width: Int, on compute: ComputeContext
  ) {
    gatherAxpy(
      count: count, rows: rows, rowStart: rowStart, indices: indices, values: values, matrix: .fp32(matrix),
      matrixStride: matrixStride, initial: initial, output: output, outputStride: outputStride, width: width, on: compute)
  }

  /// `gatherAxpy` over fp32 or bf16 rows (`WeightRows`).
  public static func gatherAxpy(
    count: Int, rows: UnsafePointer<Int32>?, rowStart: UnsafePointer<Int>, indices: UnsafePointer<Int32>,
    values: UnsafePointer<Float>, matrix: WeightRows, matrixStride: Int, initial: UnsafePointer<Float>?,
    output: UnsafeMutablePointer<Float>, outputStride: Int, width: Int, on compute: ComputeContext
  ) {
    let args = UncheckedSendable((rows, rowStart, indices, values, matrix, initial, output))
    compute.forRanges(count, grain: 8) { lo, hi in
      let (rows, rowStart, indices, values, matrix, initial, output) = args.value
      switch matrix {
      case .fp32(let m):
        ek_gather_axpy(lo, hi, rows, rowStart, indices, values, m, matrixStride, initial, output, outputStride, width)
      case .bf16(let m):
        ek_gather_axpy_bf16(lo, hi, rows, rowStart, indices, values, m, matrixStride, initial, output, outputStride, width)
      }
    }
  }

  /// out[t, :] = Σ_{p in rowStart[t]..<rowStart[t+1]} val[pos[p]] · m[idx[p], :]: the transposed
  /// (scatter-free) form used for weight gradients, with values looked up through `positions`.
  public static func gatherAxpyIndirect(
    count: Int, rowStart: UnsafePointer<Int>, indices: UnsafePointer<Int32>, positions: UnsafePointer<Int32>?,
    values: UnsafePointer<Float>, matrix: UnsafePointer<Float>, matrixStride: Int,
    output: UnsafeMutablePointer<Float>, outputStride: Int, width: Int, on compute: ComputeContext
  ) {
    let args = UncheckedSendable((rowStart, indices, positions, values, matrix, output))
    compute.forRanges(count, grain: 8) { lo, hi in
      let (rowStart, indices, positions, values, matrix, output) = args.value
      ek_gather_axpy_indirect(lo, hi, rowStart, indices, positions, values, matrix, matrixStride, output, outputStride, width)
    }
  }

  /// out[outStart[t] + j] = h[t, :] · m[idx[p], :] + bias[idx[p]] for the j-th entry p of each
  /// listed sparse row: dense outputs computed only where ratings are observed (SDDMM).
  public static func gatherDot(
    count: Int, rows: UnsafePointer<Int32>?, rowStart: UnsafePointer<Int>, indices: UnsafePointer<Int32>,
    dense: UnsafePointer<Float>, denseStride: Int, matrix: UnsafePointer<Float>, matrixStride: Int,
    bias: UnsafePointer<Float>?, output: UnsafeMutablePointer<Float>, outputStart: UnsafePointer<Int>, width: Int,
    on compute: ComputeContext
  ) {
    gatherDot(
      count: count, rows: rows, rowStart: rowStart, indices: indices, dense: dense, denseStride: denseStride,
      matrix: .fp32(matrix), matrixStride: matrixStride, bias: bias, output: output, outputStart: outputStart,
      width: width, on: compute)
  }

  /// `gatherDot` over fp32 or bf16 rows (`WeightRows`).
  public static func gatherDot(
    count: Int, rows: UnsafePointer<Int32>?, rowStart: UnsafePointer<Int>, indices: UnsafePointer<Int32>,
    dense: UnsafePointer<Float>, denseStride: Int, matrix: WeightRows, matrixStride: Int,
    bias: UnsafePointer<Float>?, output: UnsafeMutablePointer<Float>, outputStart: UnsafePointer<Int>, width: Int,
    on compute: ComputeContext
  ) {
    let args = UncheckedSendable((rows, rowStart, indices, dense, matrix, bias, output, outputStart))
    compute.forRanges(count, grain: 8) { lo, hi in
      let (rows, rowStart, indices, dense, matrix, bias, output, outputStart) = args.value
      switch matrix {
      case .fp32(let m):
        ek_gather_dot(lo, hi, rows, rowStart, indices, dense, denseStride, m, matrixStride, bias, output, outputStart, width)
      case .bf16(let m):
        ek_gather_dot_bf16(lo, hi, rows, rowStart, indices, dense, denseStride, m, matrixStride, bias, output, outputStart, width)
      }
    }
  }

  /// x · y over `count` floats.
  @inline(__always) public static func dot(_ x: UnsafePointer<Float>, _ y: UnsafePointer<Float>, count: Int) -> Float {
    ek_dot(x, y, count)
  }

  /// y += a · x over `count` floats.
  @inline(__always) public static func axpy(_ a: Float, _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, count: Int) {
    ek_axpy(count, a, x, y)
  }
}
