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
    let steps = settings.conjugateGradientSteps
    factors.withUnsafeMutableBufferPointer { out in
      let out = UncheckedSendable(out.baseAddress!)
      other.withUnsafeBufferPointer { y in
        shared.withUnsafeBufferPointer { shared in
          let y = UncheckedSendable(y.baseAddress!), shared = UncheckedSendable(shared.baseAddress!)
          x.rowStart.withUnsafeBufferPointer { prefix in
            compute.forWeightedRanges(x.rowCount, prefix: prefix, minWeight: 1 << 12) { lo, hi in
              let y = y.value, shared = shared.value
              let r = UnsafeMutablePointer<Float>.allocate(capacity: 3 * d)
              defer { r.deallocate() }
              let p = r + d, ap = r + 2 * d
              /// out = A·v for the row's system.
              func multiply(_ row: ArraySlice<Int32>, _ v: UnsafePointer<Float>, _ result: UnsafeMutablePointer<Float>) {
                for i in 0..<d {
                  var s: Float = 0
                  for j in 0..<d { s += shared[i * d + j] * v[j] }
                  result[i] = s
                }
                if extra != 0 {
                  for item in row {
                    let yi = y + Int(item) * d
                    var dot: Float = 0
                    for j in 0..<d { dot += yi[j] * v[j] }
                    let scale = extra * dot
                    for j in 0..<d { result[j] += scale * yi[j] }
                  }
                }
              }
              for u in lo..<hi {
                let row = x.row(u)
                let w = out.value + u * d
                guard !row.isEmpty else {
                  // No interactions: the minimiser is 0.
                  w.update(repeating: 0, count: d)
                  continue
                }
                // r = b − A·w, b = c Σ y_i.
                multiply(row, w, ap)
                for j in 0..<d { r[j] = -ap[j] }
                for item in row {
                  let yi = y + Int(item) * d
                  for j in 0..<d { r[j] += c * yi[j] }
                }
                p.update(from: r, count: d)
                var rsOld: Float = 0
                for j in 0..<d { rsOld += r[j] * r[j] }
                for _ in 0..<steps {
                  if rsOld < 1e-20 { break }
                  multiply(row, p, ap)
                  var pAp: Float = 0
                  for j in 0..<d { pAp += p[j] * ap[j] }
                  guard pAp > 0 else { break }
                  let step = rsOld / pAp
                  var rsNew: Float = 0
                  for j in 0..<d {
                    w[j] += step * p[j]
                    r[j] -= step * ap[j]
                    rsNew += r[j] * r[j]
                  }
                  let beta = rsNew / rsOld
                  for j in 0..<d { p[j] = r[j] + beta * p[j] }
                  rsOld = rsNew
                }
              }
            }
          }
        }
      }
    }
  }
}
