import CEncoreKernels
import XCTest

@testable import Encore

final class DenseKernelTests: XCTestCase {
  func naive(_ ta: Bool, _ tb: Bool, _ m: Int, _ n: Int, _ k: Int, _ a: [Float], _ b: [Float]) -> [Double] {
    var c = [Double](repeating: 0, count: m * n)
    for i in 0..<m {
      for j in 0..<n {
        var s = 0.0
        for p in 0..<k {
          let av = ta ? a[p * m + i] : a[i * k + p]
          let bv = tb ? b[j * k + p] : b[p * n + j]
          s += Double(av) * Double(bv)
        }
        c[i * n + j] = s
      }
    }
    return c
  }

  /// The built-in GEMM against a naive product on odd shapes, every transpose, with and
  /// without accumulation; the last row panel holds 1 to 6 rows (128 rows: 21 panels and 2).
  func testBuiltinGemmMatchesNaiveOnOddShapes() {
    var rng = SeededGenerator(seed: 2)
    let shapes = [
      (1, 1, 1), (1, 7, 3), (5, 1, 9), (7, 13, 17), (13, 67, 5), (31, 64, 257), (97, 131, 300), (6, 64, 256),
      (257, 70, 1), (128, 70, 300), (4, 64, 9), (9, 65, 33),
    ]
    for (m, n, k) in shapes {
      for ta in [false, true] {
        for tb in [false, true] {
          let a = (0..<(m * k)).map { _ in rng.nextUnitFloat() - 0.5 }
          let b = (0..<(k * n)).map { _ in rng.nextUnitFloat() - 0.5 }
          let initial = (0..<(m * n)).map { _ in rng.nextUnitFloat() }
          let expected = naive(ta, tb, m, n, k, a, b)
          for accumulate in [false, true] {
            var c = initial
            a.withUnsafeBufferPointer { ap in
              b.withUnsafeBufferPointer { bp in
                c.withUnsafeMutableBufferPointer { cp in
                  DenseKernels.builtinGemm(
                    transA: ta, transB: tb, m: m, n: n, k: k, a: ap.baseAddress!, lda: ta ? m : k, b: bp.baseAddress!,
                    ldb: tb ? k : n, c: cp.baseAddress!, ldc: n, accumulate: accumulate, on: .automatic)
                }
              }
            }
            for idx in 0..<(m * n) {
              let want = expected[idx] + (accumulate ? Double(initial[idx]) : 0)
              XCTAssertEqual(Double(c[idx]), want, accuracy: 1e-4 * Double(max(1, k)), "\(m)x\(n)x\(k) ta=\(ta) tb=\(tb) acc=\(accumulate)")
            }
          }
        }
      }
    }
  }

  /// Two transposed-A products added into one result through their stacked K: the naive sum,
  /// with K within one block and across several (an odd first K, so a bf16 pair straddles
  /// the two sources), on 1 and 2 threads, with and without accumulation; with bf16 products,
  /// the naive sum of the rounded inputs.
  func testStackedGemmAddsBothProducts() throws {
    var rng = SeededGenerator(seed: 31)
    for (m, n, k1, k2) in [(1, 1, 1, 0), (37, 70, 5, 9), (200, 130, 128, 128), (61, 64, 201, 130)] {
      let a1 = (0..<(k1 * m)).map { _ in rng.nextUnitFloat() - 0.5 }, b1 = (0..<(k1 * n)).map { _ in rng.nextUnitFloat() - 0.5 }
      let a2 = (0..<(k2 * m)).map { _ in rng.nextUnitFloat() - 0.5 }, b2 = (0..<(k2 * n)).map { _ in rng.nextUnitFloat() - 0.5 }
      let initial = (0..<(m * n)).map { _ in rng.nextUnitFloat() }
      for precision in [ComputeContext.Precision.fp32, .bf16] {
        let r = roundsInputs(precision)
        let first = naive(true, false, m, n, k1, a1.map(r), b1.map(r)), second = naive(true, false, m, n, k2, a2.map(r), b2.map(r))
        for threads in [1, 2] {
          for accumulate in [false, true] {
            var c = initial
            let compute = try ComputeContext(threads: threads, gemm: .builtin).with(precision: precision)
            stacked(m, n, a1, b1, k1, a2, b2, k2, &c, accumulate: accumulate, step: nil, on: compute)
            for i in 0..<(m * n) {
              let want = first[i] + second[i] + (accumulate ? Double(initial[i]) : 0)
              XCTAssertEqual(Double(c[i]), want, accuracy: 1e-4 * Double(k1 + k2), "\(m)x\(n) k \(k1)+\(k2) threads \(threads) acc \(accumulate) \(precision)")
            }
          }
        }
      }
    }
  }

