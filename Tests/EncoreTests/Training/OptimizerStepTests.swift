import Foundation
import XCTest

@testable import Encore

/// Every optimiser's update, checked against a transcription of its textbook definition in
/// double precision (Kingma & Ba's Adam with bias-corrected moments, heavy-ball momentum,
/// Adagrad, RMSprop, iRprop−), weight decay included, over two steps so that moments and
/// bias correction both matter. The trainers' own use of λ is checked the same way: one real
/// step of the AutoRec stepper equals the reference update of (data gradient + λ·w).
final class OptimizerStepTests: XCTestCase {
  /// Kingma & Ba, Algorithm 1, on one scalar, with L2 decay added to the gradient.
  struct ReferenceAdam {
    var m = 0.0, v = 0.0
    mutating func step(_ w: inout Double, gradient g: Double, decay: Double, lr: Double, t: Int) {
      let gj = g + decay * w
      m = 0.9 * m + 0.1 * gj
      v = 0.999 * v + 0.001 * gj * gj
      let mHat = m / (1 - pow(0.9, Double(t)))
      let vHat = v / (1 - pow(0.999, Double(t)))
      w -= lr * mHat / (vHat.squareRoot() + 1e-8)
    }
  }

  /// Heavy-ball momentum (PyTorch's SGD with momentum 0.9, dampening 0), L2 decay in the gradient.
  struct ReferenceMomentum {
    var u = 0.0
    /// 0.9, or 0 for plain SGD (w −= lr·(g + decay·w)).
    var mu = 0.9
    mutating func step(_ w: inout Double, gradient g: Double, decay: Double, lr: Double) {
      u = mu * u + g + decay * w
      w -= lr * u
    }
  }

  private func assertClose(_ actual: [Float], _ expected: [Double], tolerance: Double = 2e-6, _ message: String, line: UInt = #line) {
    XCTAssertEqual(actual.count, expected.count, message, line: line)
    for (j, (a, e)) in zip(actual, expected).enumerated() {
      XCTAssertEqual(Double(a), e, accuracy: tolerance * max(1, abs(e)), "\(message) [\(j)]", line: line)
    }
  }

  // MARK: - The lazy row steps (AutoRec)

  /// Rows 2 and 0 are updated (in that order) with scaled gradients and per-row decay; row 1 is
  /// not touched and keeps its weights.
  func testLazyRowStepsMatchAdamAndMomentumByHand() {
    let start: [Float] = [0.5, -0.2, 0.1, 0.3, -0.4, 0.6]
    let rowDecay: [Float] = [1.5, 2, 3]
    let touched: [Int32] = [2, 0]
    let gradients: [[Float]] = [[0.2, -0.1, 0.05, 0.3], [-0.15, 0.25, 0.4, -0.05]]
    let scale: Float = 2, lr: Float = 0.01, decay: Float = 0.1
    for kind in [OptimizerKind.adam, .momentum, .plainSGD] {
      let state = RowOptimizerState(rows: 3, width: 2, needsSecondMoment: kind == .adam, compute: .serial)
      let weights = StableBuffer(start)
      let decays = StableBuffer(rowDecay)
      var expected = start.map(Double.init)
      var adam = Array(repeating: ReferenceAdam(), count: 6)
      var momentum = Array(repeating: ReferenceMomentum(mu: kind == .plainSGD ? 0 : 0.9), count: 6)
      for (t, g) in gradients.enumerated() {
        let gradient = StableBuffer(g)
        touched.withUnsafeBufferPointer {
          state.step(kind, weights: weights, rows: $0.baseAddress, count: 2, gradient: gradient.pointer, gradientScale: scale,
                     learningRate: lr, decay: decay, rowDecay: decays, stepNumber: t + 1)
        }
        for (slot, row) in touched.enumerated() {
          for j in 0..<2 {
            let at = Int(row) * 2 + j
            let gj = Double(scale) * Double(g[slot * 2 + j])
            let d = Double(decay) * Double(rowDecay[Int(row)])
            if kind == .adam {
              adam[at].step(&expected[at], gradient: gj, decay: d, lr: Double(lr), t: t + 1)
            } else {
              momentum[at].step(&expected[at], gradient: gj, decay: d, lr: Double(lr))
            }
          }
        }
        assertClose(weights.array, expected, "\(kind) after step \(t + 1)")
      }
      XCTAssertEqual(Array(weights.array[2..<4]), [0.1, 0.3], "\(kind): an untouched row must not move")
    }
  }

