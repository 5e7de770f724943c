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
    if !compute.usesBuiltinGemm, let blas = compute.blas {
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
    let box = UncheckedSendable((a, b, c))
    let ta: Int32 = transA ? 1 : 0, tb: Int32 = transB ? 1 : 0, acc: Int32 = accumulate ? 1 : 0
    let block = compute.usesBF16 ? ek_sgemm_block_bf16 : ek_sgemm_block
    forBlocks(transA: transA, m: m, n: n, k: k, on: compute) { m0, m1, n0, n1 in
      let (a, b, c) = box.value
      block(ta, tb, m0, m1, n0, n1, k, a, lda, b, ldb, c, ldc, acc)
    }
  }

  /// Runs `block(m0, m1, n0, n1)` over a split of the M×N result among the context's threads:
  /// one contiguous block per thread, in whole 64-column (or 6-row) panels. Each thread packs
  /// its own copy of what it shares: all of op(A) when split by columns (only Aᵀ is packed; A
  /// is read in place), all of op(B) when split by rows. Split so that the copy is smaller.
  private static func forBlocks(
    transA: Bool, m: Int, n: Int, k: Int, on compute: ComputeContext, _ block: @escaping @Sendable (Int, Int, Int, Int) -> Void
  ) {
    let threads = compute.threads
    if threads == 1 || Double(m) * Double(n) * Double(k) < 2e6 {
      block(0, m, 0, n)
      return
    }
    let copiedByColumns = transA ? m * k : 0, copiedByRows = k * n
    let byColumns = n >= 64 * threads && (copiedByColumns <= copiedByRows || m < 6 * threads)
    let panels = byColumns ? (n + 63) / 64 : (m + 5) / 6
    let parts = min(threads, panels)
    compute.forRanges(parts, grain: 1) { lo, hi in
      for t in lo..<hi {
        let p0 = panels * t / parts, p1 = panels * (t + 1) / parts
        if byColumns {
          block(0, m, p0 * 64, min(n, p1 * 64))
        } else {
          block(p0 * 6, min(m, p1 * 6), 0, n)
        }
      }
    }
  }

  /// One operand pair of `stackedGemm`: A is k×M and B is k×N, row-major.
  public struct StackedTerm {
    public var a: UnsafePointer<Float>, lda: Int
    public var b: UnsafePointer<Float>, ldb: Int
    public var k: Int
    public init(a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int, k: Int) {
      (self.a, self.lda, self.b, self.ldb, self.k) = (a, lda, b, ldb, k)
    }
  }

  /// C (M×N) = A₁ᵀ·B₁ + A₂ᵀ·B₂ (+ C when `accumulate`): two transposed-A products that add
  /// into one result, computed as one product over their stacked K, so C is read and written
  /// once (a tied layer's weight gradient, which the input and output layers both add to).
  ///
  /// With `step`, C is the gradient of the parameter the step names, and each finished tile
  /// steps it at once (`FusedAdamStep`). The built-in GEMMs (fp32, and bf16 products with an
  /// fp32 step) fuse the step, OpenBLAS does not; returns whether it did. When it did not, C
  /// holds the gradient as without a step.
  @discardableResult
  public static func stackedGemm(
    m: Int, n: Int, _ first: StackedTerm, _ second: StackedTerm, c: UnsafeMutablePointer<Float>, ldc: Int,
    accumulate: Bool, step: FusedAdamStep? = nil, on compute: ComputeContext
  ) -> Bool {
    guard m > 0 && n > 0 else { return false }
    guard compute.usesBuiltinGemm, first.k + second.k > 0 else {
      gemm(transA: true, m: m, n: n, k: first.k, a: first.a, lda: first.lda, b: first.b, ldb: first.ldb, c: c, ldc: ldc,
           accumulate: accumulate, on: compute)
      gemm(transA: true, m: m, n: n, k: second.k, a: second.a, lda: second.lda, b: second.b, ldb: second.ldb, c: c,
           ldc: ldc, accumulate: true, on: compute)
      return false
    }
    let box = UncheckedSendable((first, second, c))
    let acc: Int32 = accumulate ? 1 : 0
    let kernelStep = step.map { UncheckedSendable($0.kernelStep) }
    let block = compute.usesBF16 ? ek_sgemm_block_tn_stacked_bf16 : ek_sgemm_block_tn_stacked
    forBlocks(transA: true, m: m, n: n, k: first.k + second.k, on: compute) { m0, m1, n0, n1 in
      let (p, q, c) = box.value
      if var s = kernelStep?.value {
        block(m0, m1, n0, n1, p.a, p.lda, p.b, p.ldb, p.k, q.a, q.lda, q.b, q.ldb, q.k, c, ldc, acc, &s)
      } else {
        block(m0, m1, n0, n1, p.a, p.lda, p.b, p.ldb, p.k, q.a, q.lda, q.b, q.ldb, q.k, c, ldc, acc, nil)
      }
    }
    return step != nil
  }

  /// C (M×N) = A·Bᵀ (A M×K, B N×K) where B is a parameter whose Adam `step` is due (with its
  /// gradient): each block of B's rows is stepped as soon as the product has packed it, and the
  /// product uses the values from before the step. A layer's output and its weight's step in
  /// one pass over the weight (the first re-feeding input, then the optimiser step). The
  /// built-in GEMMs (fp32, and bf16 products with an fp32 step) fuse the step, OpenBLAS does
  /// not; returns whether it did (else B is not stepped).
  @discardableResult
  public static func gemmSteppingB(
    m: Int, n: Int, k: Int, a: UnsafePointer<Float>, lda: Int, b: UnsafeMutablePointer<Float>, ldb: Int,
    c: UnsafeMutablePointer<Float>, ldc: Int, step: FusedAdamStep, on compute: ComputeContext
  ) -> Bool {
    guard compute.usesBuiltinGemm, step.gradient != nil, m > 0, n > 0, k > 0 else {
      gemm(transB: true, m: m, n: n, k: k, a: a, lda: lda, b: b, ldb: ldb, c: c, ldc: ldc, on: compute)
      return false
    }
    // Split by columns of C only: each thread steps the rows of B it packs, once.
    let panels = (n + 63) / 64
    let parts = Double(m) * Double(n) * Double(k) < 2e6 ? 1 : min(compute.threads, panels)
    let box = UncheckedSendable((a, b, c, step.kernelStep))
    let block = compute.usesBF16 ? ek_sgemm_block_nt_stepping_b_bf16 : ek_sgemm_block_nt_stepping_b
    compute.forRanges(parts, grain: 1) { lo, hi in
      var (a, b, c, s) = box.value
      for t in lo..<hi {
        let n0 = panels * t / parts * 64, n1 = min(n, panels * (t + 1) / parts * 64)
        block(0, m, n0, n1, k, a, lda, b, ldb, c, ldc, &s)
      }
    }
    return true
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
