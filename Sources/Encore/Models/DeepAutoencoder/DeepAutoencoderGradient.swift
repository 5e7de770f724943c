/// Forward and backward passes of a deep autoencoder on one batch, accumulating gradients
/// into the parameters' `gradient` buffers.
///
/// The first pass is sparse at both ends: the first layer gathers weight rows for the
/// observed input ratings (O(ratings × h₁)), the output layer is evaluated only at the
/// observed ratings, and both weight gradients are summed per touched item. The inner layers
/// and the dense re-feeding pass run on `DenseKernels.gemm`.
/// The loss is DeepRecommender's masked MSE, Σ_observed (ŷ − y)² / (number observed), or
/// another `ReconstructionLoss` (`loss`).
public final class DeepAutoencoderGradient: @unchecked Sendable {
  let model: DeepAutoencoder
  let batch: SparseBatch
  private var capacity = 0
  private var z: [StableBuffer<Float>] = []
  private var a: [StableBuffer<Float>] = []
  private var da: [StableBuffer<Float>] = []
  private var codeMask = StableBuffer<Float>(zeros: 0)
  /// Dropout masks of the other hidden layers (seed 000's nn.Dropout between layers).
  private var layerMasks: [StableBuffer<Float>] = []
  private var entryOutput = StableBuffer<Float>(zeros: 0)
  private var entryError = StableBuffer<Float>(zeros: 0)
  private var compact = StableBuffer<Float>(zeros: 0)
  private var compactBias = StableBuffer<Float>(zeros: 0)
  private var denseZ = StableBuffer<Float>(zeros: 0)
  private var denseError = StableBuffer<Float>(zeros: 0)
  private var rowSums = StableBuffer<Double>(repeating: 0, count: 0)
  /// The last hidden layer's activations times the loss's scale (the dense output layer's
  /// weight gradient is Eᵀ times these).
  private var scaledActivations = StableBuffer<Float>(zeros: 0)
  /// The code dropout mask of the last training pass (rows × code size; empty without dropout).
  public private(set) var lastCodeMask: [Float] = []
  /// The masks of every hidden layer in the last training pass (empty where none was applied).
  public private(set) var lastLayerMasks: [[Float]] = []
  /// The loss the passes differentiate.
  public var loss = ReconstructionLoss.masked
  /// The loss's value on the last pass, in its own units (what the seeds print).
  public private(set) var lastLoss = 0.0
  private var denseTarget = StableBuffer<Float>(zeros: 0)
  /// An Adam step for the tied first-layer weight that the next dense pass applies inside the
  /// product computing its gradient (`FusedAdamStep`), set by the trainer just before the pass
  /// and used once. The optimiser step after the pass must then skip that weight
  /// (`steppedTiedWeight`).
  var tiedWeightStep: FusedAdamStep?
  /// Whether the last pass stepped the tied first-layer weight itself.
  private(set) var steppedTiedWeight = false
  /// The output layer's part of the tied weight's gradient, Eᵀ·A (E rows × n, A rows × h₁),
  /// held back by a dense pass until layer 0 adds its Xᵀ·dZ, so that both run as one product.
  private var pendingTiedGradient: (error: UnsafePointer<Float>, activations: UnsafePointer<Float>)?

  /// The parameter whose gradient a dense pass computes in one product: the first layer's
  /// weight when the output layer is tied to it (both add [n, h₁] products into it).
  var tiedWeight: Int? {
    let first = model.layers[0], out = model.outputLayer
    return out.weight == first.weight && out.outputMajor && !first.outputMajor ? first.weight : nil
  }

  /// The input rows of the last sparse pass: the re-feeding passes train the same rows, and
  /// each row's dropout masks are keyed by its index (`RowRandomness`).
  private(set) var lastRows: [Int32] = []

  /// The threads and GEMM library the passes run on.
  public var compute: ComputeContext { batch.compute }

  public init(model: DeepAutoencoder, compute: ComputeContext) {
    self.model = model
    batch = SparseBatch(columnCount: model.inputSize, compute: compute)
  }

  private var hiddenCount: Int { model.layers.count - 1 }

