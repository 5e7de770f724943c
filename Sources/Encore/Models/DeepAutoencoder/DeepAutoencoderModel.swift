import Foundation

/// A trained deep autoencoder as a `RatingModel`.
public struct DeepAutoencoderModel: RatingModel, @unchecked Sendable {
  public let network: DeepAutoencoder
  public let settings: DeepAutoencoderSettings

  public init(network: DeepAutoencoder, settings: DeepAutoencoderSettings) {
    self.network = network
    self.settings = settings
  }

  public var spec: ModelSpec { settings.spec }
  public var storedRatings: SparseMatrix? { network.input }

  public func predictor(_ context: PredictionContext) -> any PairPredictor {
    DeepAutoencoderPredictor(model: network, baseline: context.baseline, scale: context.scale, compute: context.compute)
  }

  /// Whether a parameter is stored [in, out] and so saved transposed, to PyTorch's [out, in].
  static func savedTransposed(_ p: DeepParameter, depth: Int) -> Bool {
    p.name.hasSuffix(".weight") && p.name != "decoder.\(depth - 1).weight"
  }

  /// Every parameter in PyTorch's layout ([out, in] weights, biases as vectors).
  public var namedParameters: [NamedTensor] {
    let depth = network.configuration.hiddenLayers.count
    return network.parameters.map { p in
      if Self.savedTransposed(p, depth: depth) {
        var t = [Float](repeating: 0, count: p.count)
        for r in 0..<p.rows { for c in 0..<p.columns { t[c * p.rows + r] = p.value[r * p.columns + c] } }
        return NamedTensor(p.name, shape: [p.columns, p.rows], values: t)
      }
      return NamedTensor(p.name, shape: p.rows == 1 ? [p.columns] : [p.rows, p.columns], values: p.value.array)
    }
  }

  public func descriptionFields() throws -> [String: Any] {
    ["deepConfiguration": try JSONSerialization.jsonObject(with: JSONEncoder.sorted.encode(network.configuration))]
  }
}

extension DeepAutoencoderModel: NetworkModel {
  var inputRows: SparseMatrix { network.input }

  func lastHidden(on compute: ComputeContext) -> (values: StableBuffer<Float>, width: Int, output: (UnsafePointer<Float>, Int) -> Float) {
    let deep = network
    let layer = deep.outputLayer
    let width = layer.input
    let w = deep.parameters[layer.weight].value, b = deep.parameters[layer.bias].value
    return (deep.lastHidden(on: compute), width, { h, c in layer.activation.apply(SparseKernels.dot(h, w.pointer + c * width, count: width) + b[c]) })
  }

  /// One Gemm and activation per layer, initializers in PyTorch's [out, in] layout as in the
  /// model file.
  func appendONNX(to g: inout ONNX.Graph, input: String) -> String {
    var last = input
    for p in namedParameters { g.initializers.append((p.name, p.shape, p.values)) }
    let deep = network
    for layer in deep.layers {
      let weight = deep.parameters[layer.weight].name
      // In PyTorch layout every weight is [its own layer's out, in]; a tied decoder layer
      // uses the encoder's [out_enc, in_enc] = [in, out] from its own view: transB = 0.
      let ownLayer = !(deep.configuration.constrained && weight.hasPrefix("encoder") && layer.outputMajor)
      last = g.activation(layer.activation, g.gemm(last, weight: weight, bias: deep.parameters[layer.bias].name, transB: ownLayer))
    }
    return last
  }
}