  /// iRprop−: the step grows by 1.2 while the sign holds, shrinks by 0.5 on a sign change (and
  /// that element waits one step), and the update is the step times the gradient's sign.
  func testRpropFollowsIRpropMinus() {
    let state = RpropState(count: 2, initialStep: 0.1, compute: .serial)
    let weights = StableBuffer<Float>([1, 1])
    // Element 0: +, +, −, −. Element 1: −, 0, −, +.
    let steps: [[Float]] = [[0.3, -2], [0.1, 0], [-0.5, -1], [-0.2, 4]]
    var expected: [Double] = [1, 1]
    for g in steps.map({ $0 }) { state.step(weights: weights, gradient: StableBuffer(g)) }
    // Element 0: −0.1, −0.12, (sign change: step 0.06, no move), +0.06 (previous gradient was zeroed).
    expected[0] = 1 - 0.1 - 0.12 + 0.06
    // Element 1: +0.1, (zero gradient: no move, step kept), +0.1, (sign change: step 0.05, no move).
    expected[1] = 1 + 0.1 + 0.1
    assertClose(weights.array, expected, "rprop")
    XCTAssertEqual(Double(state.stepSize[0]), 0.06, accuracy: 1e-7)
    XCTAssertEqual(Double(state.stepSize[1]), 0.05, accuracy: 1e-7)
  }

  // MARK: - The dense steps (deep autoencoder)

  /// The deep trainer's step for each optimiser, weight decay included, on every parameter of a
  /// small network with set gradients; and clipping scales the whole gradient to the bound.
  func testDeepTrainerStepsMatchEachOptimizerByHand() throws {
    let input = SparseMatrix(rows: [0, 1, 1], columns: [0, 2, 3], values: [4, 2, 5], rowCount: 2, columnCount: 4)
    var configuration = DeepAutoencoderConfiguration()
    configuration.hiddenLayers = [3]
    for kind in [OptimizerKind.adam, .momentum, .plainSGD, .adagrad, .rmsprop] {
      for clip: Float in [0, 0.05] {
        let model = try DeepAutoencoder(configuration: configuration, input: input, seed: 3)
        var options = DeepTrainingOptions()
        options.optimizer = kind
        options.weightDecay = 0.2
        options.clipNorm = clip
        let trainer = DeepAutoencoderTrainer(options: options, compute: .serial)
        let lr: Float = 0.01
        var expected = model.parameters.map { $0.value.array.map(Double.init) }
        var first = model.parameters.map { Array(repeating: 0.0, count: $0.count) }
        var second = first
        var stepNumber = 0
        for t in 1...2 {
          var raw: [[Double]] = []
          for (p, parameter) in model.parameters.enumerated() {
            let g = (0..<parameter.count).map { j in Float(sin(Double(7 * p + 3 * j + 11 * t))) * 0.3 }
            for j in 0..<parameter.count { parameter.gradient[j] = g[j] }
            raw.append(g.map(Double.init))
          }
          let norm = raw.joined().map { $0 * $0 }.reduce(0, +).squareRoot()
          let factor = clip > 0 && norm > Double(clip) ? Double(clip) / norm : 1
          try trainer.step(model, learningRate: lr, stepNumber: &stepNumber, epoch: 1)
          XCTAssertEqual(stepNumber, t)
          for p in model.parameters.indices {
            for j in expected[p].indices {
              let g = raw[p][j] * factor + 0.2 * expected[p][j]
              let l = Double(lr)
              switch kind {
              case .adam:
                first[p][j] = 0.9 * first[p][j] + 0.1 * g
                second[p][j] = 0.999 * second[p][j] + 0.001 * g * g
                let mHat = first[p][j] / (1 - pow(0.9, Double(t))), vHat = second[p][j] / (1 - pow(0.999, Double(t)))
                expected[p][j] -= l * mHat / (vHat.squareRoot() + 1e-8)
              case .momentum:
                first[p][j] = 0.9 * first[p][j] + g
                expected[p][j] -= l * first[p][j]
              case .plainSGD:
                expected[p][j] -= l * g
              case .adagrad:
                second[p][j] += g * g
                expected[p][j] -= l * g / (second[p][j].squareRoot() + 1e-10)
              case .rmsprop:
                second[p][j] = 0.99 * second[p][j] + 0.01 * g * g
                expected[p][j] -= l * g / (second[p][j].squareRoot() + 1e-8)
              case .rprop:
                XCTFail("not a deep-ae optimiser")
              }
            }
            assertClose(model.parameters[p].value.array, expected[p], tolerance: 1e-5, "\(kind) clip \(clip) \(model.parameters[p].name) step \(t)")
          }
        }
      }
    }
  }

