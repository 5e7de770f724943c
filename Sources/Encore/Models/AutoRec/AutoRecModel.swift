import Foundation

/// A trained AutoRec network as a `RatingModel`.
public struct AutoRecModel: RatingModel, @unchecked Sendable {
  public let network: AutoRec
  public let settings: AutoRecSettings

  public init(network: AutoRec, settings: AutoRecSettings) {
    self.network = network
    self.settings = settings
  }

  /// The settings, with the network's own configuration (which records the input offset
  /// training chose).
  public var spec: ModelSpec {
    var s = settings
    s.configuration = network.configuration
    return s.spec
  }
  public var storedRatings: SparseMatrix? { network.input }

  public func predictor(_ context: PredictionContext) -> any PairPredictor {
    AutoRecPredictor(model: network, baseline: context.baseline, scale: context.scale, compute: context.compute)
  }

  /// PyTorch's `nn.Linear` layout: encoder.weight is [k, d] (V transposed), decoder.weight [d, k].
  public var namedParameters: [NamedTensor] {
    let d = network.inputSize, k = network.hiddenUnits
    var encoder = [Float](repeating: 0, count: d * k)
    for j in 0..<d { for h in 0..<k { encoder[h * d + j] = network.encoderWeight[j * k + h] } }
    return [
      NamedTensor("encoder.weight", shape: [k, d], values: encoder),
      NamedTensor("encoder.bias", shape: [k], values: network.encoderBias.array),
      NamedTensor("decoder.weight", shape: [d, k], values: network.decoderWeight.array),
      NamedTensor("decoder.bias", shape: [d], values: network.decoderBias.array),
    ]
  }

  public func descriptionFields() throws -> [String: Any] {
    ["configuration": try JSONSerialization.jsonObject(with: JSONEncoder.sorted.encode(network.configuration))]
  }
}

extension AutoRecModel: NetworkModel {
  var inputRows: SparseMatrix { network.input }

  func lastHidden(on compute: ComputeContext) -> (values: StableBuffer<Float>, width: Int, output: (UnsafePointer<Float>, Int) -> Float) {
    let net = network
    return (net.codes(on: compute), net.hiddenUnits, { code, c in net.output(code: code, column: c) })
  }

  /// Two Gemm layers; inputs are centred first when the network was trained centred.
  func appendONNX(to g: inout ONNX.Graph, input: String) -> String {
    var last = input
    for p in namedParameters { g.initializers.append((p.name, p.shape, p.values)) }
    let offset = network.configuration.inputOffset
    if offset != 0 {
      // Centre observed ratings only: x − offset · (x ≠ 0).
      g.constant("zero", 0)
      g.constant("input_offset", offset)
      g.nodes.append(ONNX.Node(op: "Equal", inputs: [last, "zero"], output: "is_missing"))
      g.nodes.append(ONNX.Node(op: "Not", inputs: ["is_missing"], output: "is_rated"))
      g.nodes.append(ONNX.Node(op: "Cast", inputs: ["is_rated"], output: "rated_mask", attributes: [("to", Int64(1))]))
      g.nodes.append(ONNX.Node(op: "Mul", inputs: ["rated_mask", "input_offset"], output: "shift"))
      g.nodes.append(ONNX.Node(op: "Sub", inputs: [last, "shift"], output: "centred"))
      last = "centred"
    }
    let c = network.configuration
    last = g.activation(c.encoderActivation, g.gemm(last, weight: "encoder.weight", bias: "encoder.bias", transB: true))
    return g.activation(c.decoderActivation, g.gemm(last, weight: "decoder.weight", bias: "decoder.bias", transB: true))
  }
}
