import Foundation

/// The bias baseline seen as a network over rating vectors, so that a blend of networks and
/// the baseline (a network shrunk toward it) exports as one ONNX graph. From a row's ratings x
/// it computes the row's bias in closed form given the column biases,
/// b_r = Σ_{rated c} (x_c − μ − b_c) / (λ_r + #rated), and outputs μ + b_c + b_r for every
/// column. A new user's vector gets its bias the same way.
struct BaselineNetwork: NetworkModel {
  let model: BaselineModel
  /// The rows the graph reads (the blend's, in its orientation).
  let inputRows: SparseMatrix
  let itemRows: Bool

  /// The baseline as a network over `rows`, or an error when its row biases are not the
  /// closed form of its column biases on those rows, which the graph could not reproduce.
  init(_ model: BaselineModel, rows: SparseMatrix, itemRows: Bool) throws {
    let stored = itemRows ? model.baseline.itemBias : model.baseline.userBias
    let computed = model.baseline.rowBiases(of: rows, itemRows: itemRows)
    let gap = zip(stored, computed).map { abs($0 - $1) }.max() ?? 0
    guard gap <= 1e-4 else {
      throw EncoreError.invalidArgument(
        String(format: "the baseline member's %@ biases are not the closed form of its %@ biases on the network's rows (they differ by up to %.2g), so a graph that reads rating vectors cannot reproduce them; a network trained with its shrink toward the baseline exports, a blend with a separately fitted baseline does not",
               itemRows ? "item" : "user", itemRows ? "user" : "item", gap))
    }
    self.model = model
    self.inputRows = rows
    self.itemRows = itemRows
  }

  var spec: ModelSpec { model.spec }
  var storedRatings: SparseMatrix? { nil }
  func predictor(_ context: PredictionContext) -> any PairPredictor { model.predictor(context) }
  func userFolder(_ context: PredictionContext) -> any UserFolder { model.userFolder(context) }
  var namedParameters: [NamedTensor] { [] }
  var extraFileTensors: [String: SafeTensors.Tensor] { model.extraFileTensors }
  func descriptionFields() throws -> [String: Any] { try model.descriptionFields() }

  /// μ + b_c for every column.
  var columnBase: [Float] {
    let b = model.baseline, bias = itemRows ? b.userBias : b.itemBias
    return (0..<inputRows.columnCount).map { b.globalMean + ($0 < bias.count ? bias[$0] : 0) }
  }

  /// Each row's bias is its one hidden value; the output adds the column's base.
  func lastHidden(on compute: ComputeContext) -> (values: StableBuffer<Float>, width: Int, output: (UnsafePointer<Float>, Int) -> Float) {
    let biases = model.baseline.rowBiases(of: inputRows, itemRows: itemRows)
    let values = StableBuffer<Float>(repeating: 0, count: biases.count)
    for (r, b) in biases.enumerated() { values.pointer[r] = b }
    let base = columnBase
    return (values, 1, { hidden, column in base[column] + hidden[0] })
  }

  func appendONNX(to g: inout ONNX.Graph, input: String) -> String {
    let n = inputRows.columnCount
    g.initializers.append(("baseline.column_base", [n], columnBase))
    g.initializers.append(("baseline.ones", [n, 1], Array(repeating: 1, count: n)))
    g.constant("zero", 0)
    g.constant("baseline.row_regularization", Float(BiasBaseline.rowRegularization(itemRows: itemRows)))
    g.nodes.append(ONNX.Node(op: "Equal", inputs: [input, "zero"], output: "is_missing"))
    g.nodes.append(ONNX.Node(op: "Not", inputs: ["is_missing"], output: "is_rated"))
    g.nodes.append(ONNX.Node(op: "Cast", inputs: ["is_rated"], output: "rated_mask", attributes: [("to", Int64(1))]))
    // Residuals of the rated cells (x − μ − b_c there, 0 elsewhere), summed and counted per row.
    g.nodes.append(ONNX.Node(op: "Mul", inputs: ["rated_mask", "baseline.column_base"], output: "rated_base"))
    g.nodes.append(ONNX.Node(op: "Sub", inputs: [input, "rated_base"], output: "residual"))
    g.nodes.append(ONNX.Node(op: "MatMul", inputs: ["residual", "baseline.ones"], output: "residual_sum"))
    g.nodes.append(ONNX.Node(op: "MatMul", inputs: ["rated_mask", "baseline.ones"], output: "rated_count"))
    g.nodes.append(ONNX.Node(op: "Add", inputs: ["rated_count", "baseline.row_regularization"], output: "denominator"))
    g.nodes.append(ONNX.Node(op: "Div", inputs: ["residual_sum", "denominator"], output: "row_bias"))
    g.nodes.append(ONNX.Node(op: "Add", inputs: ["baseline.column_base", "row_bias"], output: "baseline_output"))
    return "baseline_output"
  }
}
