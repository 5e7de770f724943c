/// An AutoRec network and the sparse rating vectors it encodes.
///
/// Rows of `input` are the vectors fed to the network (items for I-AutoRec, users for
/// U-AutoRec); its columns are the network's input and output units. Both weight matrices are
/// stored with one row of `hiddenUnits` floats per input/output unit, so a sparse input row
/// gathers rows of V and an observed output reads one row of W:
///
/// - `encoderWeight` (V, `inputSize × hiddenUnits`; PyTorch's `encoder.weight` transposed)
/// - `encoderBias` (μ, `hiddenUnits`)
/// - `decoderWeight` (W, `inputSize × hiddenUnits`; PyTorch's `decoder.weight`)
/// - `decoderBias` (b, `inputSize`)
public final class AutoRec: @unchecked Sendable {
  public let configuration: AutoRecConfiguration
  /// The training ratings, oriented so that each row is one input vector.
  public let input: SparseMatrix
  public let encoderWeight: StableBuffer<Float>
  public let encoderBias: StableBuffer<Float>
  public let decoderWeight: StableBuffer<Float>
  public let decoderBias: StableBuffer<Float>

  /// Number of input (and output) units: the number of columns of `input`.
  public var inputSize: Int { input.columnCount }
  public var hiddenUnits: Int { configuration.hiddenUnits }

  /// A network with Xavier-uniform weights drawn from `seed`, zero hidden biases, and output
  /// biases at `outputBias` (the trainer passes the mean training rating, so that training
  /// starts from the global-mean predictor instead of predicting 0).
  public init(configuration: AutoRecConfiguration, input: SparseMatrix, seed: UInt64, outputBias: Float = 0) {
    self.configuration = configuration
    self.input = input
    let d = input.columnCount, k = configuration.hiddenUnits
    var rng = SeededGenerator(seed: seed, stream: 10)
    let limit = Float((6.0 / Double(d + k)).squareRoot())
    encoderWeight = StableBuffer(zeros: d * k)
    decoderWeight = StableBuffer(zeros: d * k)
    for j in 0..<(d * k) { encoderWeight[j] = (2 * rng.nextUnitFloat() - 1) * limit }
    for j in 0..<(d * k) { decoderWeight[j] = (2 * rng.nextUnitFloat() - 1) * limit }
    encoderBias = StableBuffer(zeros: k)
    decoderBias = StableBuffer(repeating: outputBias, count: d)
  }

  /// A network with the given parameters (used when loading a model file).
  public init(
    configuration: AutoRecConfiguration, input: SparseMatrix, encoderWeight: [Float], encoderBias: [Float],
    decoderWeight: [Float], decoderBias: [Float]
  ) throws {
    let d = input.columnCount, k = configuration.hiddenUnits
    guard encoderWeight.count == d * k, decoderWeight.count == d * k, encoderBias.count == k, decoderBias.count == d else {
      throw EncoreError.invalidArgument("AutoRec parameter sizes do not match \(d) inputs and \(k) hidden units")
    }
    self.configuration = configuration
    self.input = input
    self.encoderWeight = StableBuffer(encoderWeight)
    self.encoderBias = StableBuffer(encoderBias)
    self.decoderWeight = StableBuffer(decoderWeight)
    self.decoderBias = StableBuffer(decoderBias)
  }

  /// A deep copy (for keeping the best epoch's parameters).
  public func copy() -> AutoRec {
    try! AutoRec(
      configuration: configuration, input: input, encoderWeight: encoderWeight.array,
      encoderBias: encoderBias.array, decoderWeight: decoderWeight.array, decoderBias: decoderBias.array)
  }

  /// Copies another network's parameters into this one (same shape).
  public func assign(from other: AutoRec) {
    encoderWeight.assign(from: other.encoderWeight)
    encoderBias.assign(from: other.encoderBias)
    decoderWeight.assign(from: other.decoderWeight)
    decoderBias.assign(from: other.decoderBias)
  }

  /// Moves every parameter toward `other`'s: θ ← keep·θ + (1 − keep)·θ_other (a moving average).
  public func blend(toward other: AutoRec, keeping keep: Float, on compute: ComputeContext) {
    for (a, b) in [(encoderWeight, other.encoderWeight), (encoderBias, other.encoderBias),
                   (decoderWeight, other.decoderWeight), (decoderBias, other.decoderBias)] {
      a.blend(toward: b, keeping: keep, on: compute)
    }
  }

  /// The hidden codes g(V·r + μ) of every row of `input` (`rowCount × hiddenUnits`).
  public func codes(on compute: ComputeContext) -> StableBuffer<Float> {
    let n = input.rowCount, k = hiddenUnits
    let h = StableBuffer<Float>(zeros: n * k)
    input.rowStart.withUnsafeBufferPointer { rowStart in
      input.columns.withUnsafeBufferPointer { cols in
        encoderInputs().withUnsafeBufferPointer { vals in
          SparseKernels.gatherAxpy(
            count: n, rows: nil, rowStart: rowStart.baseAddress!, indices: cols.baseAddress!,
            values: vals.baseAddress!, matrix: encoderWeight.pointer, matrixStride: k,
            initial: encoderBias.pointer, output: h.pointer, outputStride: k, width: k, on: compute)
        }
      }
    }
    let g = configuration.encoderActivation
    let box = UncheckedSendable(h.pointer)
    compute.forRanges(n * k, grain: 1 << 14) { lo, hi in
      g.apply(box.value + lo, into: box.value + lo, count: hi - lo)
    }
    return h
  }

  /// The values the encoder reads: the ratings minus the configuration's input offset.
  public func encoderInputs() -> [Float] {
    let offset = configuration.inputOffset
    return offset == 0 ? input.values : input.values.map { $0 - offset }
  }

  /// The network's raw output for unit `column` of row `row`, given that row's code.
  @inline(__always) public func output(code: UnsafePointer<Float>, column: Int) -> Float {
    let k = hiddenUnits
    let s = SparseKernels.dot(code, decoderWeight.pointer + column * k, count: k)
    return configuration.decoderActivation.apply(s + decoderBias[column])
  }
}
