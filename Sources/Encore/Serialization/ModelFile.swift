import Foundation

/// Saves and loads a whole trained model in one safetensors file: weights (named and shaped
/// as PyTorch would), the training ratings it encodes, the bias baseline, and in the metadata
/// the configuration, rating scale, ID maps and titles. Reloading predicts identically.
public enum ModelFile {
  static let formatVersion = "1"

  struct Description: Codable {
    var version: String
    var kind: ModelKind
    var configuration: AutoRecConfiguration?
    var scale: RatingScale
    var globalMean: Float
    var userIDs: [String]
    var itemIDs: [String]
    var titles: [String: String]
    var factorCount: Int?
    var factorGlobalMean: Float?
    var deepConfiguration: DeepAutoencoderConfiguration?
  }

  /// Whether a deep-autoencoder parameter is stored [in, out] and so saved transposed, to
  /// PyTorch's [out, in].
  static func savedTransposed(_ p: DeepParameter, depth: Int) -> Bool {
    p.name.hasSuffix(".weight") && p.name != "decoder.\(depth - 1).weight"
  }

  /// Saves `model`; with `checkpoint`, also the training state needed to resume exactly.
  public static func save(_ model: TrainedModel, to path: String, checkpoint: TrainingCheckpoint? = nil) throws {
    var tensors: [String: SafeTensors.Tensor] = [:]
    if let checkpoint {
      for (name, values) in checkpoint.tensors { tensors[name] = .float(values, shape: [values.count]) }
    }
    tensors["baseline.user_bias"] = .float(model.baseline.userBias, shape: [model.baseline.userBias.count])
    tensors["baseline.item_bias"] = .float(model.baseline.itemBias, shape: [model.baseline.itemBias.count])
    let matrix: SparseMatrix
    if let net = model.autoRec {
      let d = net.inputSize, k = net.hiddenUnits
      // PyTorch's Linear stores [out, in]: encoder.weight is [k, d], V's transpose.
      var encoder = [Float](repeating: 0, count: d * k)
      for j in 0..<d { for h in 0..<k { encoder[h * d + j] = net.encoderWeight[j * k + h] } }
      tensors["encoder.weight"] = .float(encoder, shape: [k, d])
      tensors["encoder.bias"] = .float(net.encoderBias.array, shape: [k])
      tensors["decoder.weight"] = .float(net.decoderWeight.array, shape: [d, k])
      tensors["decoder.bias"] = .float(net.decoderBias.array, shape: [d])
      matrix = net.input
    } else if let deep = model.deep {
      let depth = deep.configuration.hiddenLayers.count
      for p in deep.parameters {
        if savedTransposed(p, depth: depth) {
          var t = [Float](repeating: 0, count: p.count)
          for r in 0..<p.rows { for c in 0..<p.columns { t[c * p.rows + r] = p.value[r * p.columns + c] } }
          tensors[p.name] = .float(t, shape: [p.columns, p.rows])
        } else {
          tensors[p.name] = .float(p.value.array, shape: p.rows == 1 ? [p.columns] : [p.rows, p.columns])
        }
      }
      matrix = deep.input
    } else {
      matrix = model.rated
    }
    if let f = model.factors {
      let named: [(String, [Float], Int)] = [
        ("factors.user_bias", f.userBias, 1), ("factors.item_bias", f.itemBias, 1),
        ("factors.user", f.userFactors, f.factorCount), ("factors.item", f.itemFactors, f.factorCount),
        ("factors.implicit", f.implicitFactors, f.factorCount),
      ]
      for (name, values, width) in named where !values.isEmpty {
        tensors[name] = .float(values, shape: width == 1 ? [values.count] : [values.count / width, width])
      }
    }
    tensors["input.row_start"] = .int64(matrix.rowStart.map(Int64.init), shape: [matrix.rowCount + 1])
    tensors["input.columns"] = .int32(matrix.columns, shape: [matrix.nonzeroCount])
    tensors["input.values"] = .float(matrix.values, shape: [matrix.nonzeroCount])
    var titles: [String: String] = [:]
    for (k, v) in model.titles { titles[String(k)] = v }
    let description = Description(
      version: formatVersion, kind: model.kind, configuration: model.autoRec?.configuration, scale: model.scale,
      globalMean: model.baseline.globalMean, userIDs: model.users.rawIDs, itemIDs: model.items.rawIDs, titles: titles,
      factorCount: model.factors?.factorCount, factorGlobalMean: model.factors?.globalMean,
      deepConfiguration: model.deep?.configuration)
    let json = String(decoding: try JSONEncoder().encode(description), as: UTF8.self)
    var metadata = [
      "format": "pt", "encore": json, "model": model.kind.rawValue,
      "input_rows": String(matrix.rowCount), "input_columns": String(matrix.columnCount),
    ]
    if let checkpoint {
      metadata["encore_checkpoint"] = String(decoding: try JSONEncoder().encode(checkpoint.state), as: UTF8.self)
    }
    try AtomicFile.write(try SafeTensors.encode(tensors, metadata: metadata), to: path)
  }

