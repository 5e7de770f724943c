/// Logs a training run to TensorBoard with DeepRecommender's tag names: Training_RMSE_per_epoch,
/// EVALUATION_RMSE and Epoch_time per epoch, and at the end the Frobenius norm of every
/// weight (Variables/FrobNorm/<name>).
public final class TrainingLogger {
  let writer: TensorBoardWriter

  public init(logdir: String) throws { writer = try TensorBoardWriter(logdir: logdir) }

  /// A monitor that logs Training_RMSE every `stepInterval` optimiser steps and the
  /// Variables/FrobNorm and Gradients/FrobNorm of every weight at the end of each epoch.
  /// At every such step it also logs each parameter as seed 003's `log_var_and_grad_summaries`
  /// does: Variable/FrobNorm/Encode_W_0 and Gradients/FrobNorm/Encode_W_0 (…_b_…, Decode_…),
  /// and with `histograms` the Variables/… and Gradients/… histograms.
  public func monitor(stepInterval: Int, histograms: Bool = false) -> TrainingMonitor {
    let monitor = TrainingMonitor(stepInterval: stepInterval, onSteps: { [writer] step, rmse in
      writer.scalar("Training_RMSE", rmse, step: step)
    }, onNorms: { [writer] epoch, norms in
      for n in norms {
        writer.scalar("Variables/FrobNorm/\(n.name)", n.weight, step: epoch)
        writer.scalar("Gradients/FrobNorm/\(n.name)", n.gradient, step: epoch)
      }
    })
    monitor.histograms = histograms
    monitor.onSummary = { [writer] step, parameters in
      for p in parameters {
        writer.scalar("Variable/FrobNorm/\(p.name)", p.norm, step: step)
        writer.scalar("Gradients/FrobNorm/\(p.name)", p.gradientNorm, step: step)
        if let h = p.histogram { writer.histogram("Variables/\(p.name)", h, step: step) }
        if let h = p.gradientHistogram { writer.histogram("Gradients/\(p.name)", h, step: step) }
      }
    }
    return monitor
  }

  /// Logs one epoch and rewrites the event file.
  public func epoch(_ r: EpochRecord) {
    writer.scalar("Training_RMSE_per_epoch", r.trainRMSE, step: r.epoch)
    if let v = r.validationRMSE { writer.scalar("EVALUATION_RMSE", v, step: r.epoch) }
    writer.scalar("Epoch_time", r.seconds, step: r.epoch)
    if let lr = r.learningRate { writer.scalar("Learning_rate", lr, step: r.epoch) }
    if let loss = r.trainLoss { writer.scalar("Training_loss_per_epoch", loss, step: r.epoch) }
    try? writer.flush()
  }

  /// Writes the event file.
  public func finish() throws { try writer.flush() }
}
