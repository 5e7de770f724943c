import XCTest

@testable import Encore

final class SparseKernelTests: XCTestCase {
  /// gatherAxpy and gatherDot against naive loops, on widths that exercise every tail.
  func testKernelsMatchNaiveLoops() {
    var rng = SeededGenerator(seed: 1)
    for width in [1, 3, 16, 17, 31, 32, 33, 100, 500] {
      let rows = 9, cols = 13
      let ratings = smallRatings(users: rows, items: cols, perUser: 4, seed: UInt64(width))
      let x = SparseMatrix(ratings, userCount: rows, itemCount: cols, itemsAsRows: false)
      let m = StableBuffer<Float>((0..<(cols * width)).map { _ in rng.nextUnitFloat() - 0.5 })
      let initial = StableBuffer<Float>((0..<width).map { _ in rng.nextUnitFloat() })
      let columnBias = StableBuffer<Float>((0..<cols).map { _ in rng.nextUnitFloat() })  // one per column
      let out = StableBuffer<Float>(zeros: rows * width)
      x.rowStart.withUnsafeBufferPointer { rs in
        x.columns.withUnsafeBufferPointer { cs in
          x.values.withUnsafeBufferPointer { vs in
            SparseKernels.gatherAxpy(
              count: rows, rows: nil, rowStart: rs.baseAddress!, indices: cs.baseAddress!, values: vs.baseAddress!,
              matrix: m.pointer, matrixStride: width, initial: initial.pointer, output: out.pointer, outputStride: width,
              width: width, on: .automatic)
            let dots = StableBuffer<Float>(zeros: x.nonzeroCount)
            SparseKernels.gatherDot(
              count: rows, rows: nil, rowStart: rs.baseAddress!, indices: cs.baseAddress!, dense: out.pointer,
              denseStride: width, matrix: m.pointer, matrixStride: width, bias: columnBias.pointer, output: dots.pointer,
              outputStart: rs.baseAddress!, width: width, on: .automatic)
            for r in 0..<rows {
              for h in 0..<width {
                var expected = initial[h]
                for p in x.rowStart[r]..<x.rowStart[r + 1] { expected += x.values[p] * m[Int(x.columns[p]) * width + h] }
                XCTAssertEqual(out[r * width + h], expected, accuracy: 1e-4)
              }
              for p in x.rowStart[r]..<x.rowStart[r + 1] {
                var expected = columnBias[Int(x.columns[p])]
                for h in 0..<width { expected += out[r * width + h] * m[Int(x.columns[p]) * width + h] }
                XCTAssertEqual(dots[p], expected, accuracy: 1e-3 * max(1, abs(expected)))
              }
            }
          }
        }
      }
    }
  }

