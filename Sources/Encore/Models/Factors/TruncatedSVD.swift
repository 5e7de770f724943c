/// Truncated SVD of the zero-filled user × item rating matrix, R ≈ U_k Σ_k V_kᵀ (seed 004's
/// recommender). Small matrices are decomposed exactly (eigen-decomposition of the smaller
/// Gram matrix); large sparse ones by randomized SVD (Halko, Martinsson & Tropp 2011: a
/// Gaussian sketch, 4 power iterations with re-orthonormalisation, 10 extra columns), whose
/// cost is O(ratings × (k + 10)) per pass, never users × items.
public enum TruncatedSVD {
  public static func fit(_ ratings: RatingSet, userCount m: Int, itemCount n: Int, components k: Int, seed: UInt64) throws -> FactorModel {
    guard k >= 1 && k <= min(m, n) else {
      throw EncoreError.invalidSetting("factors", "for truncated-svd must be between 1 and \(min(m, n))")
    }
    let a = SparseMatrix(ratings, userCount: m, itemCount: n, itemsAsRows: false)
    let at = a.transposed()
    let l = min(k + 10, min(m, n))
    var u: [Double]  // m × k, column c at u[row * k + c]
    var sigma: [Double]
    var v: [Double]  // n × k
    if min(m, n) <= l {
      // Exact: eigen-decomposition of AᵀA (n × n) when n ≤ m, else of AAᵀ.
      let small = n <= m ? a : at
      let dim = small.columnCount
      var gram = [Double](repeating: 0, count: dim * dim)
      for r in 0..<small.rowCount {
        let lo = small.rowStart[r], hi = small.rowStart[r + 1]
        for p in lo..<hi {
          for q in lo..<hi {
            gram[Int(small.columns[p]) * dim + Int(small.columns[q])] += Double(small.values[p]) * Double(small.values[q])
          }
        }
      }
      let (values, vectors) = symmetricEigen(gram, dim)
      sigma = (0..<k).map { max(values[$0], 0).squareRoot() }
      var right = [Double](repeating: 0, count: dim * k)
      for row in 0..<dim { for c in 0..<k { right[row * k + c] = vectors[row * dim + c] } }
      // Left vectors: (the other side) = M · right / σ.
      let other = multiply(small, right, k)
      var left = other
      for row in 0..<small.rowCount { for c in 0..<k { left[row * k + c] = sigma[c] > 1e-12 ? other[row * k + c] / sigma[c] : 0 } }
      if n <= m { u = left; v = right } else { u = right; v = left }
    } else {
      var rng = SeededGenerator(seed: seed, stream: 30)
      let omega = (0..<(n * l)).map { _ in rng.nextGaussian() }
      var y = orthonormalize(multiply(a, omega, l), rows: m, columns: l)
      for _ in 0..<4 {
        let z = orthonormalize(multiply(at, y, l), rows: n, columns: l)
        y = orthonormalize(multiply(a, z, l), rows: m, columns: l)
      }
      // B = Qᵀ A, held as Bᵀ = Aᵀ Q (n × l); eigen-decompose B Bᵀ (l × l).
      let bt = multiply(at, y, l)
      var bbt = [Double](repeating: 0, count: l * l)
      for row in 0..<n { for i in 0..<l { for j in 0..<l { bbt[i * l + j] += bt[row * l + i] * bt[row * l + j] } } }
      let (values, vectors) = symmetricEigen(bbt, l)
      sigma = (0..<k).map { max(values[$0], 0).squareRoot() }
      u = [Double](repeating: 0, count: m * k)
      for row in 0..<m { for c in 0..<k { var s = 0.0; for i in 0..<l { s += y[row * l + i] * vectors[i * l + c] }; u[row * k + c] = s } }
      v = [Double](repeating: 0, count: n * k)
      for row in 0..<n {
        for c in 0..<k {
          var s = 0.0
          for i in 0..<l { s += bt[row * l + i] * vectors[i * l + c] }
          v[row * k + c] = sigma[c] > 1e-12 ? s / sigma[c] : 0
        }
      }
    }
    var userFactors = [Float](repeating: 0, count: m * k)
    for row in 0..<m { for c in 0..<k { userFactors[row * k + c] = Float(u[row * k + c] * sigma[c]) } }
    return FactorModel(
      kind: .truncatedSVD, globalMean: 0, userBias: [], itemBias: [], factorCount: k, userFactors: userFactors,
      itemFactors: v.map(Float.init), implicitFactors: [])
  }