  /// An Adam step fused into the gradient product gives exactly the bits of the product
  /// followed by `ek_adam_flat`: for w, both moments and the gradient left behind (zero when
  /// cleared, else the gradient), with the gradient zero on entry or holding a partial sum,
  /// and with K within one block or across several (partial sums written to C in between).
  func testFusedAdamStepGivesTheSeparateStepsBits() throws {
    var rng = SeededGenerator(seed: 32)
    for (m, n, k) in [(37, 70, 9), (40, 70, 9), (61, 128, 300)] {
      let a1 = (0..<(k * m)).map { _ in rng.nextUnitFloat() - 0.5 }, b1 = (0..<(k * n)).map { _ in rng.nextUnitFloat() - 0.5 }
      let a2 = (0..<(k * m)).map { _ in rng.nextUnitFloat() - 0.5 }, b2 = (0..<(k * n)).map { _ in rng.nextUnitFloat() - 0.5 }
      let w0 = (0..<(m * n)).map { _ in rng.nextUnitFloat() - 0.5 }
      let m0 = (0..<(m * n)).map { _ in (rng.nextUnitFloat() - 0.5) * 0.1 }, v0 = (0..<(m * n)).map { _ in rng.nextUnitFloat() * 0.01 }
      let partial = (0..<(m * n)).map { _ in rng.nextUnitFloat() - 0.5 }
      for (threads, precision) in [(1, ComputeContext.Precision.fp32), (2, .fp32), (1, .bf16), (2, .bf16)] {
        let compute = try ComputeContext(threads: threads, gemm: .builtin).with(precision: precision)
        for (zeroOnEntry, clear) in [(true, true), (false, true), (false, false)] {
          // Separate: the product into the gradient, then the flat step.
          var g = zeroOnEntry ? [Float](repeating: 0, count: m * n) : partial
          stacked(m, n, a1, b1, k, a2, b2, k, &g, accumulate: true, step: nil, on: compute)
          var (w, mo, v) = (w0, m0, v0)
          ek_adam_flat(m * n, &w, &mo, &v, &g, 0.01, 0.9, 0.999, 1e-8, 0.05, clear ? 1 : 0)
          // Fused.
          var fg = zeroOnEntry ? [Float](repeating: 0, count: m * n) : partial
          var (fw, fm, fv) = (w0, m0, v0)
          let fused = fw.withUnsafeMutableBufferPointer { wp in
            fm.withUnsafeMutableBufferPointer { mp in
              fv.withUnsafeMutableBufferPointer { vp in
                let step = FusedAdamStep(
                  weights: wp.baseAddress!, firstMoment: mp.baseAddress!, secondMoment: vp.baseAddress!, learningRate: 0.01,
                  beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weightDecay: 0.05, clearsGradient: clear, gradientIsZero: zeroOnEntry)
                return stacked(m, n, a1, b1, k, a2, b2, k, &fg, accumulate: true, step: step, on: compute)
              }
            }
          }
          let label = "\(m)x\(n)x\(k) threads \(threads) zero \(zeroOnEntry) clear \(clear) \(precision)"
          XCTAssertTrue(fused, label)
          XCTAssertEqual(fw, w, label)
          XCTAssertEqual(fm, mo, label)
          XCTAssertEqual(fv, v, label)
          XCTAssertEqual(fg, g, label)
          XCTAssertNotEqual(fw, w0, label)
        }
      }
    }
  }

