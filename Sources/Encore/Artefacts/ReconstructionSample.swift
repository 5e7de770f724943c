/// Dense inputs and Encore's raw network outputs for a few input rows, written next to an ONNX
/// export so that other runtimes (onnxruntime, numpy with the safetensors weights) can be
/// checked against Encore.
public struct ReconstructionSample: Codable, Sendable {
  public var model: String
  public var rows: [Int]
  /// One dense input vector per row (0 = not rated), as the network reads it.
  public var inputs: [[Float]]
  /// The network's output for every unit (no clipping, no fallback).
  public var outputs: [[Float]]

  public init(_ trained: TrainedModel, rows: Int, compute: ComputeContext = .automatic) throws {
    guard let network = try trained.model.asNetwork() else {
      throw EncoreError.invalidArgument("only AutoRec and deep-autoencoder models have a reconstruction")
    }
    model = trained.name
    let input = network.inputRows
    let (hidden, width, output) = network.lastHidden(on: compute)
    let chosen = (0..<input.rowCount).filter { input.rowLength($0) > 0 }.prefix(rows)
    self.rows = Array(chosen)
    inputs = chosen.map { r in
      var v = [Float](repeating: 0, count: input.columnCount)
      for p in input.rowStart[r]..<input.rowStart[r + 1] { v[Int(input.columns[p])] = input.values[p] }
      return v
    }
    outputs = chosen.map { r in (0..<input.columnCount).map { c in output(hidden.pointer + r * width, c) } }
  }
}
