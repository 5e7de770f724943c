import Foundation

/// Saves and loads a whole trained model in one safetensors file: the model's tensors (named
/// and shaped as PyTorch would), the training ratings it reads, the bias baseline, and in the
/// metadata its specification, rating scale, ID maps and titles. Reloading predicts identically.
///
/// Format 1 files written before specifications were stored (no "spec" in the description)
/// still load: each family recognises its own kind and fields (`ModelSettings.legacySettings`).
public enum ModelFile {
  static let formatVersion = "1"

  /// The description every model file carries, whatever the family.
  struct Description: Codable {
    var version: String
    /// The model's name ("i-autorec", ...).
    var kind: String
    var scale: RatingScale
    var globalMean: Float
    var userIDs: [String]
    var itemIDs: [String]
    var titles: [String: String]
  }

  /// Saves `trained`; with `checkpoint`, also the training state needed to resume exactly.
  public static func save(_ trained: TrainedModel, to path: String, checkpoint: TrainingCheckpoint? = nil) throws {
    let model = trained.model
    var tensors: [String: SafeTensors.Tensor] = [:]
    if let checkpoint {
      for (name, values) in checkpoint.tensors { tensors[name] = .float(values, shape: [values.count]) }
    }
    tensors["baseline.user_bias"] = .float(trained.baseline.userBias, shape: [trained.baseline.userBias.count])
    tensors["baseline.item_bias"] = .float(trained.baseline.itemBias, shape: [trained.baseline.itemBias.count])
    for p in model.namedParameters { tensors[p.name] = .float(p.values, shape: p.shape) }
    for (name, t) in model.extraFileTensors { tensors[name] = t }
    let matrix = model.storedRatings ?? trained.rated
    for (name, t) in StoredMatrix.tensors(matrix) { tensors[name] = t }
    var titles: [String: String] = [:]
    for (k, v) in trained.titles { titles[String(k)] = v }
    let description = Description(
      version: formatVersion, kind: trained.name, scale: trained.scale, globalMean: trained.baseline.globalMean,
      userIDs: trained.users.rawIDs, itemIDs: trained.items.rawIDs, titles: titles)
    var object = try JSONSerialization.jsonObject(with: JSONEncoder.sorted.encode(description)) as! [String: Any]
    for (key, value) in try model.descriptionFields() { object[key] = value }
    object["spec"] = try JSONSerialization.jsonObject(with: JSONEncoder.sorted.encode(trained.spec))
    let json = String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self)
    var metadata = [
      "format": "pt", "encore": json, "model": trained.name,
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
    let spec: ModelSpec
    if let object = try? JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any], let stored = object["spec"] {
      do {
        spec = try ModelFamilies.decodeSpec(JSONSerialization.data(withJSONObject: stored))
      } catch {
        throw bad("its model specification is unreadable (\(error))")
      }
    } else {
      guard let legacy = ModelFamilies.legacySpec(kind: description.kind, description: Data(json.utf8)) else {
        throw bad("model kind '\(description.kind)' is unknown or its configuration is missing")
      }
      spec = legacy
    }
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
    let itemRows = spec.settings.storesItemRows
    let rows = itemRows ? items.count : users.count
    let cols = itemRows ? users.count : items.count
    if let start = tensors["input.row_start"], start.int64s.count != rows + 1 {
      throw bad(
        "the stored rating matrix has \(start.int64s.count - 1) rows, but a \(spec.name) model keeps one per \(itemRows ? "item" : "user") (\(rows)): the model kind in the metadata does not match the tensors")
    }
    guard description.scale.minimum <= description.scale.maximum, description.scale.minimum.isFinite, description.scale.maximum.isFinite else {
      throw bad("the rating scale \(description.scale.minimum)–\(description.scale.maximum) is not a scale (its minimum must not exceed its maximum)")
    }
    guard description.globalMean.isFinite, baseline.userBias.allSatisfy(\.isFinite), baseline.itemBias.allSatisfy(\.isFinite) else {
      throw bad("the baseline holds a value that is not a finite number")
    }
    let input = try StoredMatrix.read(tensors, rows: rows, columns: cols, path: path, what: "the stored rating matrix")
    var titles: [Int32: String] = [:]
    for (k, v) in description.titles { if let i = Int32(k) { titles[i] = v } }
    let model = try spec.settings.loadModel(StoredModel(
      path: path, tensors: tensors, ratings: input, userCount: users.count, itemCount: items.count, description: Data(json.utf8)))
    for parameter in model.namedParameters where !parameter.values.allSatisfy(\.isFinite) {
      throw bad("tensor '\(parameter.name)' holds a value that is not a finite number (NaN or infinity)")
    }
    return TrainedModel(
      model: model, baseline: baseline, scale: description.scale, users: users, items: items, titles: titles,
      rated: itemRows ? input.transposed() : input)
  }
}
