/// One trainable tensor of a deep autoencoder, with its gradient and optimiser state.
/// `rows × columns` is the storage shape (row-major).
public final class DeepParameter: @unchecked Sendable {
  public let name: String
  public let rows: Int
  public let columns: Int
  public let value: StableBuffer<Float>
  public let gradient: StableBuffer<Float>
  var firstMoment: StableBuffer<Float>? = nil
  var secondMoment: StableBuffer<Float>? = nil

  init(name: String, rows: Int, columns: Int, value: StableBuffer<Float>) {
    self.name = name
    self.rows = rows
    self.columns = columns
    self.value = value
    gradient = StableBuffer(zeros: value.count)
  }

  public var count: Int { value.count }
}

/// A deep autoencoder (DeepRecommender family) and the sparse rating vectors it encodes.
///
/// Layers 0…L−1 encode (n → h₁ → … → h_L), layers L…2L−1 decode (h_L → … → h₁ → n). Every
/// weight is stored row-major in whichever orientation its hot product wants:
/// - encoder layer l: `[in, out]` (the first layer's rows are per input item, so a sparse input
///   row gathers rows; PyTorch's `encoder.l.weight` is its transpose);
/// - free decoder inner layers: `[in, out]`; the free output layer: `[n, h₁]` (one row per
///   output, so observed outputs read one row each);
/// - a tied ("constrained") decoder layer reuses the mirrored encoder weight, which is then
///   `[out, in]` from the decoder's point of view.
public final class DeepAutoencoder: @unchecked Sendable {
  /// How one layer computes Z = A·W (+ bias), from the weight's storage.
  struct Layer {
    var input: Int
    var output: Int
    var weight: Int
    /// The weight is stored [output, input] (so Z = A·Wᵀ), else [input, output].
    var outputMajor: Bool
    var bias: Int
    var activation: Activation
  }

  public let configuration: DeepAutoencoderConfiguration
  /// Training ratings, one row per input vector (users, or items when item-based).
  public let input: SparseMatrix
  public let parameters: [DeepParameter]
  let layers: [Layer]

  public var inputSize: Int { input.columnCount }
  var depth: Int { configuration.hiddenLayers.count }

  /// A network with Xavier-uniform weights and zero biases, drawn from `seed`.
  public convenience init(configuration: DeepAutoencoderConfiguration, input: SparseMatrix, seed: UInt64) throws {
    var rng = SeededGenerator(seed: seed, stream: 40)
    try self.init(configuration: configuration, input: input) { name, rows, columns, fanIn, fanOut in
      let buffer = StableBuffer<Float>(zeros: rows * columns)
      if name.hasSuffix("weight") {
        let limit = Float((6.0 / Double(fanIn + fanOut)).squareRoot())
        for j in 0..<buffer.count { buffer[j] = (2 * rng.nextUnitFloat() - 1) * limit }
      }
      return buffer
    }
  }

  /// A network whose parameter values come from `make(name, rows, columns, fanIn, fanOut)`.
  init(
    configuration: DeepAutoencoderConfiguration, input: SparseMatrix,
    make: (String, Int, Int, Int, Int) throws -> StableBuffer<Float>
  ) throws {
    let sizes = [input.columnCount] + configuration.hiddenLayers
    guard !configuration.hiddenLayers.isEmpty, configuration.hiddenLayers.allSatisfy({ $0 >= 1 }) else {
      throw EncoreError.invalidSetting("layers", "needs at least one positive layer size, e.g. 512,512,1024")
    }
    guard (0..<1).contains(configuration.dropout) else { throw EncoreError.invalidSetting("dropout", "must be in [0, 1)") }
    guard (0..<1).contains(configuration.noise) else { throw EncoreError.invalidSetting("noise", "must be in [0, 1)") }
    guard configuration.refeed >= 0 else { throw EncoreError.invalidSetting("refeed", "must be at least 0") }
    self.configuration = configuration
    self.input = input
    let depth = configuration.hiddenLayers.count
    var parameters: [DeepParameter] = []
    func add(_ name: String, _ rows: Int, _ columns: Int, _ fanIn: Int, _ fanOut: Int) throws -> Int {
      let value = try make(name, rows, columns, fanIn, fanOut)
      guard value.count == rows * columns else {
        throw EncoreError.invalidArgument("parameter \(name) has \(value.count) values, expected \(rows * columns)")
      }
      parameters.append(DeepParameter(name: name, rows: rows, columns: columns, value: value))
      return parameters.count - 1
    }
    var layers: [Layer] = []
    var encoderWeights: [Int] = []
    for l in 0..<depth {
      let w = try add("encoder.\(l).weight", sizes[l], sizes[l + 1], sizes[l], sizes[l + 1])
      let b = try add("encoder.\(l).bias", 1, sizes[l + 1], 0, 0)
      encoderWeights.append(w)
      layers.append(Layer(input: sizes[l], output: sizes[l + 1], weight: w, outputMajor: false, bias: b, activation: configuration.activation))
    }
    let decoderActivation = configuration.decoderActivationResolved
    for j in 0..<depth {
      let mirror = depth - 1 - j
      let inSize = sizes[mirror + 1], outSize = sizes[mirror]
      let last = j == depth - 1
      let weight: Int
      let outputMajor: Bool
      if configuration.constrained {
        weight = encoderWeights[mirror]
        outputMajor = true
      } else if last {
        weight = try add("decoder.\(j).weight", outSize, inSize, inSize, outSize)
        outputMajor = true
      } else {
        weight = try add("decoder.\(j).weight", inSize, outSize, inSize, outSize)
        outputMajor = false
      }
      let b = try add("decoder.\(j).bias", 1, outSize, 0, 0)
      let activation = last && !configuration.lastLayerActivation ? Activation.identity : decoderActivation
      layers.append(Layer(input: inSize, output: outSize, weight: weight, outputMajor: outputMajor, bias: b, activation: activation))
    }
    self.parameters = parameters
    self.layers = layers
  }

