/// Logs a training run to TensorBoard with DeepRecommender's tag names: Training_RMSE_per_epoch,
/// EVALUATION_RMSE and Epoch_time per epoch, and at the end the Frobenius norm of every
/// weight (Variables/FrobNorm/<name>).
public final class TrainingLogger {
  let writer: TensorBoardWriter

  public init(logdir: String) throws { writer = try TensorBoardWriter(logdir: logdir) }

  /// Logs one epoch and rewrites the event file.
  public func epoch(_ r: EpochRecord) {
    writer.scalar("Training_RMSE_per_epoch", r.trainRMSE, step: r.epoch)
    writer.scalar("Training_RMSE", r.trainRMSE, step: r.epoch)
    if let v = r.validationRMSE { writer.scalar("EVALUATION_RMSE", v, step: r.epoch) }
    writer.scalar("Epoch_time", r.seconds, step: r.epoch)
    try? writer.flush()
  }

  /// Logs the final per-layer weight norms and writes the file.
  public func finish(parameters: [(String, [Float])]) throws {
    for (name, values) in parameters where name.hasSuffix("weight") {
      var s = 0.0
      for v in values { s += Double(v) * Double(v) }
      writer.scalar("Variables/FrobNorm/\(name)", s.squareRoot(), step: 0)
    }
    try writer.flush()
  }
}

extension TrainedModel {
  /// The network's named weight and bias values (AutoRec or deep autoencoder), if it has any.
  public var networkParameters: [(String, [Float])]? {
    if let net = autoRec {
      return [("encoder.weight", net.encoderWeight.array), ("encoder.bias", net.encoderBias.array),
              ("decoder.weight", net.decoderWeight.array), ("decoder.bias", net.decoderBias.array)]
    }
    if let deep { return deep.parameters.map { ($0.name, $0.value.array) } }
    return nil
  }
}
