import Foundation

/// Exports a trained network as an ONNX model: one Gemm node per layer (PyTorch's
/// `nn.Linear` layout, weights [out, in] with transB = 1) followed by its activation, a dynamic
/// batch dimension, tied decoder weights sharing the encoder's initializer (Gemm with
/// transB = 0), and dropout left out. Input "ratings" is a batch of dense rating vectors (0 =
/// not rated); output "reconstruction" is the network's raw output for every unit.
public enum ONNXExporter {
  public static var opset: Int64 { ONNX.opset }

  /// The ONNX bytes of a network model (AutoRec or deep autoencoder).
  public static func export(_ trained: TrainedModel) throws -> Data {
    guard let network = try trained.model.asNetwork() else {
      throw EncoreError.invalidArgument("only AutoRec and deep-autoencoder models can be exported to ONNX")
    }
    var g = ONNX.Graph()
    let last = network.appendONNX(to: &g, input: "ratings")
    g.nodes.append(ONNX.Node(op: "Identity", inputs: [last], output: "reconstruction"))
    return ONNX.encode(g, width: network.inputRows.columnCount, name: trained.name)
  }
}