  /// A product that steps its B operand: C is A·Bᵀ with B before the step, and B, both
  /// moments and the cleared gradient are exactly what `ek_adam_flat` gives, with K within one
  /// block and across two, on 1 and 2 threads (each row stepped once).
  func testSteppingTheOperandGivesTheProductBeforeAndTheSeparateStepsBits() throws {
    var rng = SeededGenerator(seed: 33)
    for (m, n, k) in [(7, 45, 12), (40, 300, 200), (30, 200, 600)] {
      let a = (0..<(m * k)).map { _ in rng.nextUnitFloat() - 0.5 }
      let b0 = (0..<(n * k)).map { _ in rng.nextUnitFloat() - 0.5 }
      let m0 = (0..<(n * k)).map { _ in (rng.nextUnitFloat() - 0.5) * 0.1 }, v0 = (0..<(n * k)).map { _ in rng.nextUnitFloat() * 0.01 }
      let g0 = (0..<(n * k)).map { _ in rng.nextUnitFloat() - 0.5 }
      var (w, mo, v, g) = (b0, m0, v0, g0)
      ek_adam_flat(n * k, &w, &mo, &v, &g, 0.01, 0.9, 0.999, 1e-8, 0.05, 1)
      for (threads, precision) in [(1, ComputeContext.Precision.fp32), (2, .fp32), (1, .bf16), (2, .bf16)] {
        let r = roundsInputs(precision)
        let product = naive(false, true, m, n, k, a.map(r), b0.map(r))
        var (fb, fm, fv, fg) = (b0, m0, v0, g0)
        var c = [Float](repeating: .nan, count: m * n)
        let stepped = try fb.withUnsafeMutableBufferPointer { bp in
          try fm.withUnsafeMutableBufferPointer { mp in
            try fv.withUnsafeMutableBufferPointer { vp in
              try fg.withUnsafeMutableBufferPointer { gp in
                let step = FusedAdamStep(
                  weights: bp.baseAddress!, firstMoment: mp.baseAddress!, secondMoment: vp.baseAddress!, gradient: gp.baseAddress!,
                  learningRate: 0.01, beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weightDecay: 0.05, clearsGradient: true,
                  gradientIsZero: false)
                return DenseKernels.gemmSteppingB(
                  m: m, n: n, k: k, a: a, lda: k, b: bp.baseAddress!, ldb: k, c: &c, ldc: n, step: step,
                  on: try ComputeContext(threads: threads, gemm: .builtin).with(precision: precision))
              }
            }
          }
        }
        let label = "\(m)x\(n)x\(k) threads \(threads) \(precision)"
        XCTAssertTrue(stepped, label)
        for i in 0..<(m * n) { XCTAssertEqual(Double(c[i]), product[i], accuracy: 1e-4 * Double(k), label) }
        XCTAssertEqual(fb, w, label)
        XCTAssertEqual(fm, mo, label)
        XCTAssertEqual(fv, v, label)
        XCTAssertEqual(fg, g, label)
      }
    }
  }

  /// What a product at `precision` does to its inputs: bf16 rounding where the CPU has it.
  func roundsInputs(_ precision: ComputeContext.Precision) -> (Float) -> Float {
    if precision == .bf16 && DenseKernels.hasBF16 { return { DenseKernels.roundedToBF16($0) } }
    return { $0 }
  }

  @discardableResult
  func stacked(
    _ m: Int, _ n: Int, _ a1: [Float], _ b1: [Float], _ k1: Int, _ a2: [Float], _ b2: [Float], _ k2: Int, _ c: inout [Float],
    accumulate: Bool, step: FusedAdamStep?, on compute: ComputeContext
  ) -> Bool {
    a1.withUnsafeBufferPointer { a1 in
      b1.withUnsafeBufferPointer { b1 in
        a2.withUnsafeBufferPointer { a2 in
          b2.withUnsafeBufferPointer { b2 in
            c.withUnsafeMutableBufferPointer { cp in
              DenseKernels.stackedGemm(
                m: m, n: n, .init(a: a1.baseAddress ?? UnsafePointer(bitPattern: 64)!, lda: m, b: b1.baseAddress ?? UnsafePointer(bitPattern: 64)!, ldb: n, k: k1),
                .init(a: a2.baseAddress ?? UnsafePointer(bitPattern: 64)!, lda: m, b: b2.baseAddress ?? UnsafePointer(bitPattern: 64)!, ldb: n, k: k2),
                c: cp.baseAddress!, ldc: n, accumulate: accumulate, step: step, on: compute)
            }
          }
        }
      }
    }
  }

