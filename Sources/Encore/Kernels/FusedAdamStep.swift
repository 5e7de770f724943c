import CEncoreKernels

/// An Adam step that a product takes itself, exactly as the separate step (`ek_adam_flat`)
/// would, bit for bit, while the data is in cache instead of in a pass of its own:
/// - on the product's result, when that is the gradient (`DenseKernels.stackedGemm`): each
///   tile steps the parameter as soon as its sums are complete;
/// - on an operand that is the parameter (`DenseKernels.gemmSteppingB`): each block of its rows
///   is stepped just after the product has packed it.
/// A deep autoencoder's output-layer weight (26,744 × 512 on ML-20M) is 55 MB, with two moments
/// and a gradient of the same size: a pass of its own per step is most of an Adam step's cost.
public struct FusedAdamStep {
  /// The parameter and its first and second moments, laid out as the product's result.
  public var weights: UnsafeMutablePointer<Float>
  public var firstMoment: UnsafeMutablePointer<Float>
  public var secondMoment: UnsafeMutablePointer<Float>
  /// The gradient, for a step on a product's operand (`DenseKernels.gemmSteppingB`); nil for
  /// a step on the product's result, which is the gradient.
  public var gradient: UnsafeMutablePointer<Float>?
  /// The step size after bias correction (`Adam.correctedRate`).
  public var learningRate: Float
  public var beta1: Float
  public var beta2: Float
  public var epsilon: Float
  /// Weight decay, added to the gradient as the separate step adds it.
  public var weightDecay: Float
  /// Whether the gradient buffer is left zero (nothing reads it after the step).
  public var clearsGradient: Bool
  /// Whether the gradient buffer holds zeros on entry: it is then neither read nor, when the
  /// step clears it, written.
  public var gradientIsZero: Bool

  public init(
    weights: UnsafeMutablePointer<Float>, firstMoment: UnsafeMutablePointer<Float>, secondMoment: UnsafeMutablePointer<Float>,
    gradient: UnsafeMutablePointer<Float>? = nil, learningRate: Float, beta1: Float, beta2: Float, epsilon: Float,
    weightDecay: Float, clearsGradient: Bool, gradientIsZero: Bool
  ) {
    self.weights = weights
    self.gradient = gradient
    self.firstMoment = firstMoment
    self.secondMoment = secondMoment
    self.learningRate = learningRate
    self.beta1 = beta1
    self.beta2 = beta2
    self.epsilon = epsilon
    self.weightDecay = weightDecay
    self.clearsGradient = clearsGradient
    self.gradientIsZero = gradientIsZero
  }

  var kernelStep: ek_adam_step {
    ek_adam_step(
      w: weights, m: firstMoment, v: secondMoment, g: gradient, lr: learningRate, b1: beta1, b2: beta2, eps: epsilon, decay: weightDecay,
      clear: clearsGradient ? 1 : 0, cIsZero: gradientIsZero ? 1 : 0)
  }
}
