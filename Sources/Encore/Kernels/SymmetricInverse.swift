/// The inverse of a symmetric positive-definite matrix in double precision, in place, through
/// its Cholesky factor: A = L·Lᵀ, M = L⁻¹, A⁻¹ = Mᵀ·M. Every step is a set of contiguous
/// dot products spread over the context's threads; beside A it needs one vector of n doubles.
///
/// Layout while it runs (row-major n × n): L in the lower triangle, then M's columns as rows
/// of the strict upper triangle (its diagonal in a vector), then A⁻¹ written over L's lower
/// triangle (its diagonal in a vector) and mirrored at the end.
public enum SymmetricInverse {
  /// Replaces the n × n matrix at `a` by its inverse. Throws when it is not positive definite
  /// (a pivot at or below 0), naming the row.
  public static func invert(_ a: UnsafeMutablePointer<Double>, n: Int, compute: ComputeContext) throws {
    guard n > 0 else { return }
    try cholesky(a, n: n, compute: compute)
    let mDiagonal = UnsafeMutablePointer<Double>.allocate(capacity: n)
    defer { mDiagonal.deallocate() }
    invertFactor(a, n: n, diagonal: mDiagonal, compute: compute)
    let pDiagonal = UnsafeMutablePointer<Double>.allocate(capacity: n)
    defer { pDiagonal.deallocate() }
    gram(a, n: n, mDiagonal: mDiagonal, pDiagonal: pDiagonal, compute: compute)
    // Mirror the lower triangle into the upper one, and restore the diagonal.
    let matrix = UncheckedSendable(a)
    compute.forRanges(n, grain: 64) { lo, hi in
      let a = matrix.value
      for i in lo..<hi {
        a[i * n + i] = pDiagonal[i]
        for j in (i + 1)..<max(i + 1, n) { a[i * n + j] = a[j * n + i] }
      }
    }
  }

  /// Solves A·x = b for a small symmetric positive-definite A (n × n, overwritten by its
  /// Cholesky factor); `rhs` holds b and receives x. Throws when A is not positive definite.
  public static func solve(_ a: UnsafeMutablePointer<Double>, n: Int, rhs: inout [Double]) throws {
    try cholesky(a, n: n, compute: .serial)
    // L·z = b, then Lᵀ·x = z.
    for i in 0..<n {
      let row = a + i * n
      rhs[i] = (rhs[i] - rhs.withUnsafeBufferPointer { dot(row, $0.baseAddress!, i) }) / row[i]
    }
    for i in stride(from: n - 1, through: 0, by: -1) {
      var s = rhs[i]
      for k in (i + 1)..<max(i + 1, n) { s -= a[k * n + i] * rhs[k] }
      rhs[i] = s / a[i * n + i]
    }
  }

  /// L (lower triangle, diagonal included) with L·Lᵀ = A, column by column; each column's
  /// rows below the diagonal are independent and run in parallel.
  static func cholesky(_ a: UnsafeMutablePointer<Double>, n: Int, compute: ComputeContext) throws {
    let matrix = UncheckedSendable(a)
    for j in 0..<n {
      let rowJ = a + j * n
      let d = rowJ[j] - dot(rowJ, rowJ, j)
      guard d > 0 && d.isFinite else {
        throw EncoreError.invalidArgument("the matrix is not positive definite (pivot \(d) at row \(j + 1)): give a larger regularisation")
      }
      let pivot = d.squareRoot()
      rowJ[j] = pivot
      let rows = n - j - 1
      guard rows > 0 else { continue }
      let parallel = rows * j > 1 << 15 ? compute : .serial
      parallel.forRanges(rows, grain: 16) { lo, hi in
        let a = matrix.value
        let rowJ = a + j * n
        for i in (j + 1 + lo)..<(j + 1 + hi) {
          let rowI = a + i * n
          rowI[j] = (rowI[j] - dot(rowI, rowJ, j)) / pivot
        }
      }
    }
  }

