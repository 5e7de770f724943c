/// The inverse of a symmetric positive-definite matrix in single precision, in place, by the
/// sweep operator applied a block of pivots at a time (Goodnight 1979), with the rank-`block`
/// updates on the built-in GEMM. After sweeping the pivot set S the matrix is
///   [[−A_SS⁻¹, A_SS⁻¹·A_SR], [A_RS·A_SS⁻¹, A_RR − A_RS·A_SS⁻¹·A_SR]],
/// which stays symmetric, so only the lower triangle is read and updated: about n³ flops in
/// all, the same as a Cholesky factorisation and inversion, with one n × n matrix of floats
/// and an n × block panel beside it. Each pivot block is inverted in double precision.
public enum SymmetricSweep {
  /// Replaces the n × n matrix at `a` (row-major, symmetric) by its inverse, both triangles.
  /// Throws when a pivot block is not positive definite (the matrix is not, or too ill
  /// conditioned for single precision).
  public static func invert(_ a: UnsafeMutablePointer<Float>, n: Int, block: Int = 512, compute: ComputeContext) throws {
    guard n > 0 else { return }
    let b = max(1, min(block, n))
    let column = UnsafeMutablePointer<Float>.allocate(capacity: n * b)  // A[:, K], all rows
    let scaled = UnsafeMutablePointer<Float>.allocate(capacity: n * b)  // −A[:, K] · P
    let pivot = UnsafeMutablePointer<Double>.allocate(capacity: b * b)
    let pivotFloat = UnsafeMutablePointer<Float>.allocate(capacity: b * b)
    defer {
      column.deallocate()
      scaled.deallocate()
      pivot.deallocate()
      pivotFloat.deallocate()
    }
    let matrix = UncheckedSendable(a), col = UncheckedSendable(column)
    for k0 in stride(from: 0, to: n, by: b) {
      let k1 = min(n, k0 + b), w = k1 - k0
      // 1. Gather the column panel from the lower triangle: rows below the block read
      //    A[i][K]; rows above it read row block K (A[K][i], the same entries by symmetry).
      compute.forRanges(n, grain: 256) { lo, hi in
        let a = matrix.value, column = col.value
        // Rows above the block: a transpose of row block K's columns lo..<hi, in tiles.
        let above = min(hi, k0)
        if lo < above { transpose(a + k0 * n + lo, rows: w, columns: above - lo, ld: n, into: column + lo * w, ldOut: w) }
        for i in max(lo, k0)..<max(max(lo, k0), hi) {
          let out = column + i * w
          if i >= k1 {
            out.update(from: a + i * n + k0, count: w)
          } else {
            for c in 0..<w { out[c] = k0 + c <= i ? a[i * n + k0 + c] : a[(k0 + c) * n + i] }
          }
        }
      }
      // 2. The pivot block's inverse P, in doubles.
      for r in 0..<w { for c in 0..<w { pivot[r * w + c] = Double(column[(k0 + r) * w + c]) } }
      do {
        try SymmetricInverse.invert(pivot, n: w, compute: .serial)
      } catch {
        throw EncoreError.invalidArgument(
          "the matrix is not positive definite in single precision at rows \(k0 + 1)–\(k1): give a larger regularisation")
      }
      for k in 0..<(w * w) { pivotFloat[k] = Float(pivot[k]) }
      // 3. scaled = −A[:, K]·P (rows of K unused).
      DenseKernels.gemm(m: n, n: w, k: w, a: column, lda: w, b: pivotFloat, ldb: w, c: scaled, ldc: w, on: compute)
      for k in 0..<(n * w) { scaled[k] = -scaled[k] }
      // 4. A_RR −= A_RK·P·A_KR on the lower triangle, a block row at a time.
      for i0 in stride(from: 0, to: n, by: b) where i0 != k0 {
        let i1 = min(n, i0 + b)
        DenseKernels.gemm(
          transB: true, m: i1 - i0, n: i1, k: w, a: scaled + i0 * w, lda: w, b: column, ldb: w, c: a + i0 * n, ldc: n,
          accumulate: true, on: compute)
      }
      // 5. The swept entries: A_RK ← A_RK·P (`scaled` negated back), A_KK ← −P.
      let sc = UncheckedSendable(scaled)
      for k in 0..<(n * w) { scaled[k] = -scaled[k] }
      compute.forRanges(n, grain: 256) { lo, hi in
        let a = matrix.value, scaled = sc.value
        let above = min(hi, k0)
        if lo < above { transpose(scaled + lo * w, rows: above - lo, columns: w, ld: w, into: a + k0 * n + lo, ldOut: n) }
        for i in max(lo, k1)..<max(max(lo, k1), hi) { (a + i * n + k0).update(from: scaled + i * w, count: w) }
      }
      for r in 0..<w { for c in 0...r { a[(k0 + r) * n + k0 + c] = Float(-pivot[r * w + c]) } }
    }
    // Every pivot swept: the lower triangle holds −A⁻¹. Negate and mirror.
    compute.forRanges(n, grain: 64) { lo, hi in
      let a = matrix.value
      for i in lo..<hi {
        for j in 0...i { a[i * n + j] = -a[i * n + j] }
      }
    }
    // Upper from lower, in 64 × 64 tiles: tile (I, J) with J > I is the transpose of (J, I).
    let tile = 64
    let tiles = (n + tile - 1) / tile
    compute.forRanges(tiles, grain: 1) { lo, hi in
      let a = matrix.value
      for ti in lo..<hi {
        let i0 = ti * tile, i1 = min(n, i0 + tile)
        for j0 in stride(from: i0, to: n, by: tile) {
          let j1 = min(n, j0 + tile)
          for i in i0..<i1 {
            for j in max(j0, i + 1)..<max(max(j0, i + 1), j1) { a[i * n + j] = a[j * n + i] }
          }
        }
      }
    }
  }

  /// out[c][r] = m[r][c] for a `rows` × `columns` block (leading dimensions `ld`, `ldOut`),
  /// in 32 × 32 tiles so that both sides stay in cache.
  static func transpose(_ m: UnsafePointer<Float>, rows: Int, columns: Int, ld: Int, into out: UnsafeMutablePointer<Float>, ldOut: Int) {
    let tile = 32
    for r0 in stride(from: 0, to: rows, by: tile) {
      let r1 = min(rows, r0 + tile)
      for c0 in stride(from: 0, to: columns, by: tile) {
        let c1 = min(columns, c0 + tile)
        for c in c0..<c1 {
          for r in r0..<r1 { out[c * ldOut + r] = m[r * ld + c] }
        }
      }
    }
  }
}

/// The precision a symmetric inverse is computed in: `double` (`SymmetricInverse`, exact to
/// rounding, memory-bound dot products) or `single` (`SymmetricSweep`, on the GEMM kernels).
public enum InversePrecision: String, Codable, Sendable, CaseIterable {
  case single, double
}
