/// The gradient of the AutoRec objective on a batch of input rows, computed sparsely:
/// outputs only at observed ratings, and weight-gradient rows only for the input/output
/// units (columns) that the batch touches. Cost is O(ratings in batch × hidden units).
public final class AutoRecGradient: @unchecked Sendable {
  /// Dropout rates used while training (never when predicting).
  public struct Dropout: Sendable, Equatable, Codable {
    /// Fraction of each input row's observed ratings hidden from the encoder.
    public var input: Float
    /// Fraction of hidden units dropped.
    public var hidden: Float
    public init(input: Float = 0, hidden: Float = 0) {
      self.input = input
      self.hidden = hidden
    }
    public static let none = Dropout()
  }

  /// Columns (input/output units) with at least one rating in the batch, ascending.
  public private(set) var touched: [Int32] = []
  /// ∂/∂V rows for `touched` (touched.count × hidden), data term only.
  public private(set) var encoderWeight = StableBuffer<Float>(zeros: 0)
  /// ∂/∂W rows for `touched`, data term only.
  public private(set) var decoderWeight = StableBuffer<Float>(zeros: 0)
  /// ∂/∂b entries for `touched`.
  public private(set) var decoderBias = StableBuffer<Float>(zeros: 0)
  /// ∂/∂μ (hidden units).
  public private(set) var encoderBias = StableBuffer<Float>(zeros: 0)
  /// Σ (h(r) − r)² over the batch's observed ratings, and their number.
  public private(set) var squaredError: Double = 0
  public private(set) var ratingCount: Int = 0
  /// The input values the encoder saw in the last batch, in batch order (tests use this to
  /// check gradients under a fixed dropout mask).
  public var lastInputs: [Float] { lastUsedInput.map { Array(UnsafeBufferPointer(start: $0, count: ratingCount)) } ?? [] }
  private var lastUsedInput: UnsafeMutablePointer<Float>?
  /// The hidden dropout mask of the last batch (rows × hidden units; empty without dropout).
  public private(set) var lastHiddenMask: [Float] = []

  // Workspace, grown as needed and reused from batch to batch.
  private let batch: SparseBatch
  private var capacityRows = 0, capacityEntries = 0, capacityTouched = 0
  private var bErr = StableBuffer<Float>(zeros: 0)
  /// The network's input values: the ratings with input dropout or centring applied.
  private var bInput = StableBuffer<Float>(zeros: 0)
  private var z = StableBuffer<Float>(zeros: 0)
  private var h = StableBuffer<Float>(zeros: 0)
  private var dh = StableBuffer<Float>(zeros: 0)
  /// Hidden-code dropout mask (0 or 1/(1−p)) per batch row and unit, when dropout is on.
  private var hiddenMask = StableBuffer<Float>(zeros: 0)

  public init(columnCount: Int, compute: ComputeContext) {
    batch = SparseBatch(columnCount: columnCount, compute: compute)
  }

  /// Whether `compute` leaves the weight-gradient rows to `decoderWeightRows(into:)` and
  /// `encoderWeightRows(into:)`, so that a trainer can fill and apply one at a time through
  /// one buffer: on the Netflix Prize's shape each is 0.96 GB.
  public var defersWeightRows = false
  private var hiddenWidth = 0

  /// bf16 copies of the encoder's and decoder's weight rows for the gathers to read instead
  /// of the fp32 weights (`--precision bf16`); their owner keeps them equal to the weights
  /// rounded. The weight gradients and the step stay fp32.
  public var bf16Rows: (encoder: BF16RowCopy, decoder: BF16RowCopy)?

  private func reserve(rows: Int, entries: Int, touchedCount: Int, hidden k: Int) {
    if rows > capacityRows {
      capacityRows = rows
      z = StableBuffer(zeros: rows * k)
      h = StableBuffer(zeros: rows * k)
      dh = StableBuffer(zeros: rows * k)
      hiddenMask = StableBuffer(zeros: rows * k)
    }
    if entries > capacityEntries {
      capacityEntries = entries
      bErr = StableBuffer(zeros: entries)
      bInput = StableBuffer(zeros: entries)
    }
    if touchedCount > capacityTouched {
      capacityTouched = touchedCount
      encoderWeight = StableBuffer(zeros: touchedCount * k)
      decoderWeight = StableBuffer(zeros: defersWeightRows ? 0 : touchedCount * k)
      decoderBias = StableBuffer(zeros: touchedCount)
    }
    if encoderBias.count != k { encoderBias = StableBuffer(zeros: k) }
  }

  /// ∂/∂W rows of the last `compute` for `touched` (touched.count × hidden): dW[c] = Σ_t e_tc H[t].
  public func decoderWeightRows(into output: UnsafeMutablePointer<Float>) {
    batch.columnSums(entryValues: bErr.pointer, dense: h.pointer, width: hiddenWidth, output: output)
  }

  /// ∂/∂V rows of the last `compute` for `touched`: dV[c] = Σ_t x_tc dZ[t].
  public func encoderWeightRows(into output: UnsafeMutablePointer<Float>) {
    guard let input = lastUsedInput else { return }
    batch.columnSums(entryValues: input, dense: dh.pointer, width: hiddenWidth, output: output)
  }

  /// The gradient without dropout.
  public func compute(model: AutoRec, rows: ArraySlice<Int32>) {
    var unused = SeededGenerator(seed: 0)
    compute(model: model, rows: rows, dropout: .none, generator: &unused)
  }

