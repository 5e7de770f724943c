import CEncoreKernels

/// An Adam step that a gradient product applies itself (`DenseKernels.stackedGemm`): each
/// tile of the gradient steps the parameter as soon as its sums are complete, while still in
/// cache, so the step needs no pass of its own over the gradient — the one dense pass a
/// deep autoencoder's tied first layer costs per step is its 55 MB weight, moments and all.
/// Gives exactly the bits of the separate step (`ek_adam_flat`).
public struct FusedAdamStep {
  /// The parameter and its first and second moments, laid out as the product's result.
  public var weights: UnsafeMutablePointer<Float>
  public var firstMoment: UnsafeMutablePointer<Float>
  public var secondMoment: UnsafeMutablePointer<Float>
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
    learningRate: Float, beta1: Float, beta2: Float, epsilon: Float, weightDecay: Float, clearsGradient: Bool, gradientIsZero: Bool
  ) {
    self.weights = weights
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
      w: weights, m: firstMoment, v: secondMoment, lr: learningRate, b1: beta1, b2: beta2, eps: epsilon, decay: weightDecay,
      clear: clearsGradient ? 1 : 0, cIsZero: gradientIsZero ? 1 : 0)
  }
}
