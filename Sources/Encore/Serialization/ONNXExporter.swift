import Foundation

/// Exports a trained network as an ONNX model: one Gemm node per layer (PyTorch's
/// `nn.Linear` layout, weights [out, in] with transB = 1) followed by its activation, a dynamic
/// batch dimension, tied decoder weights sharing the encoder's initializer (Gemm with
/// transB = 0), and dropout left out. Input "ratings" is a batch of dense rating vectors (0 =
/// not rated); output "reconstruction" is the network's raw output for every unit.
public enum ONNXExporter {
  public static let opset: Int64 = 17
  public static let irVersion: Int64 = 8

  /// A node of the graph under construction.
  struct Node {
    var op: String
    var inputs: [String]
    var output: String
    var attributes: [(String, Any)] = []
  }

  struct Graph {
    var nodes: [Node] = []
    var initializers: [(String, [Int], [Float])] = []
    var counter = 0

    mutating func fresh(_ stem: String) -> String {
      counter += 1
      return "\(stem)_\(counter)"
    }

    /// Appends the activation of `input`, returning the output name.
    mutating func activation(_ a: Activation, _ input: String) -> String {
      let out = fresh(a.rawValue)
      switch a {
      case .identity: nodes.append(Node(op: "Identity", inputs: [input], output: out))
      case .sigmoid: nodes.append(Node(op: "Sigmoid", inputs: [input], output: out))
      case .relu: nodes.append(Node(op: "Relu", inputs: [input], output: out))
      case .tanh: nodes.append(Node(op: "Tanh", inputs: [input], output: out))
      case .selu:
        nodes.append(Node(op: "Selu", inputs: [input], output: out, attributes: [
          ("alpha", Float(Activation.seluAlpha)), ("gamma", Float(Activation.seluScale)),
        ]))
      case .elu: nodes.append(Node(op: "Elu", inputs: [input], output: out, attributes: [("alpha", Float(1))]))
      case .lrelu: nodes.append(Node(op: "LeakyRelu", inputs: [input], output: out, attributes: [("alpha", Activation.leakySlope)]))
      case .relu6:
        constant("relu6_min", 0)
        constant("relu6_max", 6)
        nodes.append(Node(op: "Clip", inputs: [input, "relu6_min", "relu6_max"], output: out))
      case .swish:
        let s = fresh("swish_sigmoid")
        nodes.append(Node(op: "Sigmoid", inputs: [input], output: s))
        nodes.append(Node(op: "Mul", inputs: [input, s], output: out))
      }
      return out
    }

    mutating func constant(_ name: String, _ value: Float) {
      if !initializers.contains(where: { $0.0 == name }) { initializers.append((name, [], [value])) }
    }

    /// Gemm(x, W, b) with W stored [out, in] (transB = 1) or [in, out] (transB = 0).
    mutating func gemm(_ x: String, weight: String, bias: String, transB: Bool) -> String {
      let out = fresh("gemm")
      nodes.append(Node(op: "Gemm", inputs: [x, weight, bias], output: out, attributes: [
        ("alpha", Float(1)), ("beta", Float(1)), ("transB", Int64(transB ? 1 : 0)),
      ]))
      return out
    }
  }

