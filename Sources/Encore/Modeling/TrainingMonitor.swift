/// Receives what a trainer measures as it goes, beyond the per-epoch record: the training
/// RMSE every `stepInterval` optimiser steps, and each weight's and gradient's Frobenius norm
/// at the end of every epoch (TensorBoard's Training_RMSE and …/FrobNorm/… series).
public final class TrainingMonitor {
  public let stepInterval: Int
  let onSteps: (Int, Double) -> Void
  let onNorms: (Int, [(name: String, weight: Double, gradient: Double)]) -> Void
  private var squaredError = 0.0
  private var count = 0
  /// Called at every logging step with each parameter's summary (seed 003's
  /// `log_var_and_grad_summaries`); nil: no per-step parameter summaries.
  public var onSummary: ((Int, [ParameterSummary]) -> Void)? = nil
  /// Whether the summaries carry histograms (seed 003's `log_histograms`).
  public var histograms = false

  public init(
    stepInterval: Int, onSteps: @escaping (Int, Double) -> Void,
    onNorms: @escaping (Int, [(name: String, weight: Double, gradient: Double)]) -> Void
  ) {
    self.stepInterval = max(1, stepInterval)
    self.onSteps = onSteps
    self.onNorms = onNorms
  }

  /// Called after every optimiser step with that step's squared error and rating count.
  func step(_ number: Int, squaredError sse: Double, count n: Int) {
    squaredError += sse
    count += n
    if number % stepInterval == 0 {
      onSteps(number, (squaredError / Double(max(count, 1))).squareRoot())
      squaredError = 0
      count = 0
    }
  }

  /// Whether `step` is a logging step.
  func isLoggingStep(_ step: Int) -> Bool { step % stepInterval == 0 }

  /// Summarises `parameters` at a logging step.
  func summarize(_ step: Int, _ parameters: [ParameterView]) {
    guard let onSummary else { return }
    onSummary(step, parameters.map { p in
      ParameterSummary(
        name: p.name, norm: Self.norm(p.values.baseAddress!, p.values.count), gradientNorm: Self.norm(p.gradient.baseAddress!, p.gradient.count),
        histogram: histograms ? Histogram(p.values) : nil, gradientHistogram: histograms ? Histogram(p.gradient) : nil)
    })
  }

  func epochEnded(_ epoch: Int, norms: [(name: String, weight: Double, gradient: Double)]) { onNorms(epoch, norms) }

  /// The Frobenius norm of `count` floats.
  static func norm(_ p: UnsafePointer<Float>, _ count: Int) -> Double {
    var s = 0.0
    for j in 0..<count { s += Double(p[j]) * Double(p[j]) }
    return s.squareRoot()
  }
}