  private func reserve(rows: Int) {
    guard rows > capacity else { return }
    capacity = rows
    z = (0..<hiddenCount).map { StableBuffer(zeros: rows * model.layers[$0].output) }
    a = (0..<hiddenCount).map { StableBuffer(zeros: rows * model.layers[$0].output) }
    da = (0..<hiddenCount).map { StableBuffer(zeros: rows * model.layers[$0].output) }
    codeMask = StableBuffer(zeros: rows * model.layers[model.depth - 1].output)
    layerMasks = (0..<hiddenCount).map { StableBuffer(zeros: (model.configuration.layerDropout ?? 0) > 0 ? rows * model.layers[$0].output : 0) }
    denseZ = StableBuffer(zeros: rows * model.inputSize)
    denseError = StableBuffer(zeros: rows * model.inputSize)
    if loss == .unmasked { denseTarget = StableBuffer(zeros: rows * model.inputSize) }
  }

  /// In a data-parallel job, adds (Σ(ŷ − y)², terms, rows) over the ranks, so that each rank's
  /// share of the batch is scaled as the whole batch is (nil: one process).
  var reduceTerms: ((inout [Double]) -> Void)?

  /// The batch's (Σ(ŷ − y)², terms, rows) over every rank.
  private func globalTerms(sse: Double, terms: Int, rows: Int) -> (sse: Double, terms: Int, rows: Int) {
    guard let reduceTerms else { return (sse, terms, rows) }
    var totals = [sse, Double(terms), Double(rows)]
    reduceTerms(&totals)
    return (totals[0], Int(totals[1]), Int(totals[2]))
  }

  /// The loss's value, given Σ(ŷ − y)² over its `terms` on `rows` rows.
  private func lossValue(sse: Double, terms: Int, rows: Int) -> Double {
    switch loss {
    case .masked: return sse / Double(max(terms, 1))
    case .allCells, .unmasked: return sse / Double(max(rows * model.inputSize, 1))
    case .rmse: return (sse / Double(max(terms, 1))).squareRoot()
    }
  }

  /// dLoss/dŷ = scale · (ŷ − y) for the loss, given Σ(ŷ − y)² over the `terms` the loss sums
  /// (observed ratings, or every cell for `unmasked`) of `rows` rows.
  private func errorScale(sse: Double, terms: Int, rows: Int) -> Float {
    switch loss {
    case .masked: return 2 / Float(max(terms, 1))
    case .allCells, .unmasked: return 2 / Float(max(rows * model.inputSize, 1))
    case .rmse:
      let rmse = (sse / Double(max(terms, 1))).squareRoot()
      return rmse > 0 ? Float(1 / (Double(terms) * rmse)) : 0
    }
  }

  private func ensureEntries(_ n: Int) {
    if entryOutput.count < n {
      entryOutput = StableBuffer(zeros: n)
      entryError = StableBuffer(zeros: n)
    }
    let w = max(model.layers[0].output, model.outputLayer.input)
    if compact.count < batch.touched.count * w {
      compact = StableBuffer(zeros: batch.touched.count * w)
      compactBias = StableBuffer(zeros: batch.touched.count)
    }
  }

  /// The input of hidden or output layer l: the previous layer's activations, with the code
  /// dropout applied to the code layer's output.
  private func layerInput(_ l: Int) -> UnsafeMutablePointer<Float> { a[l - 1].pointer }

