import XCTest

@testable import Encore

final class RidgeRegressionTests: XCTestCase {
  /// The solution satisfies the normal equations (AᵀA + D)·x = Aᵀy, in both the primal
  /// (more rows than columns) and the dual (fewer) form.
  func testSolutionSatisfiesTheNormalEquations() throws {
    var rng = SeededGenerator(seed: 5)
    for (n, m) in [(30, 6), (6, 30), (10, 10), (1, 4)] {
      let a = (0..<(n * m)).map { _ in rng.nextUnitFloat() - 0.5 }
      let y = (0..<n).map { _ in 5 * rng.nextUnitFloat() }
      let d = (0..<m).map { j in j == m - 1 ? Float(1e-3) : 0.5 + rng.nextUnitFloat() }
      let x = try XCTUnwrap(RidgeRegression.solve(design: a, rows: n, columns: m, targets: y, ridge: d))
      for j in 0..<m {
        var lhs = Double(d[j]) * Double(x[j]), rhs = 0.0
        for r in 0..<n {
          var fit = 0.0
          for i in 0..<m { fit += Double(a[r * m + i]) * Double(x[i]) }
          lhs += Double(a[r * m + j]) * fit
          rhs += Double(a[r * m + j]) * Double(y[r])
        }
        XCTAssertEqual(lhs, rhs, accuracy: 1e-3 * max(1, abs(rhs)), "n \(n) m \(m) column \(j)")
      }
    }
  }

  /// One feature, one ridge: x = Σ a·y / (Σ a² + d).
  func testKnownAnswer() throws {
    let x = try XCTUnwrap(RidgeRegression.solve(design: [1, 2, 3], rows: 3, columns: 1, targets: [2, 4, 7], ridge: [1]))
    XCTAssertEqual(x[0], Float(1 * 2 + 2 * 4 + 3 * 7) / Float(1 + 4 + 9 + 1), accuracy: 1e-6)
    XCTAssertNil(RidgeRegression.solve(design: [1], rows: 1, columns: 1, targets: [1], ridge: [0]))
  }
}
