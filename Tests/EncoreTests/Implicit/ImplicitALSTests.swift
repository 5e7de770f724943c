import XCTest

@testable import Encore

/// iALS: each half-step against a direct solve of its least-squares system, the objective it
/// lowers, the fold-in it scores with, and the same bits on any thread count.
final class ImplicitALSTests: XCTestCase {
  func data(users: Int = 60, items: Int = 25, seed: UInt64 = 3) -> SparseMatrix {
    var rng = SeededGenerator(seed: seed)
    let rows = (0..<users).map { u -> [Int32] in
      var chosen = Set<Int32>([Int32(u % items)])
      let count = 1 + Int(rng.next() % 8)
      while chosen.count < count { chosen.insert(Int32(rng.next() % UInt64(items))) }
      return Array(chosen)
    }
    return SparseMatrix(binaryRows: rows, columnCount: items)
  }

  /// Solves the row's system (α₀ YᵀY + Σ (c − α₀) y yᵀ + λI) w = c Σ y directly, in doubles.
  func directSolve(_ row: [Int32], y: [Float], d: Int, c: Double, a0: Double, reg: Double) -> [Double] {
    let n = y.count / d
    var a = [Double](repeating: 0, count: d * d), b = [Double](repeating: 0, count: d)
    for i in 0..<n {
      let weight = row.contains(Int32(i)) ? c : a0
      for p in 0..<d {
        if row.contains(Int32(i)) { b[p] += c * Double(y[i * d + p]) }
        for q in 0..<d { a[p * d + q] += weight * Double(y[i * d + p]) * Double(y[i * d + q]) }
      }
    }
    for p in 0..<d { a[p * d + p] += reg }
    // Gaussian elimination with partial pivoting.
    for col in 0..<d {
      let piv = (col..<d).max { abs(a[$0 * d + col]) < abs(a[$1 * d + col]) }!
      for j in 0..<d { a.swapAt(col * d + j, piv * d + j) }
      b.swapAt(col, piv)
      for r in (col + 1)..<max(col + 1, d) {
        let f = a[r * d + col] / a[col * d + col]
        for j in col..<d { a[r * d + j] -= f * a[col * d + j] }
        b[r] -= f * b[col]
      }
    }
    var x = [Double](repeating: 0, count: d)
    for i in stride(from: d - 1, through: 0, by: -1) {
      var s = b[i]
      for j in (i + 1)..<max(i + 1, d) { s -= a[i * d + j] * x[j] }
      x[i] = s / a[i * d + i]
    }
    return x
  }

  func testFoldInSolvesTheRowSystemExactly() throws {
    let x = data()
    var settings = ImplicitALSSettings()
    settings.factors = 6
    settings.epochs = 3
    settings.alpha = 4
    settings.unobservedWeight = 0.3
    settings.reg = 0.05
    let model = try settings.train(InteractionTrainingJob(train: x, validation: nil, compute: .serial)).model as! ImplicitALSModel
    for u in [0, 7, 33] {
      let w = model.userFactors(x.row(u))
      let expected = directSolve(Array(x.row(u)), y: model.itemFactors, d: 6, c: 4, a0: 0.3, reg: 0.05)
      for p in 0..<6 { XCTAssertEqual(Double(w[p]), expected[p], accuracy: 1e-5 * max(1, abs(expected[p])), "user \(u) factor \(p)") }
    }
  }

  func testConjugateGradientWithEnoughStepsReachesTheDirectSolution() throws {
    let x = data()
    var settings = ImplicitALSSettings()
    settings.factors = 5
    settings.alpha = 3
    settings.unobservedWeight = 0.5
    settings.reg = 0.1
    settings.conjugateGradientSteps = 40  // far more than 5 dimensions need
    var rng = SeededGenerator(seed: 9)
    let items = (0..<(25 * 5)).map { _ in Float(rng.nextGaussian()) * 0.3 }
    var users = [Float](repeating: 0, count: 60 * 5)
    ALSSolver.sweep(x, solving: &users, given: items, settings: settings, compute: .serial)
    for u in [1, 20, 59] {
      let expected = directSolve(Array(x.row(u)), y: items, d: 5, c: 3, a0: 0.5, reg: 0.1)
      for p in 0..<5 { XCTAssertEqual(Double(users[u * 5 + p]), expected[p], accuracy: 1e-3, "user \(u) factor \(p)") }
    }
  }

