import XCTest

@testable import Encore

/// Finite-difference checks of the whole AutoRec objective Σ_O (h(r) − r)² + λ/2 (‖W‖² + ‖V‖²):
/// the sparse gradient (plus λθ) must match central differences of a dense, double-precision
/// reference implementation, for every activation and both orientations.
final class GradientCheckTests: XCTestCase {
  struct Parameters {
    var v: [Double], mu: [Double], w: [Double], b: [Double]
  }

  /// Dense reference: every row's full output vector, loss over observed entries only.
  /// `inputs` (one per stored rating, in matrix order) replaces the encoder's input values and
  /// `mask` (rows × k) multiplies the hidden code, to replay a fixed dropout draw.
  func referenceLoss(
    _ p: Parameters, x: SparseMatrix, k: Int, g: Activation, f: Activation, lambda: Double,
    inputs: [Float]? = nil, mask: [Float]? = nil
  ) -> Double {
    let d = x.columnCount
    var loss = 0.0
    for r in 0..<x.rowCount {
      var dense = [Double](repeating: 0, count: d)
      for q in x.rowStart[r]..<x.rowStart[r + 1] { dense[Int(x.columns[q])] = Double(inputs?[q] ?? x.values[q]) }
      var hidden = [Double](repeating: 0, count: k)
      for h in 0..<k {
        var z = p.mu[h]
        for j in 0..<d { z += p.v[j * k + h] * dense[j] }
        hidden[h] = referenceActivation(g, z) * Double(mask?[r * k + h] ?? 1)
      }
      for q in x.rowStart[r]..<x.rowStart[r + 1] {
        let c = Int(x.columns[q])
        var s = p.b[c]
        for h in 0..<k { s += p.w[c * k + h] * hidden[h] }
        let e = referenceActivation(f, s) - Double(x.values[q])
        loss += e * e
      }
    }
    var l2 = 0.0
    for a in p.v { l2 += a * a }
    for a in p.w { l2 += a * a }
    return loss + lambda / 2 * l2
  }

  func check(
    orientation: AutoRecConfiguration.Orientation, g: Activation, f: Activation, inputOffset: Float = 0,
    dropout: AutoRecGradient.Dropout = .none, file: StaticString = #filePath, line: UInt = #line
  ) {
    let ratings = smallRatings(users: 7, items: 6, perUser: 3, seed: 3)
    let x = SparseMatrix(ratings, userCount: 7, itemCount: 6, itemsAsRows: orientation == .itemBased)
    let k = 4
    let lambda: Float = 0.7
    var config = AutoRecConfiguration(orientation: orientation, hiddenUnits: k, encoderActivation: g, decoderActivation: f, lambda: lambda)
    config.inputOffset = inputOffset
    let model = AutoRec(configuration: config, input: x, seed: 11)
    // Small inputs keep the pre-activations away from relu's kink and in sigmoid's range.
    for j in 0..<model.encoderWeight.count { model.encoderWeight[j] *= 0.5 }
    for j in 0..<k { model.encoderBias[j] = 0.05 * Float(j + 1) }
    for j in 0..<model.decoderBias.count { model.decoderBias[j] = 0.1 * Float(j % 3) }
    let grad = AutoRecGradient(columnCount: x.columnCount, compute: .automatic)
    var generator = SeededGenerator(seed: 99)
    grad.compute(model: model, rows: Array(0..<Int32(x.rowCount))[...], dropout: dropout, generator: &generator)
    let inputs = grad.lastInputs
    let mask: [Float]? = grad.lastHiddenMask.isEmpty ? nil : grad.lastHiddenMask
    if dropout.input > 0 { XCTAssertTrue(inputs.contains(0), "some inputs are dropped", file: file, line: line) }
    let d = x.columnCount
    // Analytic gradient, dense: data term on touched columns plus λθ everywhere.
    var gv = [Double](repeating: 0, count: d * k), gw = gv
    var gb = [Double](repeating: 0, count: d)
    for j in 0..<(d * k) {
      gv[j] = Double(lambda * model.encoderWeight[j])
      gw[j] = Double(lambda * model.decoderWeight[j])
    }
    for (s, c) in grad.touched.enumerated() {
      for h in 0..<k {
        gv[Int(c) * k + h] += Double(grad.encoderWeight[s * k + h])
        gw[Int(c) * k + h] += Double(grad.decoderWeight[s * k + h])
      }
      gb[Int(c)] += Double(grad.decoderBias[s])
    }
    let gmu = (0..<k).map { Double(grad.encoderBias[$0]) }
    let base = Parameters(
      v: model.encoderWeight.array.map(Double.init), mu: model.encoderBias.array.map(Double.init),
      w: model.decoderWeight.array.map(Double.init), b: model.decoderBias.array.map(Double.init))
    // The sparse forward pass's loss equals the dense reference's data term.
    var noL2 = base
    let referenceData = referenceLoss(noL2, x: x, k: k, g: g, f: f, lambda: 0, inputs: inputs, mask: mask)
    XCTAssertEqual(grad.squaredError, referenceData, accuracy: 1e-4 * max(1, referenceData), "forward", file: file, line: line)
    noL2.v[0] += 0  // silence mutation warning
    let eps = 1e-5
    func numeric(_ mutate: (inout Parameters, Double) -> Void) -> Double {
      var plus = base, minus = base
      mutate(&plus, eps)
      mutate(&minus, -eps)
      return (referenceLoss(plus, x: x, k: k, g: g, f: f, lambda: Double(lambda), inputs: inputs, mask: mask)
        - referenceLoss(minus, x: x, k: k, g: g, f: f, lambda: Double(lambda), inputs: inputs, mask: mask)) / (2 * eps)
    }
    func close(_ a: Double, _ n: Double, _ what: String) {
      let tolerance = 2e-3 * max(1, abs(n))
      XCTAssertEqual(a, n, accuracy: tolerance, "\(orientation.rawValue) g=\(g) f=\(f) \(what)", file: file, line: line)
    }
    for j in 0..<(d * k) {
      close(gv[j], numeric { p, e in p.v[j] += e }, "V[\(j)]")
      close(gw[j], numeric { p, e in p.w[j] += e }, "W[\(j)]")
    }
    for h in 0..<k { close(gmu[h], numeric { p, e in p.mu[h] += e }, "mu[\(h)]") }
    for c in 0..<d { close(gb[c], numeric { p, e in p.b[c] += e }, "b[\(c)]") }
  }