  /// bf16 weight rows (`BF16RowCopy`): the copy is the matrix rounded to bf16, and the gathers
  /// over it give exactly the fp32 gathers' bits over the rounded matrix, on every width's tail;
  /// a refresh of listed rows rounds those rows and leaves the others alone.
  func testBF16RowsGiveTheFP32SumsOverTheRoundedMatrix() throws {
    var rng = SeededGenerator(seed: 2)
    for width in [1, 3, 16, 17, 31, 32, 33, 100, 500] {
      let rows = 9, cols = 13
      let ratings = smallRatings(users: rows, items: cols, perUser: 4, seed: UInt64(width))
      let x = SparseMatrix(ratings, userCount: rows, itemCount: cols, itemsAsRows: false)
      let m = StableBuffer<Float>((0..<(cols * width)).map { _ in rng.nextUnitFloat() - 0.5 })
      let rounded = StableBuffer<Float>(m.array.map(DenseKernels.roundedToBF16))
      let copy = BF16RowCopy(of: m.pointer, rowCount: cols, width: width, on: try ComputeContext(threads: 2))
      for i in 0..<(cols * width) { XCTAssertEqual(copy[i], rounded[i], "width \(width) element \(i)") }
      XCTAssertTrue((0..<(cols * width)).contains { copy[$0] != m[$0] } || width < 3, "the copy really is rounded")
      let initial = StableBuffer<Float>((0..<width).map { _ in rng.nextUnitFloat() })
      let bias = StableBuffer<Float>((0..<cols).map { _ in rng.nextUnitFloat() })
      func gathers(_ matrix: WeightRows) -> ([Float], [Float]) {
        let out = StableBuffer<Float>(zeros: rows * width), dots = StableBuffer<Float>(zeros: x.nonzeroCount)
        x.rowStart.withUnsafeBufferPointer { rs in
          x.columns.withUnsafeBufferPointer { cs in
            x.values.withUnsafeBufferPointer { vs in
              SparseKernels.gatherAxpy(
                count: rows, rows: nil, rowStart: rs.baseAddress!, indices: cs.baseAddress!, values: vs.baseAddress!,
                matrix: matrix, matrixStride: width, initial: initial.pointer, output: out.pointer, outputStride: width,
                width: width, on: .automatic)
              SparseKernels.gatherDot(
                count: rows, rows: nil, rowStart: rs.baseAddress!, indices: cs.baseAddress!, dense: out.pointer,
                denseStride: width, matrix: matrix, matrixStride: width, bias: bias.pointer, output: dots.pointer,
                outputStart: rs.baseAddress!, width: width, on: .automatic)
            }
          }
        }
        return (out.array, dots.array)
      }
      let (axpyBF16, dotBF16) = gathers(copy.rows), (axpyRounded, dotRounded) = gathers(.fp32(rounded.pointer))
      XCTAssertEqual(axpyBF16, axpyRounded, "width \(width)")
      XCTAssertEqual(dotBF16, dotRounded, "width \(width)")
      // Move rows 2 and 5 of the master; refresh only those.
      for r in [2, 5] { for j in 0..<width { m[r * width + j] += 0.25 } }
      let listed: [Int32] = [5, 2]
      listed.withUnsafeBufferPointer { copy.refresh(from: m.pointer, rows: $0.baseAddress, count: 2, on: .serial) }
      for r in 0..<cols {
        for j in 0..<width {
          let want = [2, 5].contains(r) ? DenseKernels.roundedToBF16(m[r * width + j]) : rounded[r * width + j]
          XCTAssertEqual(copy[r * width + j], want, "width \(width) row \(r)")
        }
      }
    }
  }

  /// The kernels pick the best instruction set this CPU has, as /proc/cpuinfo lists it:
  /// AVX-512 (F, VL, BW and DQ), else AVX2 with FMA, else the portable code; ENCORE_ISA
  /// ("avx2", "baseline") caps it, for CI's runs of the kernel tests on the other builds, and
  /// bf16 products then fall back to fp32.
  func testInstructionSetMatchesTheCPUsFlags() throws {
    guard let cpuinfo = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
      let line = cpuinfo.split(separator: "\n").first(where: { $0.hasPrefix("flags") })
    else { throw XCTSkip("no /proc/cpuinfo flags to compare with") }
    let flags = Set(line.split(separator: ":").last!.split(separator: " ").map(String.init))
    #if arch(x86_64)
    let best = ["avx512f", "avx512vl", "avx512bw", "avx512dq"].allSatisfy(flags.contains) ? "avx512"
      : ["avx2", "fma"].allSatisfy(flags.contains) ? "avx2" : "baseline"
    #else
    let best = "baseline"
    #endif
    let order = ["baseline", "avx2", "avx512"]
    let cap = ProcessInfo.processInfo.environment["ENCORE_ISA"].flatMap { order.firstIndex(of: $0) } ?? 2
    let expected = order[min(order.firstIndex(of: best)!, cap)]
    XCTAssertEqual(SparseKernels.instructionSet, expected, "flags: \(flags.filter { $0.hasPrefix("avx") }.sorted())")
    if expected != "avx512" { XCTAssertFalse(DenseKernels.hasBF16, "bf16 products need the AVX-512 build") }
  }
}
