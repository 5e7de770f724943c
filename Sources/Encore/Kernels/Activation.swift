/// The element-wise non-linearities of Encore's layers, with their derivatives.
public enum Activation: String, Codable, CaseIterable, Sendable {
  case identity, sigmoid, relu, relu6, lrelu, selu, elu, tanh, swish

  static let seluAlpha: Float = 1.6732632423543772
  static let seluScale: Float = 1.0507009873554805
  static let leakySlope: Float = 0.01

  /// f(z).
  /// The values f can take (closed where it reaches its bound): ratings outside it can never
  /// be predicted by an output layer with this activation.
  public var range: ClosedRange<Float> {
    switch self {
    case .sigmoid: return 0...1
    case .tanh: return -1...1
    case .relu: return 0...Float.infinity
    case .relu6: return 0...6
    case .elu: return -1...Float.infinity
    case .selu: return -Activation.seluScale * Activation.seluAlpha...Float.infinity
    case .swish: return -0.2785...Float.infinity
    case .identity, .lrelu: return -Float.infinity...Float.infinity
    }
  }

  @inline(__always) public func apply(_ z: Float) -> Float {
    switch self {
    case .identity: return z
    case .sigmoid: return 1 / (1 + expf_(-z))
    case .relu: return max(z, 0)
    case .relu6: return min(max(z, 0), 6)
    case .lrelu: return z > 0 ? z : Activation.leakySlope * z
    case .selu: return Activation.seluScale * (z > 0 ? z : Activation.seluAlpha * (expf_(z) - 1))
    case .elu: return z > 0 ? z : expf_(z) - 1
    case .tanh: return tanhf_(z)
    case .swish: return z / (1 + expf_(-z))
    }
  }

  /// f'(z), given z and a = f(z).
  @inline(__always) public func derivative(_ z: Float, _ a: Float) -> Float {
    switch self {
    case .identity: return 1
    case .sigmoid: return a * (1 - a)
    case .relu: return z > 0 ? 1 : 0
    case .relu6: return z > 0 && z < 6 ? 1 : 0
    case .lrelu: return z > 0 ? 1 : Activation.leakySlope
    case .selu: return z > 0 ? Activation.seluScale : a + Activation.seluScale * Activation.seluAlpha
    case .elu: return z > 0 ? 1 : a + 1
    case .tanh: return 1 - a * a
    case .swish:
      let s = 1 / (1 + expf_(-z))
      return s + z * s * (1 - s)
    }
  }

  /// Applies f in place over a buffer, keeping the pre-activations in `z`.
  public func apply(_ z: UnsafePointer<Float>, into a: UnsafeMutablePointer<Float>, count: Int) {
    if self == .identity {
      if UnsafePointer(a) != z { a.update(from: z, count: count) }
      return
    }
    for k in 0..<count { a[k] = apply(z[k]) }
  }
}