  /// `--precision bf16`: the product of the inputs rounded to bfloat16, summed in fp32 (every
  /// transpose, ragged shapes, odd K); on a CPU without AVX512_BF16, exactly the fp32 kernel.
  func testBF16GemmIsTheProductOfRoundedInputs() throws {
    var rng = SeededGenerator(seed: 21)
    let fp32 = try ComputeContext(threads: 2, gemm: .builtin), bf16 = fp32.with(precision: .bf16)
    XCTAssertEqual(bf16.usesBF16, DenseKernels.hasBF16)
    for (m, n, k) in [(1, 1, 1), (7, 13, 17), (13, 67, 5), (31, 64, 257), (97, 131, 300), (128, 70, 33), (9, 40, 20), (10, 66, 7)] {
      for ta in [false, true] {
        for tb in [false, true] {
          let a = (0..<(m * k)).map { _ in rng.nextUnitFloat() - 0.5 }
          let b = (0..<(k * n)).map { _ in rng.nextUnitFloat() - 0.5 }
          let initial = (0..<(m * n)).map { _ in rng.nextUnitFloat() }
          let rounded = naive(ta, tb, m, n, k, a.map(DenseKernels.roundedToBF16), b.map(DenseKernels.roundedToBF16))
          let exact = naive(ta, tb, m, n, k, a, b)
          for accumulate in [false, true] {
            var c = initial, plain = initial
            DenseKernels.gemm(transA: ta, transB: tb, m: m, n: n, k: k, a: a, lda: ta ? m : k, b: b, ldb: tb ? k : n,
                              c: &c, ldc: n, accumulate: accumulate, on: bf16)
            DenseKernels.gemm(transA: ta, transB: tb, m: m, n: n, k: k, a: a, lda: ta ? m : k, b: b, ldb: tb ? k : n,
                              c: &plain, ldc: n, accumulate: accumulate, on: fp32)
            var largestRoundingEffect = 0.0
            for idx in 0..<(m * n) {
              let base = accumulate ? Double(initial[idx]) : 0
              if DenseKernels.hasBF16 {
                XCTAssertEqual(Double(c[idx]), rounded[idx] + base, accuracy: 1e-5 * Double(k), "\(m)x\(n)x\(k) ta=\(ta) tb=\(tb)")
                largestRoundingEffect = max(largestRoundingEffect, abs(rounded[idx] - exact[idx]))
              } else {
                XCTAssertEqual(c[idx], plain[idx], "\(m)x\(n)x\(k): without AVX512_BF16 bf16 is the fp32 kernel")
              }
            }
            // The inputs really were rounded: bf16 keeps 8 significant bits.
            if DenseKernels.hasBF16 && k >= 17 { XCTAssertGreaterThan(largestRoundingEffect, 1e-4) }
          }
        }
      }
    }
    XCTAssertEqual(DenseKernels.roundedToBF16(1 + 1.0 / 256), 1, "a tie rounds to even")
    XCTAssertEqual(DenseKernels.roundedToBF16(1 + 3.0 / 256), 1 + 4.0 / 256)
  }

  func testOpenBLASPathAgreesWhenPresent() throws {
    guard let blas = try? ComputeContext(gemm: .openBLAS) else { throw XCTSkip("OpenBLAS is not installed") }
    var rng = SeededGenerator(seed: 3)
    let (m, n, k) = (37, 45, 53)
    let a = (0..<(m * k)).map { _ in rng.nextUnitFloat() }, b = (0..<(k * n)).map { _ in rng.nextUnitFloat() }
    var c1 = [Float](repeating: 0, count: m * n), c2 = c1
    DenseKernels.gemm(m: m, n: n, k: k, a: a, lda: k, b: b, ldb: n, c: &c1, ldc: n, on: blas)
    DenseKernels.gemm(m: m, n: n, k: k, a: a, lda: k, b: b, ldb: n, c: &c2, ldc: n, on: try ComputeContext(gemm: .builtin))
    for i in 0..<(m * n) { XCTAssertEqual(c1[i], c2[i], accuracy: 1e-3) }
  }

  func testMultiDotMatchesPlainDotsForEveryBatchSizeAndTail() {
    var rng = SeededGenerator(seed: 12)
    let rowCount = 301, width = 37
    let rows = (0..<rowCount * width).map { _ in Float(rng.next() % 1000) / 500 - 1 }
    for count in 1...7 {
      let vectors = (0..<count * width).map { _ in Float(rng.next() % 1000) / 500 - 1 }
      var out = [Float](repeating: .nan, count: count * rowCount)
      rows.withUnsafeBufferPointer { r in
        vectors.withUnsafeBufferPointer { v in
          out.withUnsafeMutableBufferPointer { o in
            DenseKernels.multiDot(
              rows: r.baseAddress!, rowStride: width, rowCount: rowCount, vectors: v.baseAddress!, vectorStride: width,
              vectorCount: count, width: width, out: o.baseAddress!, ldo: rowCount, on: ComputeContext.automatic)
          }
        }
      }
      for b in 0..<count {
        for i in 0..<rowCount {
          var expected = 0.0
          for j in 0..<width { expected += Double(rows[i * width + j]) * Double(vectors[b * width + j]) }
          XCTAssertEqual(Double(out[b * rowCount + i]), expected, accuracy: 1e-4, "count \(count) vector \(b) row \(i)")
        }
      }
    }
  }
}