  /// Computes the data-term gradient of Σ_O (h(r) − r)² for the input rows `rows` of
  /// `model.input`. Weight decay is not included (the optimiser adds λ·θ to touched rows).
  ///
  /// With `dropout`, a random part of each input row is hidden from the encoder (inverted
  /// dropout: kept values are scaled by 1/(1−p)) while every observed rating stays a target, so
  /// the network learns to predict ratings it does not see; and a random part of the hidden
  /// code is dropped. Masks come from `generator`, so a seed fixes them.
  public func compute(
    model: AutoRec, rows: ArraySlice<Int32>, dropout: Dropout = .none, generator: inout SeededGenerator
  ) {
    let x = model.input
    let k = model.hiddenUnits
    let f = model.configuration.decoderActivation
    let g = model.configuration.encoderActivation
    let b = rows.count
    // 1. Gather the batch into a local CSR with its per-column transpose.
    batch.gather(x, rows: rows)
    touched = batch.touched
    let entries = batch.entryCount
    let nt = touched.count
    reserve(rows: b, entries: entries, touchedCount: nt, hidden: k)
    let bVals = UnsafeMutablePointer(batch.entryValues)
    // The buffers as raw pointers: the loops below must not touch `self`'s class-typed
    // properties per element (each access retains and releases the buffer).
    let bInput = self.bInput.pointer, z = self.z.pointer, h = self.h.pointer, dh = self.dh.pointer
    let hiddenMask = self.hiddenMask.pointer, bErr = self.bErr.pointer, encoderBias = self.encoderBias.pointer
    // Input dropout and centring: the encoder sees bInput; the targets stay bVals.
    let input: UnsafeMutablePointer<Float>
    let offset = model.configuration.inputOffset
    // Masks are drawn per (step, row), so that a data-parallel rank draws the same as one process.
    let randomness = dropout.input > 0 || dropout.hidden > 0 ? RowRandomness(drawingFrom: &generator) : nil
    let start = batch.start.pointer
    if dropout.input > 0, let randomness {
      let keep = 1 - dropout.input
      for (t, row) in rows.enumerated() {
        var rowGenerator = randomness.generator(row: row, purpose: 0)
        for q in start[t]..<start[t + 1] { bInput[q] = rowGenerator.nextUnitFloat() < keep ? (bVals[q] - offset) / keep : 0 }
      }
      input = bInput
    } else if offset != 0 {
      for q in 0..<entries { bInput[q] = bVals[q] - offset }
      input = bInput
    } else {
      input = bVals
    }
    lastUsedInput = input
    let encoderRows = bf16Rows?.encoder.rows ?? .fp32(model.encoderWeight.pointer)
    let decoderRows = bf16Rows?.decoder.rows ?? .fp32(model.decoderWeight.pointer)
    // 2. Forward: Z = X_b·V + μ, H = g(Z), S = H·Wᵀ at observed entries + b, O = f(S).
    batch.rowProducts(entryValues: input, matrix: encoderRows, width: k, initial: model.encoderBias.pointer, output: z)
    for j in 0..<(b * k) { h[j] = g.apply(z[j]) }
    // Hidden dropout: H' = H ⊙ mask; the backward pass multiplies dH' by the same mask.
    let hiddenDropout = dropout.hidden > 0
    if hiddenDropout, let randomness {
      let keep = 1 - dropout.hidden
      for (t, row) in rows.enumerated() {
        var rowGenerator = randomness.generator(row: row, purpose: 1)
        for j in (t * k)..<((t + 1) * k) { hiddenMask[j] = rowGenerator.nextUnitFloat() < keep ? 1 / keep : 0 }
      }
      for j in 0..<(b * k) { h[j] *= hiddenMask[j] }
      lastHiddenMask = Array(UnsafeBufferPointer(start: hiddenMask, count: b * k))
    } else {
      lastHiddenMask = []
    }
    batch.entryDots(dense: h, matrix: decoderRows, width: k, bias: model.decoderBias.pointer, output: bErr)
    // 3. Output error: e = ∂/∂s (f(s) − r)² = 2 (f(s) − r) f'(s).
    var sse = 0.0
    for q in 0..<entries {
      let s = bErr[q]
      let o = f.apply(s)
      let diff = o - bVals[q]
      sse += Double(diff) * Double(diff)
      bErr[q] = 2 * diff * f.derivative(s, o)
    }
    squaredError = sse
    ratingCount = entries
    // 4. Backward. dH = E·W (gather over the batch rows), dZ = dH ⊙ g'(Z).
    batch.rowProducts(entryValues: bErr, matrix: decoderRows, width: k, initial: nil, output: dh)
    if hiddenDropout {
      // h holds g(z)·mask; g'(z) needs g(z) itself where the unit was kept.
      let keep = 1 - dropout.hidden
      for j in 0..<(b * k) { dh[j] = hiddenMask[j] == 0 ? 0 : dh[j] * hiddenMask[j] * g.derivative(z[j], h[j] * keep) }
    } else {
      for j in 0..<(b * k) { dh[j] *= g.derivative(z[j], h[j]) }
    }
    for j in 0..<k { encoderBias[j] = 0 }
    for t in 0..<b {
      let row = dh + t * k
      for j in 0..<k { encoderBias[j] += row[j] }
    }
    // dW[c] = Σ_t e_tc H[t], dV[c] = Σ_t x_tc dZ[t]: one owner per touched column, no races.
    hiddenWidth = k
    if !defersWeightRows {
      decoderWeightRows(into: decoderWeight.pointer)
      encoderWeightRows(into: encoderWeight.pointer)
    }
    batch.columnTotals(entryValues: bErr, into: decoderBias.pointer)
  }
}