  /// Forward through the hidden layers. `denseInput` (rows × n) replaces the sparse batch for
  /// layer 0 when given. With `mask` the code layer's output is multiplied by the dropout mask.
  private func forwardHidden(rows b: Int, denseInput: UnsafePointer<Float>?, dropout: Float, layerDropout: Float = 0, generator: inout SeededGenerator) {
    let p = model.parameters
    // Masks are drawn per (pass, layer, row), so that a data-parallel rank draws the same as one
    // process, and rows can be drawn on any thread.
    let randomness = dropout > 0 || layerDropout > 0 ? RowRandomness(drawingFrom: &generator) : nil
    let rowIndex = lastRows
    lastLayerMasks = Array(repeating: [], count: hiddenCount)
    for l in 0..<hiddenCount {
      let layer = model.layers[l]
      let w = p[layer.weight].value.pointer, bias = p[layer.bias].value.pointer
      let out = layer.output
      let biasInProduct = l == 0 && denseInput == nil
      if biasInProduct {
        batch.rowProducts(entryValues: batch.entryValues, matrix: w, width: out, initial: bias, output: z[0].pointer)
      } else {
        let source = l == 0 ? denseInput! : UnsafePointer(layerInput(l))
        DenseKernels.gemm(
          transB: layer.outputMajor, m: b, n: out, k: layer.input, a: source, lda: layer.input, b: w,
          ldb: layer.outputMajor ? layer.input : out, c: z[l].pointer, ldc: out, on: compute)
      }
      let isCode = l == model.depth - 1
      let rate = isCode ? dropout : layerDropout
      let mask: UnsafeMutablePointer<Float>? = rate > 0 ? (isCode ? codeMask.pointer : layerMasks[l].pointer) : nil
      let keep = 1 - rate
      let zl = z[l].pointer, al = a[l].pointer, activation = layer.activation
      // Bias, activation and dropout in one pass per row, rows on every thread.
      compute.forRanges(b, grain: max(1, 8192 / out)) { lo, hi in
        for t in lo..<hi {
          let zr = zl + t * out, ar = al + t * out
          if !biasInProduct { for j in 0..<out { zr[j] += bias[j] } }
          for j in 0..<out { ar[j] = activation.apply(zr[j]) }
          guard let mask else { continue }
          // Each row's mask comes from its own generator: 0 or 1/keep.
          let mr = mask + t * out
          var rowGenerator = randomness!.generator(row: t < rowIndex.count ? rowIndex[t] : Int32(t), purpose: UInt64(l))
          for j in 0..<out {
            mr[j] = rowGenerator.nextUnitFloat() < keep ? 1 / keep : 0
            ar[j] *= mr[j]
          }
        }
      }
      if let mask { lastLayerMasks[l] = Array(UnsafeBufferPointer(start: mask, count: b * out)) }
      if isCode { lastCodeMask = lastLayerMasks[l] }
    }
  }

  /// Adds the column sums of `rows` × `width` values into `totals`, columns split across
  /// threads; each column adds its rows in order, so the sums do not depend on the thread count.
  private func addColumnSums(_ values: UnsafePointer<Float>, rows: Int, width: Int, scaledBy scale: Float = 1, into totals: UnsafeMutablePointer<Float>) {
    compute.forRanges(width, grain: 256) { lo, hi in
      for t in 0..<rows {
        let row = values + t * width
        if scale == 1 {
          for j in lo..<hi { totals[j] += row[j] }
        } else {
          for j in lo..<hi { totals[j] += scale * row[j] }
        }
      }
    }
  }

  /// The last hidden layer (rows × h₁) for `rows` of `x` (default: the model's input),
  /// without dropout (for prediction and fold-in).
  func inference(rows: ArraySlice<Int32>, of x: SparseMatrix? = nil) -> UnsafeMutablePointer<Float> {
    batch.gather(x ?? model.input, rows: rows)
    reserve(rows: rows.count)
    var unused = SeededGenerator(seed: 0)
    forwardHidden(rows: rows.count, denseInput: nil, dropout: 0, generator: &unused)
    return a[hiddenCount - 1].pointer
  }

  /// Gathers `rows` of the model's input and runs the first (sparse) pass: forward, masked
  /// MSE at the observed ratings, backward. Returns Σ squared error and the number of ratings.
  @discardableResult
  public func sparsePass(rows: ArraySlice<Int32>, generator: inout SeededGenerator) -> (sse: Double, count: Int) {
    batch.gather(model.input, rows: rows)
    steppedTiedWeight = false
    tiedWeightStep = nil
    lastRows = Array(rows)
    let b = rows.count
    reserve(rows: b)
    ensureEntries(batch.entryCount)
    forwardHidden(rows: b, denseInput: nil, dropout: model.configuration.dropout, layerDropout: model.configuration.layerDropout ?? 0, generator: &generator)
    return sparseOutputAndBackward(rows: b, denseInput: nil)
  }

