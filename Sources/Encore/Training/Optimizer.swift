import CEncoreKernels

/// Adam's constants and bias correction, shared by the lazy row steps and the dense steps.
enum Adam {
  static let beta1: Float = 0.9
  static let beta2: Float = 0.999

  /// The step size after bias correction at 1-based step `step`: lr·√(1 − β₂ᵗ) / (1 − β₁ᵗ).
  static func correctedRate(_ lr: Float, step: Int) -> Float {
    let t = Float(step)
    return lr * (1 - powf_(beta2, t)).squareRoot() / (1 - powf_(beta1, t))
  }
}

/// State of one parameter matrix whose rows are updated lazily: only rows with a gradient in
/// the current batch are touched, so a step costs O(touched rows × width), not O(all weights).
/// Weight decay λ·w is added to the rows that are updated, divided by the chance that a batch
/// updates the row at all, so that on average every row is regularised as in the full objective.
final class RowOptimizerState: @unchecked Sendable {
  let width: Int
  let first: StableBuffer<Float>
  let second: StableBuffer<Float>
  let compute: ComputeContext

  init(rows: Int, width: Int, needsSecondMoment: Bool, compute: ComputeContext) {
    self.width = width
    self.compute = compute
    first = StableBuffer(zeros: rows * width)
    second = StableBuffer(zeros: needsSecondMoment ? rows * width : 0)
  }

  /// Applies one step to the rows `rows` (nil: rows 0..<count) of `weights`, with gradient rows
  /// `gradient` (one per listed row) multiplied by `gradientScale`.
  func step(
    _ kind: OptimizerKind, weights: StableBuffer<Float>, rows: UnsafePointer<Int32>?, count: Int,
    gradient: UnsafeMutablePointer<Float>, gradientScale: Float, learningRate: Float, decay: Float,
    rowDecay: StableBuffer<Float>? = nil, stepNumber: Int
  ) {
    if gradientScale != 1 {
      for j in 0..<(count * width) { gradient[j] *= gradientScale }
    }
    let w = UncheckedSendable((weights.pointer, first.pointer, second.pointer, gradient, rows, rowDecay?.pointer))
    let width = self.width
    switch kind {
    case .adam:
      let b1 = Adam.beta1, b2 = Adam.beta2
      let corrected = Adam.correctedRate(learningRate, step: stepNumber)
      compute.forRanges(count, grain: 64) { lo, hi in
        let (wp, m, v, g, rows, rowDecay) = w.value
        ek_adam_rows(lo, hi, rows, wp, m, v, width, g, width, width, corrected, b1, b2, 1e-8, decay, rowDecay)
      }
    case .momentum, .plainSGD:
      let mu: Float = kind == .momentum ? 0.9 : 0
      compute.forRanges(count, grain: 64) { lo, hi in
        let (wp, m, _, g, rows, rowDecay) = w.value
        ek_momentum_rows(lo, hi, rows, wp, m, width, g, width, width, learningRate, mu, decay, rowDecay)
      }
    case .rprop, .adagrad, .rmsprop:
      preconditionFailure("\(kind.rawValue) has no lazy row step; the trainer steps it densely")
    }
  }
}

/// iRprop− state for a dense parameter block.
final class RpropState: @unchecked Sendable {
  let previous: StableBuffer<Float>
  let stepSize: StableBuffer<Float>
  let compute: ComputeContext

  init(count: Int, initialStep: Float, compute: ComputeContext) {
    self.compute = compute
    previous = StableBuffer(zeros: count)
    stepSize = StableBuffer(repeating: initialStep, count: count)
  }

  func step(weights: StableBuffer<Float>, gradient: StableBuffer<Float>) {
    let p = UncheckedSendable((weights.pointer, gradient.pointer, previous.pointer, stepSize.pointer))
    compute.forRanges(weights.count, grain: 1 << 15) { lo, hi in
      let (w, g, prev, st) = p.value
      ek_rprop(hi - lo, w + lo, g + lo, prev + lo, st + lo, 1.2, 0.5, 1e-9, 1)
    }
  }
}
