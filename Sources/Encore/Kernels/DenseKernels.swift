import CEncoreKernels

/// Dense matrix products for the deep autoencoders' inner layers and re-feeding, on every
/// thread the `ComputeContext` allows. Uses the built-in bf16 GEMM when the context asks for
/// bf16 and the CPU has AVX512_BF16, else the context's OpenBLAS when it has one, else the
/// built-in packed, register-tiled fp32 GEMM of `CEncoreKernels`.
public enum DenseKernels {
  /// Whether this CPU has AVX512_BF16, which `--precision bf16` needs.
  public static let hasBF16 = ek_has_bf16() != 0

  /// x rounded to the nearest bfloat16 (ties to even): what the bf16 GEMM multiplies.
  public static func roundedToBF16(_ x: Float) -> Float { ek_round_bf16(x) }

  /// C (M×N) = op(A) · op(B) (+ C when `accumulate`), row-major; op(A) is M×K, op(B) is K×N.
  public static func gemm(
    transA: Bool = false, transB: Bool = false, m: Int, n: Int, k: Int,
    a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
    c: UnsafeMutablePointer<Float>, ldc: Int, accumulate: Bool = false, on compute: ComputeContext
  ) {
    guard m > 0 && n > 0 else { return }
    if let blas = compute.blas, !compute.usesBF16 {
      blas.sgemm(
        transA: transA, transB: transB, m: m, n: n, k: k, a: a, lda: lda, b: b, ldb: ldb, c: c, ldc: ldc,
        beta: accumulate ? 1 : 0, threads: compute.threads)
      return
    }
    builtinGemm(
      transA: transA, transB: transB, m: m, n: n, k: k, a: a, lda: lda, b: b, ldb: ldb, c: c, ldc: ldc,
      accumulate: accumulate, on: compute)
  }

  /// The built-in GEMM, split across threads by columns (or rows when N is small).
  /// out[b · ldo + i] = rows[i] · vectors[b] for every row i < rowCount and vector b <
  /// vectorCount, each of width `width`: a GEMM with few vectors (a server's batch of users
  /// against every item) that reads each row once per four vectors and packs nothing.
  public static func multiDot(
    rows: UnsafePointer<Float>, rowStride: Int, rowCount: Int, vectors: UnsafePointer<Float>, vectorStride: Int,
    vectorCount: Int, width: Int, out: UnsafeMutablePointer<Float>, ldo: Int, on compute: ComputeContext
  ) {
    guard rowCount > 0 && vectorCount > 0 else { return }
    let box = UncheckedSendable((rows, vectors, out))
    let grain = max(64, 65_536 / max(1, width * vectorCount))
    compute.forRanges(rowCount, grain: grain) { lo, hi in
      let (rows, vectors, out) = box.value
      ek_multi_dot(lo, hi, rows, rowStride, vectors, vectorStride, vectorCount, width, out, ldo)
    }
  }

  public static func builtinGemm(
    transA: Bool, transB: Bool, m: Int, n: Int, k: Int, a: UnsafePointer<Float>, lda: Int,
    b: UnsafePointer<Float>, ldb: Int, c: UnsafeMutablePointer<Float>, ldc: Int, accumulate: Bool, on compute: ComputeContext
  ) {
    let threads = compute.threads
    let work = Double(m) * Double(n) * Double(k)
    let box = UncheckedSendable((a, b, c))
    let ta: Int32 = transA ? 1 : 0, tb: Int32 = transB ? 1 : 0, acc: Int32 = accumulate ? 1 : 0
    let block = compute.usesBF16 ? ek_sgemm_block_bf16 : ek_sgemm_block
    if threads == 1 || work < 2e6 {
      block(ta, tb, 0, m, 0, n, k, a, lda, b, ldb, c, ldc, acc)
      return
    }
    // One contiguous block per thread, in whole 64-column (or 6-row) panels. Each thread packs
    // its own copy of what it shares: all of op(A) when split by columns (only Aᵀ is packed; A
    // is read in place), all of op(B) when split by rows. Split so that the copy is smaller.
    let copiedByColumns = transA ? m * k : 0, copiedByRows = k * n
    let byColumns = n >= 64 * threads && (copiedByColumns <= copiedByRows || m < 6 * threads)
    let panels = byColumns ? (n + 63) / 64 : (m + 5) / 6
    let parts = min(threads, panels)
    compute.forRanges(parts, grain: 1) { lo, hi in
      let (a, b, c) = box.value
      for t in lo..<hi {
        let p0 = panels * t / parts, p1 = panels * (t + 1) / parts
        if byColumns {
          block(ta, tb, 0, m, p0 * 64, min(n, p1 * 64), k, a, lda, b, ldb, c, ldc, acc)
        } else {
          block(ta, tb, p0 * 6, min(m, p1 * 6), 0, n, k, a, lda, b, ldb, c, ldc, acc)
        }
      }
    }
  }

  /// The machine's arithmetic peak in GFLOP/s: a tight multiply-add loop with no memory
  /// traffic on every thread of `compute` at once (fp32 FMA, or AVX512_BF16 dot products),
  /// median of 5 after a warm-up; nil for bf16 on a CPU without it. The yardstick for GEMMs.
  public static func peakGFLOPS(bf16: Bool, on compute: ComputeContext, iterations: Int = 30_000_000) -> Double? {
    var samples: [Double] = []
    for _ in 0..<6 {
      let flops = StableBuffer<Double>(repeating: 0, count: compute.threads)
      let sink = StableBuffer<Float>(zeros: compute.threads)
      let box = UncheckedSendable((flops.pointer, sink.pointer))
      let start = Platform.now()
      compute.forRanges(compute.threads, grain: 1) { lo, hi in
        let (flops, sink) = box.value
        for t in lo..<hi { flops[t] = ek_peak_loop(bf16 ? 1 : 0, iterations, sink + t) }
      }
      let seconds = Platform.now() - start
      let total = (0..<compute.threads).reduce(0.0) { $0 + flops[$1] }
      guard total > 0 else { return nil }
      samples.append(total / seconds / 1e9)
    }
    let sorted = samples.dropFirst().sorted()
    return sorted[sorted.count / 2]
  }
}
