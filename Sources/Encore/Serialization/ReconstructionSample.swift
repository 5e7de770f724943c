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

  public init(_ model: TrainedModel, rows: Int) throws {
    self.model = model.kind.rawValue
    let input: SparseMatrix
    var hidden: StableBuffer<Float>
    let width: Int
    let output: (UnsafePointer<Float>, Int) -> Float
    if let net = model.autoRec {
      input = net.input
      hidden = net.codes()
      width = net.hiddenUnits
      output = { code, c in net.output(code: code, column: c) }
    } else if let deep = model.deep {
      input = deep.input
      hidden = deep.lastHidden()
      let layer = deep.outputLayer
      width = layer.input
      let w = deep.parameters[layer.weight].value, b = deep.parameters[layer.bias].value
      output = { h, c in layer.activation.apply(SparseKernels.dot(h, w.pointer + c * width, count: width) + b[c]) }
    } else {
      throw EncoreError.invalidArgument("only AutoRec and deep-autoencoder models have a reconstruction")
    }
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