  /// The training state saved with a checkpoint, or nil when the file is a plain model.
  public static func loadCheckpoint(_ path: String) throws -> TrainingCheckpoint? {
    let data: Data
    do {
      data = try Data(contentsOf: URL(fileURLWithPath: path))
    } catch {
      throw EncoreError.io(path: path, reason: "cannot read the checkpoint")
    }
    let (tensors, metadata) = try SafeTensors.decode(data, path: path)
    guard let json = metadata["encore_checkpoint"] else { return nil }
    guard let state = try? JSONDecoder().decode(TrainingCheckpoint.State.self, from: Data(json.utf8)) else {
      throw EncoreError.badModelFile(path: path, reason: "the checkpoint state is unreadable")
    }
    var values: [String: [Float]] = [:]
    for (name, t) in tensors where name.hasPrefix("train.") { values[name] = t.floats }
    return TrainingCheckpoint(state: state, tensors: values)
  }

  public static func load(_ path: String) throws -> TrainedModel {
    let data: Data
    do {
      data = try Data(contentsOf: URL(fileURLWithPath: path))
    } catch {
      throw EncoreError.io(path: path, reason: "cannot read the model file")
    }
    let (tensors, metadata) = try SafeTensors.decode(data, path: path)
    func bad(_ reason: String) -> EncoreError { .badModelFile(path: path, reason: reason) }
    guard let json = metadata["encore"], let description = try? JSONDecoder().decode(Description.self, from: Data(json.utf8)) else {
      throw bad("no Encore description in the metadata (a safetensors file from another program?)")
    }
    guard description.version == formatVersion else { throw bad("model format version \(description.version) is not supported") }
    func tensor(_ name: String) throws -> SafeTensors.Tensor {
      guard let t = tensors[name] else { throw bad("tensor '\(name)' is missing") }
      return t
    }
    let users = IDMap(rawIDs: description.userIDs)
    let items = IDMap(rawIDs: description.itemIDs)
    guard users.count == description.userIDs.count, items.count == description.itemIDs.count else {
      throw bad("the ID maps repeat an ID")
    }
    let baseline = BiasBaseline(
      globalMean: description.globalMean, userBias: try tensor("baseline.user_bias").floats,
      itemBias: try tensor("baseline.item_bias").floats)
    guard baseline.userBias.count == users.count, baseline.itemBias.count == items.count else {
      throw bad("baseline sizes do not match the ID maps")
    }
    let rowStart = try tensor("input.row_start").int64s.map { Int($0) }
    let columns = try tensor("input.columns").int32s
    let values = try tensor("input.values").floats
    let itemBased = (description.kind.isAutoRec && description.configuration?.orientation == .itemBased)
      || (description.kind == .deepAE && description.deepConfiguration?.itemBased == true)
    let rows = itemBased ? items.count : users.count
    let cols = itemBased ? users.count : items.count
    guard rowStart.count == rows + 1, rowStart.first == 0, rowStart.last == columns.count, columns.count == values.count,
      zip(rowStart, rowStart.dropFirst()).allSatisfy({ $0 <= $1 }), columns.allSatisfy({ $0 >= 0 && Int($0) < cols })
    else { throw bad("the stored rating matrix is inconsistent") }
    let input = SparseMatrix(rowCount: rows, columnCount: cols, rowStart: rowStart, columns: columns, values: values)
    var titles: [Int32: String] = [:]
    for (k, v) in description.titles { if let i = Int32(k) { titles[i] = v } }
    var model = TrainedModel(
      kind: description.kind, autoRec: nil, baseline: baseline, scale: description.scale, users: users, items: items,
      titles: titles, rated: input)
    if description.kind == .deepAE {
      guard let config = description.deepConfiguration else { throw bad("the deep autoencoder's configuration is missing") }
      let depth = config.hiddenLayers.count
      // Build once with placeholder values to learn each parameter's storage shape, then fill.
      let shapes = try DeepAutoencoder(configuration: config, input: SparseMatrix(rowCount: 0, columnCount: cols, rowStart: [0], columns: [], values: [])) { _, r, c, _, _ in
        StableBuffer(zeros: r * c)
      }
      var values: [String: [Float]] = [:]
      for p in shapes.parameters {
        let t = try tensor(p.name)
        let v = t.floats
        guard v.count == p.count else { throw bad("tensor '\(p.name)' has \(v.count) values, expected \(p.count)") }
        if savedTransposed(p, depth: depth) {
          var back = [Float](repeating: 0, count: p.count)
          for r in 0..<p.rows { for c in 0..<p.columns { back[r * p.columns + c] = v[c * p.rows + r] } }
          values[p.name] = back
        } else {
          values[p.name] = v
        }
      }
      do {
        model.deep = try DeepAutoencoder(configuration: config, input: input, values: values)
      } catch let error as EncoreError {
        throw bad(error.description)
      }
      model.rated = itemBased ? input.transposed() : input
    } else if let factorKind = description.kind.factorKind {
      let f = description.factorCount ?? 0
      func floats(_ name: String, _ count: Int) throws -> [Float] {
        guard let t = tensors[name] else {
          if count == 0 { return [] }
          throw bad("tensor '\(name)' is missing")
        }
        guard t.floats.count == count else { throw bad("tensor '\(name)' has \(t.floats.count) values, expected \(count)") }
        return t.floats
      }
      let biased = factorKind == .svd || factorKind == .svdpp || factorKind == .baselineSGD
      model.factors = FactorModel(
        kind: factorKind, globalMean: description.factorGlobalMean ?? 0,
        userBias: try floats("factors.user_bias", biased ? users.count : 0),
        itemBias: try floats("factors.item_bias", biased ? items.count : 0), factorCount: f,
        userFactors: try floats("factors.user", users.count * f), itemFactors: try floats("factors.item", items.count * f),
        implicitFactors: try floats("factors.implicit", factorKind == .svdpp ? items.count * f : 0))
    } else if description.kind.isAutoRec {
      guard let config = description.configuration else { throw bad("the network configuration is missing") }
      let d = cols, k = config.hiddenUnits
      let encoderT = try tensor("encoder.weight")
      guard encoderT.shape == [k, d] else { throw bad("encoder.weight has shape \(encoderT.shape), expected [\(k), \(d)]") }
      let e = encoderT.floats
      var v = [Float](repeating: 0, count: d * k)
      for h in 0..<k { for j in 0..<d { v[j * k + h] = e[h * d + j] } }
      let net: AutoRec
      do {
        net = try AutoRec(
          configuration: config, input: input, encoderWeight: v, encoderBias: try tensor("encoder.bias").floats,
          decoderWeight: try tensor("decoder.weight").floats, decoderBias: try tensor("decoder.bias").floats)
      } catch let error as EncoreError {
        throw bad(error.description)
      }
      model.autoRec = net
      model.rated = itemBased ? input.transposed() : input
    }
    return model
  }
}

extension SparseMatrix {
  /// The transpose (columns become rows), in O(nonzeros).
  public func transposed() -> SparseMatrix {
    var rowsOfEntries = [Int32](repeating: 0, count: nonzeroCount)
    for r in 0..<rowCount { for p in rowStart[r]..<rowStart[r + 1] { rowsOfEntries[p] = Int32(r) } }
    return SparseMatrix(rows: columns, columns: rowsOfEntries, values: values, rowCount: columnCount, columnCount: rowCount)
  }
}
