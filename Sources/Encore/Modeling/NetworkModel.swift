/// A model that reconstructs whole rating vectors (the autoencoders). ONNX export and
/// reconstruction samples work with any such model.
protocol NetworkModel: RatingModel {
  /// The rows the network encodes, one input vector per row.
  var inputRows: SparseMatrix { get }
  /// The last hidden layer of every input row (`rowCount × width`), and the network's raw
  /// output for unit `column` given a row's hidden values.
  func lastHidden(on compute: ComputeContext) -> (values: StableBuffer<Float>, width: Int, output: (UnsafePointer<Float>, Int) -> Float)
  /// Appends the network's initializers and layers to `graph`, reading `input`; returns the
  /// output's name.
  func appendONNX(to graph: inout ONNX.Graph, input: String) -> String
}
