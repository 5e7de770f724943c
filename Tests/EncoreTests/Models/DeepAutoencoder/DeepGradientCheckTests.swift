import XCTest

@testable import Encore

/// Finite-difference checks of the deep autoencoder's masked-MSE gradient against a dense,
/// double-precision reference, for every activation, tied and free decoders, the sparse first
/// pass, and the dense re-feeding pass with either target, with a fixed code-dropout mask.
final class DeepGradientCheckTests: XCTestCase {
  enum Target { case sparse, dense }

  /// The loss Σ (ŷ − y)² / N over the rows, recomputed densely in Double.
  func referenceLoss(
    _ model: DeepAutoencoder, values: [[Double]], rows: [Int], denseInput: [[Double]]?, target: Target,
    denseTarget: [[Double]]?, masks: [[Float]], loss: ReconstructionLoss = .masked
  ) -> Double {
    let x = model.input
    var sse = 0.0, count = 0, cellSSE = 0.0
    for (t, r) in rows.enumerated() {
      var a = denseInput?[t] ?? {
        var v = [Double](repeating: 0, count: x.columnCount)
        for p in x.rowStart[r]..<x.rowStart[r + 1] { v[Int(x.columns[p])] = Double(x.values[p]) }
        return v
      }()
      for (l, layer) in model.layers.enumerated() {
        let w = values[layer.weight], b = values[layer.bias]
        var next = [Double](repeating: 0, count: layer.output)
        for o in 0..<layer.output {
          var s = b[o]
          for i in 0..<layer.input { s += a[i] * (layer.outputMajor ? w[o * layer.input + i] : w[i * layer.output + o]) }
          next[o] = referenceActivation(layer.activation, s)
          if l < masks.count && !masks[l].isEmpty { next[o] *= Double(masks[l][t * layer.output + o]) }
        }
        a = next
      }
      var y = denseTarget?[t] ?? []
      if target == .sparse {
        y = [Double](repeating: 0, count: x.columnCount)
        for p in x.rowStart[r]..<x.rowStart[r + 1] { y[Int(x.columns[p])] = Double(x.values[p]) }
      }
      for (c, yc) in y.enumerated() {
        let e = a[c] - yc
        cellSSE += e * e
        if yc != 0 {
          sse += e * e
          count += 1
        }
      }
    }
    let cells = Double(rows.count * x.columnCount)
    switch loss {
    case .masked: return sse / Double(max(count, 1))
    case .allCells: return sse / cells
    case .rmse: return (sse / Double(max(count, 1))).squareRoot()
    case .unmasked: return cellSSE / cells
    }
  }

  func check(activation: Activation, constrained: Bool, lastActivation: Bool = true, dropout: Float = 0, layerDropout: Float? = nil, refeed: Target? = nil, loss: ReconstructionLoss = .masked, file: StaticString = #filePath, line: UInt = #line) throws {
    let ratings = smallRatings(users: 7, items: 6, perUser: 3, seed: 12)
    var config = DeepAutoencoderConfiguration()
    config.hiddenLayers = [4, 3]
    config.activation = activation
    config.constrained = constrained
    config.lastLayerActivation = lastActivation
    config.dropout = dropout
    config.layerDropout = layerDropout
    let x = SparseMatrix(ratings, userCount: 7, itemCount: 6, itemsAsRows: false)
    let model = try DeepAutoencoder(configuration: config, input: x, seed: 5)
    // Non-zero biases and values that keep relu-like units away from their kinks.
    var rng = SeededGenerator(seed: 77)
    for p in model.parameters where p.name.hasSuffix("bias") { for j in 0..<p.count { p.value[j] = 0.3 * (rng.nextUnitFloat() - 0.3) } }
    let gradient = DeepAutoencoderGradient(model: model, compute: .automatic)
    gradient.loss = loss
    let rows = Array(0..<Int32(7))
    var generator = SeededGenerator(seed: 3)
    for p in model.parameters { p.gradient.fill(0) }
    var denseInput: [[Double]]? = nil
    var denseTarget: [[Double]]? = nil
    var mask: [Float]
    var masks: [[Float]]
    if let refeed {
      gradient.sparsePass(rows: rows[...], generator: &generator)  // gathers the batch
      var input = [Float](repeating: 0, count: 7 * 6)
      for k in 0..<input.count { input[k] = Float(1 + (k * 7) % 5) * (k % 4 == 0 ? 0 : 1) }
      for p in model.parameters { p.gradient.fill(0) }
      input.withUnsafeBufferPointer { i in
        _ = gradient.densePass(rows: 7, input: i.baseAddress!, denseTarget: refeed == .dense ? i.baseAddress! : nil, generator: &generator)
      }
      denseInput = (0..<7).map { t in (0..<6).map { Double(input[t * 6 + $0]) } }
      if refeed == .dense { denseTarget = denseInput }
      mask = gradient.lastCodeMask
      masks = gradient.lastLayerMasks
    } else {
      gradient.sparsePass(rows: rows[...], generator: &generator)
      mask = gradient.lastCodeMask
      masks = gradient.lastLayerMasks
    }
    if (layerDropout ?? 0) > 0 { XCTAssertTrue(masks.dropLast().contains { $0.contains(0) }, "a layer mask drops something", file: file, line: line) }
    if dropout > 0 { XCTAssertTrue(mask.contains(0), "the mask drops something", file: file, line: line) }
    let target: Target = refeed == .dense ? .dense : .sparse
    let base = model.parameters.map { $0.value.array.map(Double.init) }
    // The loss the pass reports (what the seeds print) is the loss it differentiates.
    let reported = referenceLoss(model, values: base, rows: Array(0..<7), denseInput: denseInput, target: target, denseTarget: denseTarget, masks: masks, loss: loss)
    XCTAssertEqual(gradient.lastLoss, reported, accuracy: 1e-5 * max(1, reported), "loss=\(loss)", file: file, line: line)
    let eps = 1e-5
    for (pi, p) in model.parameters.enumerated() {
      for j in 0..<p.count {
        var plus = base, minus = base
        plus[pi][j] += eps
        minus[pi][j] -= eps
        let numeric = (referenceLoss(model, values: plus, rows: Array(0..<7), denseInput: denseInput, target: target, denseTarget: denseTarget, masks: masks, loss: loss)
          - referenceLoss(model, values: minus, rows: Array(0..<7), denseInput: denseInput, target: target, denseTarget: denseTarget, masks: masks, loss: loss)) / (2 * eps)
        XCTAssertEqual(Double(p.gradient[j]), numeric, accuracy: 2e-3 * max(1, abs(numeric)),
                       "\(activation) tied=\(constrained) refeed=\(String(describing: refeed)) loss=\(loss) \(p.name)[\(j)]", file: file, line: line)
      }
    }
  }

