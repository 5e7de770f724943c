import CEncoreKernels

/// One half of an iALS epoch: every row's factors re-solved for fixed factors of the other
/// side, by warm-started conjugate gradient (`conjugateGradientSteps` steps, implicit's
/// `cg_steps`), rows split over the context's threads. Each row's result depends only on the
/// fixed side, so any thread count gives the same bits.
enum ALSSolver {
  static func sweep(_ x: SparseMatrix, solving factors: inout [Float], given other: [Float], settings: ImplicitALSSettings, compute: ComputeContext) {
    let d = settings.factors
    let otherCount = other.count / d
    // α₀·YᵀY + λI, shared by every row's system.
    var shared = [Float](repeating: 0, count: d * d)
    other.withUnsafeBufferPointer { y in
      shared.withUnsafeMutableBufferPointer { s in
        DenseKernels.gemm(transA: true, m: d, n: d, k: otherCount, a: y.baseAddress!, lda: d, b: y.baseAddress!, ldb: d, c: s.baseAddress!, ldc: d, on: compute)
      }
    }
    for k in 0..<(d * d) { shared[k] *= settings.unobservedWeight }
    for p in 0..<d { shared[p * d + p] += settings.reg }
    let c = settings.alpha, extra = settings.alpha - settings.unobservedWeight
    let steps = Int32(settings.conjugateGradientSteps)
    let rowStart = x.rowStart.map { Int($0) }
    factors.withUnsafeMutableBufferPointer { out in
      let out = UncheckedSendable(out.baseAddress!)
      other.withUnsafeBufferPointer { y in
        shared.withUnsafeBufferPointer { shared in
          x.columns.withUnsafeBufferPointer { columns in
            let y = UncheckedSendable(y.baseAddress!), shared = UncheckedSendable(shared.baseAddress!)
            let columns = UncheckedSendable(columns.baseAddress)
            rowStart.withUnsafeBufferPointer { prefix in
              let start = UncheckedSendable(prefix.baseAddress!)
              compute.forWeightedRanges(x.rowCount, prefix: prefix, minWeight: 1 << 12) { lo, hi in
                let work = UnsafeMutablePointer<Float>.allocate(capacity: 3 * d)
                defer { work.deallocate() }
                ek_ials_cg_rows(lo, hi, start.value, columns.value, y.value, shared.value, d, c, extra, steps, out.value, work)
              }
            }
          }
        }
      }
    }
  }
}