  /// Sparse (rows × columnCount) times dense (columnCount × width), in double precision.
  static func multiply(_ s: SparseMatrix, _ x: [Double], _ width: Int) -> [Double] {
    var out = [Double](repeating: 0, count: s.rowCount * width)
    for r in 0..<s.rowCount {
      for p in s.rowStart[r]..<s.rowStart[r + 1] {
        let a = Double(s.values[p]), c = Int(s.columns[p]) * width
        for w in 0..<width { out[r * width + w] += a * x[c + w] }
      }
    }
    return out
  }

  /// Orthonormal columns spanning those of a rows × columns matrix (modified Gram–Schmidt,
  /// twice for stability).
  static func orthonormalize(_ m: [Double], rows: Int, columns: Int) -> [Double] {
    var q = m
    for _ in 0..<2 {
      for c in 0..<columns {
        for prev in 0..<c {
          var dot = 0.0
          for r in 0..<rows { dot += q[r * columns + c] * q[r * columns + prev] }
          for r in 0..<rows { q[r * columns + c] -= dot * q[r * columns + prev] }
        }
        var norm = 0.0
        for r in 0..<rows { norm += q[r * columns + c] * q[r * columns + c] }
        norm = norm.squareRoot()
        for r in 0..<rows { q[r * columns + c] = norm > 1e-300 ? q[r * columns + c] / norm : 0 }
      }
    }
    return q
  }

  /// Eigenvalues (descending) and eigenvectors (column c of the n × n result) of a symmetric
  /// matrix, by cyclic Jacobi rotations.
  static func symmetricEigen(_ matrix: [Double], _ n: Int) -> (values: [Double], vectors: [Double]) {
    var a = matrix
    var v = [Double](repeating: 0, count: n * n)
    for i in 0..<n { v[i * n + i] = 1 }
    for _ in 0..<100 {
      var off = 0.0
      for i in 0..<n { for j in 0..<n where i != j { off += a[i * n + j] * a[i * n + j] } }
      if off < 1e-22 * max(1, (0..<n).reduce(0.0) { $0 + a[$1 * n + $1] * a[$1 * n + $1] }) { break }
      for p in 0..<n {
        for q in (p + 1)..<max(n, p + 1) where abs(a[p * n + q]) > 1e-300 {
          let theta = (a[q * n + q] - a[p * n + p]) / (2 * a[p * n + q])
          let t = (theta >= 0 ? 1.0 : -1.0) / (abs(theta) + (theta * theta + 1).squareRoot())
          let c = 1 / (t * t + 1).squareRoot(), s = t * c
          for k in 0..<n {
            let akp = a[k * n + p], akq = a[k * n + q]
            a[k * n + p] = c * akp - s * akq
            a[k * n + q] = s * akp + c * akq
          }
          for k in 0..<n {
            let apk = a[p * n + k], aqk = a[q * n + k]
            a[p * n + k] = c * apk - s * aqk
            a[q * n + k] = s * apk + c * aqk
          }
          for k in 0..<n {
            let vkp = v[k * n + p], vkq = v[k * n + q]
            v[k * n + p] = c * vkp - s * vkq
            v[k * n + q] = s * vkp + c * vkq
          }
        }
      }
    }
    let order = (0..<n).sorted { a[$0 * n + $0] > a[$1 * n + $1] }
    var vectors = [Double](repeating: 0, count: n * n)
    for (newC, oldC) in order.enumerated() { for r in 0..<n { vectors[r * n + newC] = v[r * n + oldC] } }
    return (order.map { a[$0 * n + $0] }, vectors)
  }
}
