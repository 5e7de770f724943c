import CEncoreKernels

/// Dense matrix products for the deep autoencoders' inner layers and re-feeding, on every
/// thread the `ComputeContext` allows. Uses the context's OpenBLAS when it has one, else the
/// built-in packed, register-tiled GEMM of `CEncoreKernels`.
public enum DenseKernels {
  /// C (M×N) = op(A) · op(B) (+ C when `accumulate`), row-major; op(A) is M×K, op(B) is K×N.
  public static func gemm(
    transA: Bool = false, transB: Bool = false, m: Int, n: Int, k: Int,
    a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
    c: UnsafeMutablePointer<Float>, ldc: Int, accumulate: Bool = false, on compute: ComputeContext
  ) {
    guard m > 0 && n > 0 else { return }
    if let blas = compute.blas {
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
    if threads == 1 || work < 2e6 {
      ek_sgemm_block(ta, tb, 0, m, 0, n, k, a, lda, b, ldb, c, ldc, acc)
      return
    }
    // One contiguous block per thread, in whole 64-column (or 6-row) panels.
    let byColumns = n >= 64 * threads || n >= m
    let panels = byColumns ? (n + 63) / 64 : (m + 5) / 6
    let parts = min(threads, panels)
    compute.forRanges(parts, grain: 1) { lo, hi in
      let (a, b, c) = box.value
      for t in lo..<hi {
        let p0 = panels * t / parts, p1 = panels * (t + 1) / parts
        if byColumns {
          ek_sgemm_block(ta, tb, 0, m, p0 * 64, min(n, p1 * 64), k, a, lda, b, ldb, c, ldc, acc)
        } else {
          ek_sgemm_block(ta, tb, p0 * 6, min(m, p1 * 6), 0, n, k, a, lda, b, ldb, c, ldc, acc)
        }
      }
    }
  }
}