  // MARK: - λ in the AutoRec trainer

  /// One real mini-batch step of the AutoRec stepper moves every weight, bias and untouched row
  /// exactly as the reference optimiser applied to the objective's gradient: the data term
  /// scaled by rows/batch, plus λ·w with the lazy-decay correction 1/p for weight rows
  /// (p = 1 − (1 − B/N)^n, the chance that a batch touches a column with n ratings), plus λ·b
  /// for the biases.
  func testAutoRecStepAppliesLambdaAsTheObjectiveSays() throws {
    let ratings = smallRatings(users: 14, items: 9, perUser: 3, seed: 5)
    let input = SparseMatrix(ratings, userCount: 14, itemCount: 9, itemsAsRows: false)
    let lambda: Float = 3
    // Each optimiser with the paper's objective, and seed 001's variant: each batch's mean over
    // its cells (scale 1 / (B·d)) with λ on the encoder only.
    let variants: [(OptimizerKind, ReconstructionLoss, Bool)] = [
      (.adam, .masked, true), (.momentum, .masked, true), (.plainSGD, .masked, true), (.plainSGD, .allCells, false), (.adam, .allCells, false),
    ]
    for (kind, loss, decayDecoder) in variants {
      let configuration = AutoRecConfiguration(orientation: .userBased, hiddenUnits: 4, lambda: lambda)
      let model = AutoRec(configuration: configuration, input: input, seed: 9)
      // Biases start at 0, where decay does nothing: move them so that λ·b shows.
      for j in 0..<model.decoderBias.count { model.decoderBias[j] = 0.3 + 0.1 * Float(j) }
      for j in 0..<model.encoderBias.count { model.encoderBias[j] = -0.2 * Float(j + 1) }
      var options = TrainingOptions()
      options.optimizer = kind
      options.batchSize = 5
      options.learningRate = 0.01
      options.centerInputs = false
      options.loss = loss
      options.decayDecoder = decayDecoder
      let stepper = try AutoRecStepper(model: model, options: options, compute: .serial)
      let batch = stepper.rows[0..<5]
      // The data-term gradient at the starting point, from an independent gradient object.
      let reference = AutoRecGradient(columnCount: 9, compute: .serial)
      var generator = SeededGenerator(seed: 1)
      reference.compute(model: model, rows: batch, dropout: .none, generator: &generator)
      let before = (v: model.encoderWeight.array, w: model.decoderWeight.array, b: model.decoderBias.array, mu: model.encoderBias.array)
      var progress = TrainingProgress(seed: 1, stream: 2, resume: nil)
      _ = try stepper.step(rows: batch, learningRate: 0.01, progress: &progress, epoch: 1)

      let scale = loss == .allCells ? 1 / (5.0 * 9) : Double(stepper.rows.count) / 5
      var ratingsPerItem = Array(repeating: 0, count: 9)
      for i in ratings.items { ratingsPerItem[Int(i)] += 1 }
      func update(_ w: Double, _ g: Double, _ decay: Double) -> Double {
        var w = w
        if kind == .adam {
          var a = ReferenceAdam()
          a.step(&w, gradient: g, decay: decay, lr: 0.01, t: 1)
        } else {
          var m = ReferenceMomentum(mu: kind == .plainSGD ? 0 : 0.9)
          m.step(&w, gradient: g, decay: decay, lr: 0.01)
        }
        return w
      }
      var v = before.v.map(Double.init), w = before.w.map(Double.init), b = before.b.map(Double.init)
      for (slot, column) in reference.touched.enumerated() {
        let c = Int(column)
        let p = 1 - pow(1 - 5 / Double(stepper.rows.count), Double(ratingsPerItem[c]))
        for j in 0..<4 {
          v[c * 4 + j] = update(v[c * 4 + j], scale * Double(reference.encoderWeight[slot * 4 + j]), Double(lambda) / p)
          w[c * 4 + j] = update(w[c * 4 + j], scale * Double(reference.decoderWeight[slot * 4 + j]), decayDecoder ? Double(lambda) / p : 0)
        }
        b[c] = update(b[c], scale * Double(reference.decoderBias[slot]), Double(lambda))
      }
      let mu = before.mu.indices.map { update(Double(before.mu[$0]), scale * Double(reference.encoderBias[$0]), Double(lambda)) }
      XCTAssertLessThan(reference.touched.count, 9, "the batch should leave some columns untouched")
      assertClose(model.encoderWeight.array, v, tolerance: 1e-5, "\(kind) \(loss) encoder")
      assertClose(model.decoderWeight.array, w, tolerance: 1e-5, "\(kind) \(loss) decoder")
      assertClose(model.decoderBias.array, b, tolerance: 1e-5, "\(kind) output bias")
      assertClose(model.encoderBias.array, mu, tolerance: 1e-5, "\(kind) hidden bias")
    }
  }

