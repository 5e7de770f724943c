/// Small dense ridge regressions, the core of fold-in: x = argmin ‖A·x − y‖² + Σ_j d_j·x_j²
/// for an n×m design A (row-major) with n observations and m features.
///
/// It solves whichever normal equations are smaller: the primal (AᵀA + D)·x = Aᵀy (m×m) when
/// there are more observations than features, else the dual (A·D⁻¹·Aᵀ + I)·α = y (n×n) with
/// x = D⁻¹·Aᵀ·α, which gives the same x. A new user with 100 ratings against 500 hidden units
/// is thus a 100×100 Cholesky factorisation, not a 501×501 one. Products run on the SIMD
/// kernels in Float; the factorisation is in Double.
public enum RidgeRegression {
  /// The solution, or nil when a ridge is not positive or the system cannot be solved.
  public static func solve(design a: [Float], rows n: Int, columns m: Int, targets y: [Float], ridge d: [Float]) -> [Float]? {
    precondition(a.count == n * m && y.count == n && d.count == m)
    guard m > 0 else { return [] }
    guard d.allSatisfy({ $0 > 0 && $0.isFinite }) else { return nil }
    if n == 0 { return [Float](repeating: 0, count: m) }
    // Ã = A·D^(-1/2), so the ridge becomes the identity: x = D^(-1/2)·x̃.
    let scale = d.map { 1 / $0.squareRoot() }
    var scaled = a
    for r in 0..<n { for j in 0..<m { scaled[r * m + j] *= scale[j] } }
    return scaled.withUnsafeBufferPointer { at -> [Float]? in
      let base = at.baseAddress!
      if n >= m {
        // Primal: (ÃᵀÃ + I)·x̃ = Ãᵀy, the Gram matrix summed row by row in Float.
        var gram = [Float](repeating: 0, count: m * m)
        var rhs = [Double](repeating: 0, count: m)
        gram.withUnsafeMutableBufferPointer { g in
          for r in 0..<n {
            let row = base + r * m
            for i in 0..<m where row[i] != 0 {
              rhs[i] += Double(row[i]) * Double(y[r])
              SparseKernels.axpy(row[i], row, g.baseAddress! + i * m, count: i + 1)
            }
          }
        }
        var g = gram.map(Double.init)
        for i in 0..<m { g[i * m + i] += 1 }
        guard let xt = choleskySolve(&g, rhs, size: m) else { return nil }
        return (0..<m).map { Float(xt[$0]) * scale[$0] }
      }
      // Dual: (ÃÃᵀ + I)·α = y, then x̃ = Ãᵀα.
      var k = [Double](repeating: 0, count: n * n)
      for r in 0..<n {
        for s in 0...r { k[r * n + s] = Double(SparseKernels.dot(base + r * m, base + s * m, count: m)) }
        k[r * n + r] += 1
      }
      guard let alpha = choleskySolve(&k, y.map(Double.init), size: n) else { return nil }
      var xt = [Float](repeating: 0, count: m)
      xt.withUnsafeMutableBufferPointer { x in
        for r in 0..<n where alpha[r] != 0 { SparseKernels.axpy(Float(alpha[r]), base + r * m, x.baseAddress!, count: m) }
      }
      return (0..<m).map { xt[$0] * scale[$0] }
    }
  }

  /// Solves G·x = b for a symmetric positive-definite G given by its lower triangle
  /// (overwritten with the Cholesky factor); nil when G is not positive definite.
  static func choleskySolve(_ g: inout [Double], _ b: [Double], size m: Int) -> [Double]? {
    for j in 0..<m {
      var diagonal = g[j * m + j]
      for k in 0..<j { diagonal -= g[j * m + k] * g[j * m + k] }
      guard diagonal > 0, diagonal.isFinite else { return nil }
      let l = diagonal.squareRoot()
      g[j * m + j] = l
      for i in (j + 1)..<max(j + 1, m) {
        var v = g[i * m + j]
        for k in 0..<j { v -= g[i * m + k] * g[j * m + k] }
        g[i * m + j] = v / l
      }
    }
    var x = b
    for i in 0..<m {
      var v = x[i]
      for k in 0..<i { v -= g[i * m + k] * x[k] }
      x[i] = v / g[i * m + i]
    }
    for i in stride(from: m - 1, through: 0, by: -1) {
      var v = x[i]
      for k in (i + 1)..<max(i + 1, m) { v -= g[k * m + i] * x[k] }
      x[i] = v / g[i * m + i]
    }
    return x
  }
}