  /// The ONNX bytes of an AutoRec or deep-autoencoder model.
  public static func export(_ model: TrainedModel) throws -> Data {
    var g = Graph()
    let width: Int
    var last = "ratings"
    if let net = model.autoRec {
      let d = net.inputSize, k = net.hiddenUnits
      width = d
      var encoder = [Float](repeating: 0, count: d * k)
      for j in 0..<d { for h in 0..<k { encoder[h * d + j] = net.encoderWeight[j * k + h] } }
      g.initializers.append(("encoder.weight", [k, d], encoder))
      g.initializers.append(("encoder.bias", [k], net.encoderBias.array))
      g.initializers.append(("decoder.weight", [d, k], net.decoderWeight.array))
      g.initializers.append(("decoder.bias", [d], net.decoderBias.array))
      let offset = net.configuration.inputOffset
      if offset != 0 {
        // Centre observed ratings only: x − offset · (x ≠ 0).
        g.constant("zero", 0)
        g.constant("input_offset", offset)
        g.nodes.append(Node(op: "Equal", inputs: [last, "zero"], output: "is_missing"))
        g.nodes.append(Node(op: "Not", inputs: ["is_missing"], output: "is_rated"))
        g.nodes.append(Node(op: "Cast", inputs: ["is_rated"], output: "rated_mask", attributes: [("to", Int64(1))]))
        g.nodes.append(Node(op: "Mul", inputs: ["rated_mask", "input_offset"], output: "shift"))
        g.nodes.append(Node(op: "Sub", inputs: [last, "shift"], output: "centred"))
        last = "centred"
      }
      last = g.activation(net.configuration.encoderActivation, g.gemm(last, weight: "encoder.weight", bias: "encoder.bias", transB: true))
      last = g.activation(net.configuration.decoderActivation, g.gemm(last, weight: "decoder.weight", bias: "decoder.bias", transB: true))
    } else if let deep = model.deep {
      width = deep.inputSize
      // Initializers in PyTorch's [out, in] layout, as in the safetensors file.
      var pytorchLayout: [String: Bool] = [:]
      let depth = deep.configuration.hiddenLayers.count
      for p in deep.parameters {
        if ModelFile.savedTransposed(p, depth: depth) {
          var t = [Float](repeating: 0, count: p.count)
          for r in 0..<p.rows { for c in 0..<p.columns { t[c * p.rows + r] = p.value[r * p.columns + c] } }
          g.initializers.append((p.name, [p.columns, p.rows], t))
          pytorchLayout[p.name] = true
        } else {
          g.initializers.append((p.name, p.rows == 1 ? [p.columns] : [p.rows, p.columns], p.value.array))
        }
      }
      for layer in deep.layers {
        let weight = deep.parameters[layer.weight].name
        // In PyTorch layout every weight is [its own layer's out, in]; a tied decoder layer
        // uses the encoder's [out_enc, in_enc] = [in, out] from its own view: transB = 0.
        let ownLayer = !(deep.configuration.constrained && weight.hasPrefix("encoder") && layer.outputMajor)
        last = g.activation(layer.activation, g.gemm(last, weight: weight, bias: deep.parameters[layer.bias].name, transB: ownLayer))
      }
    } else {
      throw EncoreError.invalidArgument("only AutoRec and deep-autoencoder models can be exported to ONNX")
    }
    g.nodes.append(Node(op: "Identity", inputs: [last], output: "reconstruction"))
    return encode(g, width: width, name: model.kind.rawValue)
  }

  static func encode(_ g: Graph, width: Int, name: String) -> Data {
    var model = ProtobufWriter()
    model.int(1, irVersion)
    model.string(2, "encore")
    model.string(3, "1")
    model.message(7) { graph in
      for node in g.nodes {
        graph.message(1) { n in
          for i in node.inputs { n.string(1, i) }
          n.string(2, node.output)
          n.string(3, node.output + "_node")
          n.string(4, node.op)
          for (key, value) in node.attributes {
            n.message(5) { a in
              a.string(1, key)
              if let f = value as? Float {
                a.float(2, f)
                a.int(20, 1)
              } else if let i = value as? Int64 {
                a.int(3, i)
                a.int(20, 2)
              }
            }
          }
        }
      }
      graph.string(2, name)
      for (initName, dims, values) in g.initializers {
        graph.message(5) { t in
          for d in dims { t.int(1, Int64(d)) }
          t.int(2, 1)
          t.string(8, initName)
          t.bytes(9, values.withUnsafeBufferPointer { Data(buffer: $0) })
        }
      }
      for (field, valueName) in [(11, "ratings"), (12, "reconstruction")] {
        graph.message(field) { v in
          v.string(1, valueName)
          v.message(2) { type in
            type.message(1) { tensor in
              tensor.int(1, 1)
              tensor.message(2) { shape in
                shape.message(1) { dim in dim.string(2, "batch") }
                shape.message(1) { dim in dim.int(1, Int64(width)) }
              }
            }
          }
        }
      }
    }
    model.message(8) { opset in
      opset.string(1, "")
      opset.int(2, opset_)
    }
    return model.data
  }

  private static var opset_: Int64 { opset }
}