  /// Output at the observed entries of the gathered batch, loss against their ratings, and
  /// the backward pass (layer 0 reads `denseInput` when given).
  private func sparseOutputAndBackward(rows b: Int, denseInput: UnsafePointer<Float>?) -> (sse: Double, count: Int) {
    if loss == .unmasked {
      // Every cell is a target: the batch's ratings, and 0 elsewhere.
      let n = model.inputSize
      if denseTarget.count < b * n { denseTarget = StableBuffer(zeros: b * n) }
      let t = denseTarget.pointer
      t.update(repeating: 0, count: b * n)
      for r in 0..<b {
        for q in batch.start[r]..<batch.start[r + 1] { t[r * n + Int(batch.columns[q])] = batch.entryValues[q] }
      }
      return denseOutputAndBackward(rows: b, target: UnsafePointer(t), denseInput: denseInput)
    }
    let p = model.parameters
    let out = model.outputLayer
    let hiddenIn = layerInput(hiddenCount)
    let wOut = p[out.weight].value.pointer
    let n = batch.entryCount
    batch.entryDots(dense: hiddenIn, matrix: wOut, width: out.input, bias: p[out.bias].value.pointer, output: entryOutput.pointer)
    var sse = 0.0
    let y = batch.entryValues
    for q in 0..<n {
      let diff = out.activation.apply(entryOutput[q]) - y[q]
      sse += Double(diff) * Double(diff)
      entryError[q] = diff
    }
    let whole = globalTerms(sse: sse, terms: n, rows: b)
    let scale = errorScale(sse: whole.sse, terms: whole.terms, rows: whole.rows)
    lastLoss = lossValue(sse: whole.sse, terms: whole.terms, rows: whole.rows)
    for q in 0..<n {
      let s = entryOutput[q]
      entryError[q] *= scale * out.activation.derivative(s, out.activation.apply(s))
    }
    // Output layer backward, sparse: dA = E·W_out, dW_out rows and d bias per touched item.
    batch.rowProducts(entryValues: entryError.pointer, matrix: wOut, width: out.input, initial: nil, output: da[hiddenCount - 1].pointer)
    batch.columnSums(entryValues: entryError.pointer, dense: hiddenIn, width: out.input, output: compact.pointer)
    scatterAdd(compact.pointer, width: out.input, into: p[out.weight].gradient.pointer)
    batch.columnTotals(entryValues: entryError.pointer, into: compactBias.pointer)
    scatterAdd(compactBias.pointer, width: 1, into: p[out.bias].gradient.pointer)
    backwardHidden(rows: b, denseInput: denseInput)
    return (sse, n)
  }

  /// Adds compact rows (one per touched item of the batch) into a full parameter gradient.
  /// The touched items are distinct, so their rows are added on every thread.
  private func scatterAdd(_ rows: UnsafePointer<Float>, width: Int, into gradient: UnsafeMutablePointer<Float>) {
    let touched = batch.touched
    compute.forRanges(touched.count, grain: max(1, 16_384 / width)) { lo, hi in
      for s in lo..<hi { SparseKernels.axpy(1, rows + s * width, gradient + Int(touched[s]) * width, count: width) }
    }
  }

