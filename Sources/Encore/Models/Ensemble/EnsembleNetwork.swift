import Foundation

/// An ensemble whose members are networks reading the same rows, seen as one network: its
/// last hidden layer is the members' side by side and its output their combination, so ONNX
/// export writes one graph that runs every member and combines their outputs.
struct EnsembleNetwork: NetworkModel {
  let ensemble: EnsembleModel
  let networks: [any NetworkModel]

  var spec: ModelSpec { ensemble.spec }
  var storedRatings: SparseMatrix? { ensemble.storedRatings }
  func predictor(_ context: PredictionContext) -> any PairPredictor { ensemble.predictor(context) }
  func userFolder(_ context: PredictionContext) -> any UserFolder { ensemble.userFolder(context) }
  func itemVectors(_ context: PredictionContext) -> ItemVectors? { ensemble.itemVectors(context) }
  var namedParameters: [NamedTensor] { ensemble.namedParameters }
  var extraFileTensors: [String: SafeTensors.Tensor] { ensemble.extraFileTensors }
  func descriptionFields() throws -> [String: Any] { try ensemble.descriptionFields() }

  var inputRows: SparseMatrix { networks[0].inputRows }

  func lastHidden(on compute: ComputeContext) -> (values: StableBuffer<Float>, width: Int, output: (UnsafePointer<Float>, Int) -> Float) {
    let parts = networks.map { $0.lastHidden(on: compute) }
    let rows = inputRows.rowCount, width = parts.map(\.width).reduce(0, +)
    let values = StableBuffer<Float>(repeating: 0, count: rows * width)
    var offsets: [Int] = []
    var offset = 0
    for part in parts {
      offsets.append(offset)
      for r in 0..<rows {
        (values.pointer + r * width + offset).update(from: part.values.pointer + r * part.width, count: part.width)
      }
      offset += part.width
    }
    let combiner = ensemble.combiner
    let outputs = parts.map(\.output)
    return (values, width, { hidden, column in combiner.combine { outputs[$0](hidden + offsets[$0], column) } })
  }

  func appendONNX(to g: inout ONNX.Graph, input: String) -> String {
    var outputs: [String] = []
    for (i, network) in networks.enumerated() {
      var member = ONNX.Graph()
      let out = network.appendONNX(to: &member, input: input)
      let prefix = "member\(i)/"
      g.merge(member, prefix: prefix, shared: [input])
      outputs.append(prefix + out)
    }
    let combiner = ensemble.combiner
    g.constant("ensemble_intercept", combiner.intercept)
    var sum = "ensemble_intercept"
    for (i, out) in outputs.enumerated() {
      g.constant("ensemble_weight_\(i)", combiner.weights[i])
      let weighted = g.fresh("weighted")
      g.nodes.append(ONNX.Node(op: "Mul", inputs: [out, "ensemble_weight_\(i)"], output: weighted))
      let next = g.fresh("sum")
      g.nodes.append(ONNX.Node(op: "Add", inputs: [sum, weighted], output: next))
      sum = next
    }
    return sum
  }
}

extension EnsembleModel: NetworkComposite {
  func composedNetwork() throws -> any NetworkModel {
    if combiner.support != nil {
      throw EncoreError.invalidArgument(
        "this blend (\(settings.membersDescription)) weighs its members by the user's and item's numbers of ratings (--support-weighted), which the exported network does not compute; export a blend without it")
    }
    if let other = zip(members, settings.members).first(where: { !($0.0 is BaselineModel || $0.0 is any NetworkModel || $0.0 is any NetworkComposite) }) {
      throw EncoreError.invalidArgument(
        "this \(settings.name) (\(settings.membersDescription)) has a member that is not a network (\(other.1.name)); only ensembles of AutoRec and deep-autoencoder networks (and the baseline) export as one network")
    }
    // A baseline member reads whatever rows the networks read.
    guard zip(members, settings.members).allSatisfy({ $0 is BaselineModel || $1.settings.storesItemRows == settings.storesItemRows }) else {
      throw EncoreError.invalidArgument(
        "the members of this \(settings.name) (\(settings.membersDescription)) read different vectors (items' and users'); only members that read the same rows export as one network")
    }
    var networks: [any NetworkModel] = []
    for (i, (member, spec)) in zip(members, settings.members).enumerated() {
      if let baseline = member as? BaselineModel {
        networks.append(try BaselineNetwork(baseline, rows: ratings, itemRows: settings.storesItemRows))
        continue
      }
      // A member that learned from other ratings (its own validation part) reads the
      // ensemble's rows here, so that one input vector feeds every member, as in the ONNX
      // graph: the member rebuilt from its tensors, as a model file would load it.
      let readsOtherRows = member.storedRatings.map { $0 != ratings } ?? false
      guard let network = try readsOtherRows ? Self.rebuilt(member, index: i, reading: ratings) : member.asNetwork() else {
        throw EncoreError.invalidArgument("member \(i) of this \(settings.name) (\(spec.name)) does not load as a network")
      }
      networks.append(network)
    }
    return EnsembleNetwork(ensemble: self, networks: networks)
  }

  /// `member` with the same parameters reading `rows` (in the member's orientation).
  static func rebuilt(_ member: any RatingModel, index: Int, reading rows: SparseMatrix) throws -> (any NetworkModel)? {
    var tensors: [String: SafeTensors.Tensor] = [:]
    for p in member.namedParameters { tensors[p.name] = .float(p.values, shape: p.shape) }
    for (name, t) in member.extraFileTensors { tensors[name] = t }
    let itemRows = member.spec.settings.storesItemRows
    let stored = StoredModel(
      path: "(ensemble member \(index))", tensors: tensors, ratings: rows, userCount: itemRows ? rows.columnCount : rows.rowCount,
      itemCount: itemRows ? rows.rowCount : rows.columnCount,
      description: try JSONSerialization.data(withJSONObject: member.descriptionFields()))
    return try member.spec.settings.loadModel(stored).asNetwork()
  }
}