  func testEveryActivationTiedAndFree() throws {
    for a in Activation.allCases {
      try check(activation: a, constrained: true)
      try check(activation: a, constrained: false, lastActivation: false)
    }
  }

  /// The seeds' losses: every cell's mean (seed 003), the RMSE itself (seed 000) and the
  /// unmasked MSE (seed 002), on the sparse first pass and both re-feeding passes.
  func testEveryReconstructionLoss() throws {
    for loss in ReconstructionLoss.allCases {
      try check(activation: .selu, constrained: true, loss: loss)
      try check(activation: .sigmoid, constrained: false, lastActivation: false, loss: loss)
      try check(activation: .identity, constrained: false, lastActivation: false, dropout: 0.3, loss: loss)
      try check(activation: .elu, constrained: true, refeed: .dense, loss: loss)
      try check(activation: .tanh, constrained: false, refeed: .sparse, loss: loss)
    }
  }

  /// Seed 000's dropout after every hidden layer but the code, with and without code dropout.
  func testLayerDropoutWithFixedMasks() throws {
    try check(activation: .sigmoid, constrained: false, lastActivation: false, layerDropout: 0.3)
    try check(activation: .selu, constrained: true, dropout: 0.4, layerDropout: 0.2)
    try check(activation: .elu, constrained: false, layerDropout: 0.3, refeed: .dense)
  }

  func testCodeDropoutWithAFixedMask() throws {
    try check(activation: .selu, constrained: true, dropout: 0.4)
    try check(activation: .elu, constrained: false, dropout: 0.5)
  }

  /// Code dropout is inverted dropout: each unit is kept with probability 1 − p and then
  /// scaled by 1/(1 − p), as PyTorch's nn.Dropout in training mode.
  func testCodeDropoutMaskIsZeroOrOneOverKeep() throws {
    let ratings = smallRatings(users: 50, items: 30, perUser: 6, seed: 2)
    let x = SparseMatrix(ratings, userCount: 50, itemCount: 30, itemsAsRows: false)
    var configuration = DeepAutoencoderConfiguration()
    configuration.hiddenLayers = [12, 8]
    configuration.dropout = 0.2
    let model = try DeepAutoencoder(configuration: configuration, input: x, seed: 5)
    let gradient = DeepAutoencoderGradient(model: model, compute: .serial)
    var generator = SeededGenerator(seed: 6)
    _ = gradient.sparsePass(rows: Array(0..<Int32(50))[...], generator: &generator)
    let mask = gradient.lastCodeMask
    XCTAssertEqual(mask.count, 50 * 8)
    XCTAssertTrue(mask.allSatisfy { $0 == 0 || abs($0 - 1.25) < 1e-6 }, "mask values: \(Set(mask))")
    XCTAssertEqual(Double(mask.filter { $0 == 0 }.count) / Double(mask.count), 0.2, accuracy: 0.06)
  }

  func testDenseRefeedingWithOutputAndInputTargets() throws {
    for a in [Activation.selu, .sigmoid, .tanh] {
      try check(activation: a, constrained: true, refeed: .dense)
      try check(activation: a, constrained: false, lastActivation: false, refeed: .dense)
      try check(activation: a, constrained: true, refeed: .sparse)
    }
    try check(activation: .relu, constrained: false, dropout: 0.3, refeed: .dense)
  }
}