  /// Backward through the hidden layers, from da[last] (already holding dL/d(output of the last
  /// hidden layer)).
  private func backwardHidden(rows b: Int, denseInput: UnsafePointer<Float>?) {
    let p = model.parameters
    for l in stride(from: hiddenCount - 1, through: 0, by: -1) {
      let layer = model.layers[l]
      let out = layer.output
      let dz = da[l].pointer
      let zl = z[l].pointer, al = a[l].pointer
      let isCode = l == model.depth - 1
      let masked = isCode ? model.configuration.dropout > 0 : (model.configuration.layerDropout ?? 0) > 0
      let mask = isCode ? codeMask.pointer : layerMasks[l].pointer
      let activation = layer.activation
      compute.forRanges(b * out, grain: 8192) { lo, hi in
        for j in lo..<hi {
          if masked {
            let m = mask[j]
            dz[j] = m == 0 ? 0 : dz[j] * m * activation.derivative(zl[j], al[j] / m)
          } else {
            dz[j] *= activation.derivative(zl[j], al[j])
          }
        }
      }
      addColumnSums(dz, rows: b, width: out, into: p[layer.bias].gradient.pointer)
      let weight = p[layer.weight]
      if l == 0 && denseInput == nil {
        batch.columnSums(entryValues: batch.entryValues, dense: dz, width: out, output: compact.pointer)
        scatterAdd(compact.pointer, width: out, into: weight.gradient.pointer)
        continue
      }
      let inputActivations = l == 0 ? denseInput! : UnsafePointer(layerInput(l))
      if l == 0, let pending = pendingTiedGradient {
        // The tied weight's two parts, Eᵀ·A from the output layer and Xᵀ·dZ from this one, in
        // one pass over its gradient, which may also take the weight's optimiser step.
        pendingTiedGradient = nil
        steppedTiedWeight = DenseKernels.stackedGemm(
          m: layer.input, n: out,
          .init(a: pending.error, lda: layer.input, b: pending.activations, ldb: out, k: b),
          .init(a: inputActivations, lda: layer.input, b: dz, ldb: out, k: b),
          c: weight.gradient.pointer, ldc: out, accumulate: true, step: tiedWeightStep, on: compute)
        continue
      }
      if layer.outputMajor {
        DenseKernels.gemm(transA: true, m: out, n: layer.input, k: b, a: dz, lda: out, b: inputActivations, ldb: layer.input,
                          c: weight.gradient.pointer, ldc: layer.input, accumulate: true, on: compute)
      } else {
        DenseKernels.gemm(transA: true, m: layer.input, n: out, k: b, a: inputActivations, lda: layer.input, b: dz, ldb: out,
                          c: weight.gradient.pointer, ldc: out, accumulate: true, on: compute)
      }
      if l > 0 {
        DenseKernels.gemm(transB: !layer.outputMajor, m: b, n: layer.input, k: out, a: dz, lda: out, b: weight.value.pointer,
                          ldb: layer.outputMajor ? layer.input : out, c: da[l - 1].pointer, ldc: layer.input, on: compute)
      }
    }
  }

  /// The dense output f(x) (rows × n) of the last forward pass (before any update).
  /// With `step`, the output layer's weight takes its due Adam step inside the product, just
  /// after each block of it is read (`DenseKernels.gemmSteppingB`); returns whether it did.
  @discardableResult
  public func denseOutput(rows b: Int, into output: UnsafeMutablePointer<Float>, steppingWeight step: FusedAdamStep? = nil) -> Bool {
    let p = model.parameters
    let out = model.outputLayer
    let n = model.inputSize
    var stepped = false
    if let step {
      stepped = DenseKernels.gemmSteppingB(
        m: b, n: n, k: out.input, a: layerInput(hiddenCount), lda: out.input, b: p[out.weight].value.pointer, ldb: out.input,
        c: output, ldc: n, step: step, on: compute)
    } else {
      DenseKernels.gemm(transB: true, m: b, n: n, k: out.input, a: layerInput(hiddenCount), lda: out.input,
                        b: p[out.weight].value.pointer, ldb: out.input, c: output, ldc: n, on: compute)
    }
    let bias = p[out.bias].value.pointer, activation = out.activation
    compute.forRanges(b, grain: 1) { lo, hi in
      for t in lo..<hi {
        let row = output + t * n
        for j in 0..<n { row[j] = activation.apply(row[j] + bias[j]) }
      }
    }
    return stepped
  }

  /// A dense re-feeding pass on `input` (rows × n, e.g. the first pass's output). With
  /// `denseTarget` the loss runs over its nonzero entries (DeepRecommender); without, over the
  /// gathered batch's observed ratings (seed 004's target: the original ratings).
  @discardableResult
  public func densePass(rows b: Int, input: UnsafePointer<Float>, denseTarget: UnsafePointer<Float>?, generator: inout SeededGenerator) -> (sse: Double, count: Int) {
    steppedTiedWeight = false
    defer { tiedWeightStep = nil }
    reserve(rows: b)
    forwardHidden(rows: b, denseInput: input, dropout: model.configuration.dropout, layerDropout: model.configuration.layerDropout ?? 0, generator: &generator)
    guard let target = denseTarget else {
      ensureEntries(batch.entryCount)
      return sparseOutputAndBackward(rows: b, denseInput: input)
    }
    return denseOutputAndBackward(rows: b, target: target, denseInput: input)
  }