  func testEveryEncoderActivationItemBased() {
    for g in Activation.allCases { check(orientation: .itemBased, g: g, f: .identity) }
  }

  func testEveryDecoderActivationItemBased() {
    for f in Activation.allCases { check(orientation: .itemBased, g: .sigmoid, f: f) }
  }

  func testEveryActivationUserBased() {
    for a in Activation.allCases {
      check(orientation: .userBased, g: a, f: .identity)
      check(orientation: .userBased, g: .sigmoid, f: a)
    }
  }

  func testCentredInputs() {
    check(orientation: .itemBased, g: .sigmoid, f: .identity, inputOffset: 3.2)
    check(orientation: .userBased, g: .tanh, f: .identity, inputOffset: 3.2)
  }

  /// Dropout with a fixed mask: the gradient is exact for that draw.
  func testInputAndHiddenDropoutWithAFixedMask() {
    for a in [Activation.sigmoid, .selu, .relu] {
      check(orientation: .itemBased, g: a, f: .identity, dropout: .init(input: 0.3))
      check(orientation: .userBased, g: a, f: .identity, dropout: .init(hidden: 0.4))
      check(orientation: .itemBased, g: a, f: .elu, inputOffset: 2, dropout: .init(input: 0.25, hidden: 0.25))
    }
  }

  /// Inverted dropout: a kept input is divided by the keep probability (so its expectation is
  /// the rating), a dropped one is 0, and about the dropout fraction is dropped; the same for
  /// the hidden mask (0 or 1/keep).
  func testDropoutKeepsTheExpectationOfInputsAndCode() {
    let ratings = smallRatings(users: 60, items: 40, perUser: 12, seed: 3)
    let x = SparseMatrix(ratings, userCount: 60, itemCount: 40, itemsAsRows: false)
    var configuration = AutoRecConfiguration(orientation: .userBased, hiddenUnits: 10)
    configuration.inputOffset = 0.5  // no rating minus the offset is 0, so 0 means dropped
    let model = AutoRec(configuration: configuration, input: x, seed: 1)
    let gradient = AutoRecGradient(columnCount: 40, compute: .serial)
    var generator = SeededGenerator(seed: 4)
    let rows = Array(0..<Int32(60))[...]
    gradient.compute(model: model, rows: rows, dropout: .init(input: 0.25, hidden: 0.5), generator: &generator)
    var k = 0, dropped = 0
    for r in rows {
      for p in x.rowStart[Int(r)]..<x.rowStart[Int(r) + 1] {
        let seen = gradient.lastInputs[k]
        if seen == 0 { dropped += 1 } else { XCTAssertEqual(seen, (x.values[p] - 0.5) / 0.75, accuracy: 1e-5) }
        k += 1
      }
    }
    XCTAssertEqual(k, x.nonzeroCount)
    XCTAssertEqual(Double(dropped) / Double(k), 0.25, accuracy: 0.05)
    let mask = gradient.lastHiddenMask
    XCTAssertEqual(mask.count, 60 * 10)
    XCTAssertTrue(mask.allSatisfy { $0 == 0 || $0 == 2 }, "hidden mask values: \(Set(mask))")
    XCTAssertEqual(Double(mask.filter { $0 == 0 }.count) / Double(mask.count), 0.5, accuracy: 0.06)
  }

  /// Batching must not change the gradient: the sum of per-batch gradients equals the
  /// gradient of all rows at once.
  func testBatchesSumToFullGradient() {
    let ratings = smallRatings(users: 20, items: 15, perUser: 5, seed: 5)
    let x = SparseMatrix(ratings, userCount: 20, itemCount: 15, itemsAsRows: true)
    let model = AutoRec(configuration: AutoRecConfiguration(hiddenUnits: 8), input: x, seed: 1)
    let full = AutoRecGradient(columnCount: x.columnCount, compute: .automatic)
    full.compute(model: model, rows: Array(0..<Int32(x.rowCount))[...])
    var summed = [Float](repeating: 0, count: x.columnCount * 8)
    let part = AutoRecGradient(columnCount: x.columnCount, compute: .automatic)
    for lo in stride(from: 0, to: x.rowCount, by: 4) {
      let rows = Array(Int32(lo)..<Int32(min(x.rowCount, lo + 4)))
      part.compute(model: model, rows: rows[...])
      for (s, c) in part.touched.enumerated() {
        for h in 0..<8 { summed[Int(c) * 8 + h] += part.decoderWeight[s * 8 + h] }
      }
    }
    for (s, c) in full.touched.enumerated() {
      for h in 0..<8 {
        XCTAssertEqual(summed[Int(c) * 8 + h], full.decoderWeight[s * 8 + h], accuracy: 1e-4)
      }
    }
  }
}
