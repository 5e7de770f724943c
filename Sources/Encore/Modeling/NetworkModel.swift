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

/// A model made of networks that can answer as one network (an ensemble of autoencoders
/// reading the same rows), for ONNX export and reconstruction samples.
protocol NetworkComposite {
  /// The model as one network, or an error that says why its members cannot be one.
  func composedNetwork() throws -> any NetworkModel
}

extension RatingModel {
  /// This model as a network: itself, its members composed, or nil when it has no network.
  func asNetwork() throws -> (any NetworkModel)? {
    if let network = self as? any NetworkModel { return network }
    if let composite = self as? any NetworkComposite { return try composite.composedNetwork() }
    return nil
  }
}