  /// Dense output (rows × n) against `target`, whose nonzero cells are the terms (every cell
  /// for `unmasked`), and the backward pass. Returns Σ squared error and the count over the
  /// nonzero target cells (the observed ratings), whatever the loss.
  private func denseOutputAndBackward(rows b: Int, target: UnsafePointer<Float>, denseInput input: UnsafePointer<Float>?) -> (sse: Double, count: Int) {
    let p = model.parameters
    let out = model.outputLayer
    let n = model.inputSize
    let hiddenIn = layerInput(hiddenCount)
    let zOut = denseZ.pointer, e = denseError.pointer
    DenseKernels.gemm(transB: true, m: b, n: n, k: out.input, a: hiddenIn, lda: out.input, b: p[out.weight].value.pointer,
                      ldb: out.input, c: zOut, ldc: n, on: compute)
    let bias = p[out.bias].value.pointer
    let everyCell = loss == .unmasked
    let activation = out.activation
    // Per-row sums (squared error over observed cells and over the loss's terms, observed
    // count), added in row order afterwards: the same figures on every thread count.
    if rowSums.count < 3 * b { rowSums = StableBuffer(repeating: 0, count: 3 * b) }
    let sums = rowSums.pointer
    compute.forRanges(b, grain: 1) { lo, hi in
      for t in lo..<hi {
        var count = 0, sse = 0.0, termSSE = 0.0
        for k in (t * n)..<((t + 1) * n) {
          zOut[k] += bias[k - t * n]
          guard everyCell || target[k] != 0 else { e[k] = 0; continue }
          let output = activation.apply(zOut[k])
          let diff = output - target[k]
          // dLoss/dz up to the loss's scale, which is known only once every row is summed: the
          // products below carry it instead of a second pass over the rows × n errors.
          e[k] = diff * activation.derivative(zOut[k], output)
          termSSE += Double(diff) * Double(diff)
          if target[k] != 0 {
            count += 1
            sse += Double(diff) * Double(diff)
          }
        }
        sums[3 * t] = Double(count)
        sums[3 * t + 1] = sse
        sums[3 * t + 2] = termSSE
      }
    }
    var count = 0, sse = 0.0, termSSE = 0.0
    for t in 0..<b {
      count += Int(sums[3 * t])
      sse += sums[3 * t + 1]
      termSSE += sums[3 * t + 2]
    }
    let whole = globalTerms(sse: termSSE, terms: everyCell ? b * n : count, rows: b)
    let scale = errorScale(sse: whole.sse, terms: whole.terms, rows: whole.rows)
    lastLoss = lossValue(sse: whole.sse, terms: whole.terms, rows: whole.rows)
    // Output layer backward, dense, with the loss's scale s applied to the small factors:
    // dA = s·(E·W_out) ([n, h₁]), dW_out += Eᵀ·(s·A), d bias = s·Σ_t E. A weight tied to
    // layer 0 gets Eᵀ·(s·A) together with layer 0's part (backwardHidden).
    let dA = da[hiddenCount - 1].pointer, width = out.input
    DenseKernels.gemm(m: b, n: width, k: n, a: e, lda: n, b: p[out.weight].value.pointer, ldb: width,
                      c: dA, ldc: width, on: compute)
    if scaledActivations.count < b * width { scaledActivations = StableBuffer(zeros: b * width) }
    let scaledA = scaledActivations.pointer
    for j in 0..<(b * width) {
      dA[j] *= scale
      scaledA[j] = scale * hiddenIn[j]
    }
    if input != nil && tiedWeight != nil {
      pendingTiedGradient = (UnsafePointer(e), UnsafePointer(scaledA))
    } else {
      DenseKernels.gemm(transA: true, m: n, n: width, k: b, a: e, lda: n, b: scaledA, ldb: width,
                        c: p[out.weight].gradient.pointer, ldc: width, accumulate: true, on: compute)
    }
    addColumnSums(e, rows: b, width: n, scaledBy: scale, into: p[out.bias].gradient.pointer)
    backwardHidden(rows: b, denseInput: input)
    return (sse, count)
  }

  /// Rows gathered by the last sparse pass.
  var gatheredRows: Int { batch.rowCount }
}
