import Foundation

/// An ONNX graph under construction: nodes, initializers and fresh names, written with the
/// small `ProtobufWriter`. Families append their layers (`ReconstructingModel.appendONNX`).
public enum ONNX {
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

    /// Appends `other`'s initializers and nodes with every name except `shared` prefixed, so
    /// that several networks (an ensemble's members) live side by side in one graph.
    mutating func merge(_ other: Graph, prefix: String, shared: Set<String>) {
      func rename(_ name: String) -> String { shared.contains(name) ? name : prefix + name }
      for (name, shape, values) in other.initializers { initializers.append((rename(name), shape, values)) }
      for var node in other.nodes {
        node.inputs = node.inputs.map(rename)
        node.output = rename(node.output)
        nodes.append(node)
      }
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