  /// M = L⁻¹ by forward substitution, one column j of M per task: M[j][j] = 1/L[j][j] into
  /// `diagonal`, M[i][j] (i > j) into a[j][i], the strict upper triangle.
  static func invertFactor(_ a: UnsafeMutablePointer<Double>, n: Int, diagonal: UnsafeMutablePointer<Double>, compute: ComputeContext) {
    let matrix = UncheckedSendable(a), diag = UncheckedSendable(diagonal)
    // Column j costs about (n − j)²/2: cut the columns into equal shares of that.
    var prefix = [Int](repeating: 0, count: n + 1)
    for j in 0..<n { prefix[j + 1] = prefix[j] + (n - j) * (n - j) / 2 + 1 }
    prefix.withUnsafeBufferPointer { prefix in
      compute.forWeightedRanges(n, prefix: prefix, minWeight: 1 << 16) { lo, hi in
        let a = matrix.value, diagonal = diag.value
        let x = UnsafeMutablePointer<Double>.allocate(capacity: n)
        defer { x.deallocate() }
        for j in lo..<hi {
          // x holds column j of M from row j on: x[k - j] = M[k][j].
          x[0] = 1 / a[j * n + j]
          for i in (j + 1)..<max(j + 1, n) {
            let rowI = a + i * n
            x[i - j] = -dot(rowI + j, x, i - j) / rowI[i]
          }
          diagonal[j] = x[0]
          let out = a + j * n
          for i in (j + 1)..<max(j + 1, n) { out[i] = x[i - j] }
        }
      }
    }
  }

  /// A⁻¹ = Mᵀ·M: entry (b, a) for b ≥ a is Σ over k ≥ b of M[k][a]·M[k][b], a dot product of
  /// rows a and b of the upper triangle from column b on. Written into the lower triangle.
  static func gram(_ a: UnsafeMutablePointer<Double>, n: Int, mDiagonal: UnsafeMutablePointer<Double>, pDiagonal: UnsafeMutablePointer<Double>, compute: ComputeContext) {
    let matrix = UncheckedSendable(a), mDiag = UncheckedSendable(mDiagonal), pDiag = UncheckedSendable(pDiagonal)
    var prefix = [Int](repeating: 0, count: n + 1)
    for j in 0..<n { prefix[j + 1] = prefix[j] + (n - j) * (n - j) / 2 + 1 }
    prefix.withUnsafeBufferPointer { prefix in
      compute.forWeightedRanges(n, prefix: prefix, minWeight: 1 << 16) { lo, hi in
        let a = matrix.value, mDiagonal = mDiag.value, pDiagonal = pDiag.value
        for r in lo..<hi {
          let rowR = a + r * n
          // Diagonal: M[r][r]² + Σ_{k>r} M[k][r]².
          pDiagonal[r] = mDiagonal[r] * mDiagonal[r] + dot(rowR + r + 1, rowR + r + 1, n - r - 1)
          for b in (r + 1)..<max(r + 1, n) {
            let rowB = a + b * n
            // k = b: M[b][r]·M[b][b]; k > b: the rows' upper parts.
            a[b * n + r] = rowR[b] * mDiagonal[b] + dot(rowR + b + 1, rowB + b + 1, n - b - 1)
          }
        }
      }
    }
  }

  /// Σ x[k]·y[k] for k < count, in eight lanes.
  @inline(__always) static func dot(_ x: UnsafePointer<Double>, _ y: UnsafePointer<Double>, _ count: Int) -> Double {
    var acc0 = SIMD8<Double>(), acc1 = SIMD8<Double>()
    var k = 0
    let rx = UnsafeRawPointer(x), ry = UnsafeRawPointer(y)
    while k + 16 <= count {
      acc0 += rx.loadUnaligned(fromByteOffset: k * 8, as: SIMD8<Double>.self) * ry.loadUnaligned(fromByteOffset: k * 8, as: SIMD8<Double>.self)
      acc1 += rx.loadUnaligned(fromByteOffset: k * 8 + 64, as: SIMD8<Double>.self) * ry.loadUnaligned(fromByteOffset: k * 8 + 64, as: SIMD8<Double>.self)
      k += 16
    }
    var s = (acc0 + acc1).sum()
    while k < count {
      s += x[k] * y[k]
      k += 1
    }
    return s
  }
}