  /// The objective Σ_observed c(1 − w·y)² + α₀ Σ_unobserved (w·y)² + λ(‖W‖² + ‖Y‖²), in doubles.
  func objective(_ x: SparseMatrix, users: [Float], items: [Float], d: Int, c: Double, a0: Double, reg: Double) -> Double {
    var total = 0.0
    for u in 0..<x.rowCount {
      let row = Set(x.row(u))
      for i in 0..<x.columnCount {
        var dot = 0.0
        for p in 0..<d { dot += Double(users[u * d + p]) * Double(items[i * d + p]) }
        total += row.contains(Int32(i)) ? c * (1 - dot) * (1 - dot) : a0 * dot * dot
      }
    }
    return total + reg * (users.reduce(0) { $0 + Double($1) * Double($1) } + items.reduce(0) { $0 + Double($1) * Double($1) })
  }

  func testEverySweepLowersTheObjectiveAndThreadsDoNotChangeBits() throws {
    let x = data(users: 80, items: 30, seed: 4)
    var settings = ImplicitALSSettings()
    settings.factors = 8
    settings.alpha = 5
    settings.unobservedWeight = 1
    settings.reg = 0.1
    var rng = SeededGenerator(seed: 1)
    var users = (0..<(80 * 8)).map { _ in Float(rng.nextGaussian()) * 0.1 }
    var items = (0..<(30 * 8)).map { _ in Float(rng.nextGaussian()) * 0.1 }
    var last = objective(x, users: users, items: items, d: 8, c: 5, a0: 1, reg: 0.1)
    let byItem = x.transposed()
    for _ in 0..<4 {
      ALSSolver.sweep(x, solving: &users, given: items, settings: settings, compute: .serial)
      let afterUsers = objective(x, users: users, items: items, d: 8, c: 5, a0: 1, reg: 0.1)
      XCTAssertLessThanOrEqual(afterUsers, last * (1 + 1e-6))
      ALSSolver.sweep(byItem, solving: &items, given: users, settings: settings, compute: .serial)
      let afterItems = objective(x, users: users, items: items, d: 8, c: 5, a0: 1, reg: 0.1)
      XCTAssertLessThanOrEqual(afterItems, afterUsers * (1 + 1e-6))
      last = afterItems
    }
    var one = settings
    one.epochs = 4
    one.factors = 8
    let a = try one.train(InteractionTrainingJob(train: x, validation: nil, compute: .serial)).model.namedParameters[0].values
    let b = try one.train(InteractionTrainingJob(train: x, validation: nil, compute: try ComputeContext(threads: 2))).model.namedParameters[0].values
    XCTAssertEqual(a, b)
    let c = try one.seeded(7).train(InteractionTrainingJob(train: x, validation: nil, compute: .serial)).model.namedParameters[0].values
    XCTAssertNotEqual(a, c, "the seed sets the initial factors")
  }

  func testSettingsAreChecked() {
    var s = ImplicitALSSettings()
    s.factors = 0
    XCTAssertThrowsError(try s.validate())
    s = ImplicitALSSettings()
    s.alpha = 0
    XCTAssertThrowsError(try s.validate())
    s = ImplicitALSSettings()
    s.reg = 0
    s.unobservedWeight = 0
    XCTAssertThrowsError(try s.validate())
    XCTAssertThrowsError(try ModelFamilies.implicitSettings(named: "ials", overrides: { var o = ModelOverrides(); o.hidden = 3; return o }())) {
      XCTAssertTrue("\($0)".contains("hidden"), "\($0)")
    }
  }
}