  /// A network with the given parameter values (by name), used when loading a model file.
  public convenience init(configuration: DeepAutoencoderConfiguration, input: SparseMatrix, values: [String: [Float]]) throws {
    try self.init(configuration: configuration, input: input) { name, rows, columns, _, _ in
      guard let v = values[name] else { throw EncoreError.invalidArgument("parameter \(name) is missing") }
      guard v.count == rows * columns else {
        throw EncoreError.invalidArgument("parameter \(name) has \(v.count) values, expected \(rows * columns)")
      }
      return StableBuffer(v)
    }
  }

  /// A deep copy of the parameter values.
  public func copy() -> DeepAutoencoder {
    var values: [String: [Float]] = [:]
    for p in parameters { values[p.name] = p.value.array }
    return try! DeepAutoencoder(configuration: configuration, input: input, values: values)
  }

  /// Copies another network's parameter values (same shape).
  public func assign(from other: DeepAutoencoder) {
    for (a, b) in zip(parameters, other.parameters) { a.value.assign(from: b.value) }
  }

  /// The output layer: its weight (one row per output unit) and bias.
  var outputLayer: Layer { layers[layers.count - 1] }

  /// The last hidden activations (the output layer's input) of every input row, computed in
  /// batches without dropout: `rowCount × h₁`.
  public func lastHidden(on compute: ComputeContext) -> StableBuffer<Float> {
    let width = outputLayer.input
    let result = StableBuffer<Float>(zeros: input.rowCount * width)
    let gradient = DeepAutoencoderGradient(model: self, compute: compute)
    let all = Array(0..<Int32(input.rowCount))
    var lo = 0
    while lo < all.count {
      let hi = min(all.count, lo + 512)
      let hidden = gradient.inference(rows: all[lo..<hi])
      result.pointer.advanced(by: lo * width).update(from: hidden, count: (hi - lo) * width)
      lo = hi
    }
    return result
  }
}

/// Predicts ratings from a trained deep autoencoder: each input row's last hidden layer is
/// computed once; a rating is then one dot product with the output weights, the output
/// activation, and clipping. Pairs without training ratings get the bias baseline.
public struct DeepAutoencoderPredictor: PairPredictor, @unchecked Sendable {
  public let model: DeepAutoencoder
  let hidden: StableBuffer<Float>
  let known: KnownCells
  let baseline: BiasBaseline
  let scale: RatingScale

  public init(model: DeepAutoencoder, baseline: BiasBaseline, scale: RatingScale, compute: ComputeContext) {
    self.model = model
    self.baseline = baseline
    self.scale = scale
    hidden = model.lastHidden(on: compute)
    known = KnownCells(model.input, itemsAsRows: model.configuration.itemBased)
  }

  public func predict(user: Int32, item: Int32) -> (value: Float, fallback: Bool) {
    guard let (r, c) = known.cell(user: user, item: item) else {
      return (scale.clip(baseline.predict(user: user, item: item)), true)
    }
    let layer = model.outputLayer
    let w = model.parameters[layer.weight].value.pointer, b = model.parameters[layer.bias].value
    let width = layer.input
    let s = SparseKernels.dot(hidden.pointer + r * width, w + c * width, count: width) + b[c]
    return (scale.clip(layer.activation.apply(s)), false)
  }
}

extension DeepAutoencoder {
  /// The weight decay `options` give this network's training ratings (`input`).
  func effectiveWeightDecay(_ options: DeepTrainingOptions) -> Float {
    options.effectiveWeightDecay(ratings: input.nonzeroCount, rows: input.rowCount)
  }
}