  /// Full-batch Rprop: the epoch's step follows the sign of (data gradient + λ·w), biases included.
  func testAutoRecRpropStepsOnTheRegularisedGradient() throws {
    let ratings = smallRatings(users: 10, items: 6, perUser: 3, seed: 8)
    let input = SparseMatrix(ratings, userCount: 10, itemCount: 6, itemsAsRows: true)
    let model = AutoRec(configuration: AutoRecConfiguration(hiddenUnits: 3, lambda: 40), input: input, seed: 2)
    for j in 0..<model.decoderBias.count { model.decoderBias[j] = 0.01 * Float(j) - 0.02 }
    for j in 0..<model.encoderBias.count { model.encoderBias[j] = 0.05 }
    var options = TrainingOptions()
    options.optimizer = .rprop
    options.learningRate = 0.05
    let stepper = try AutoRecStepper(model: model, options: options, compute: .serial)
    let reference = AutoRecGradient(columnCount: input.columnCount, compute: .serial)
    var generator = SeededGenerator(seed: 1)
    reference.compute(model: model, rows: stepper.rows[...], dropout: .none, generator: &generator)
    let before = (v: model.encoderWeight.array, b: model.decoderBias.array, mu: model.encoderBias.array)
    var progress = TrainingProgress(seed: 1, stream: 2, resume: nil)
    stepper.beginEpoch()
    _ = try stepper.step(rows: stepper.rows[...], learningRate: 0.05, progress: &progress, epoch: 1)
    stepper.endEpoch()
    func moved(_ w: Float, _ g: Float) -> Double {
      let total = Double(g) + 40 * Double(w)
      return Double(w) - (total > 0 ? 0.05 : total < 0 ? -0.05 : 0)
    }
    var v = before.v.map(Double.init), b = before.b.map(Double.init)
    var signFlips = 0
    for (slot, column) in reference.touched.enumerated() {
      let c = Int(column)
      for j in 0..<3 {
        let g = reference.encoderWeight[slot * 3 + j]
        if (g > 0) != (g + 40 * before.v[c * 3 + j] > 0) { signFlips += 1 }
        v[c * 3 + j] = moved(before.v[c * 3 + j], g)
      }
      b[c] = moved(before.b[c], reference.decoderBias[slot])
    }
    XCTAssertGreaterThan(signFlips, 0, "λ should turn some gradients around, or this test cannot see it")
    assertClose(model.encoderWeight.array, v, tolerance: 1e-6, "rprop encoder")
    assertClose(model.decoderBias.array, b, tolerance: 1e-6, "rprop output bias")
    assertClose(model.encoderBias.array, before.mu.indices.map { moved(before.mu[$0], reference.encoderBias[$0]) }, tolerance: 1e-6, "rprop hidden bias")
  }
}
