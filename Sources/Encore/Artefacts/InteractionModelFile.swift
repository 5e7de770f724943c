import Foundation

/// Implicit models in safetensors files: the family's tensors, the training users' items
/// (`train.row_start`, `train.columns`), and JSON metadata under `encore_implicit` (the
/// family and settings, item and user IDs, titles, the positive rule). Written atomically.
public enum InteractionModelFile {
  struct Description: Codable {
    var format = 1
    var feedback = Feedback.implicit.rawValue
    var family: String
    var settings: String
    var items: [String]
    var users: [String]
    var titles: [String: String]
    var positiveRule: String
  }

  public static func save(_ trained: TrainedInteractionModel, to path: String) throws {
    var tensors: [String: SafeTensors.Tensor] = [:]
    for p in trained.model.namedParameters { tensors[p.name] = .float(p.values, shape: p.shape) }
    tensors["train.row_start"] = .int64(trained.interactions.rowStart.map { Int64($0) }, shape: [trained.interactions.rowStart.count])
    tensors["train.columns"] = .int32(trained.interactions.columns, shape: [trained.interactions.columns.count])
    let settings = trained.model.settings
    let description = Description(
      family: type(of: settings).family, settings: String(decoding: try JSONEncoder().encode(settings), as: UTF8.self),
      items: trained.itemIDs, users: trained.userIDs, titles: trained.titles, positiveRule: trained.positiveRule)
    let metadata = ["encore_implicit": String(decoding: try JSONEncoder().encode(description), as: UTF8.self)]
    try AtomicFile.write(try SafeTensors.encode(tensors, metadata: metadata), to: path)
  }

  /// Whether `path` is an implicit model file (false for explicit ones and other files).
  /// Reads only the safetensors header, so a large model is not read twice.
  public static func isImplicit(_ path: String) -> Bool {
    guard let handle = FileHandle(forReadingAtPath: path) else { return false }
    defer { try? handle.close() }
    guard let prefix = try? handle.read(upToCount: 8), prefix.count == 8 else { return false }
    let length = prefix.withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self)) }
    guard length > 0, length <= 100_000_000, let header = try? handle.read(upToCount: Int(length)), header.count == Int(length),
      let object = (try? JSONSerialization.jsonObject(with: header)) as? [String: Any],
      let metadata = object["__metadata__"] as? [String: String]
    else { return false }
    return metadata["encore_implicit"] != nil
  }

  public static func load(_ path: String) throws -> TrainedInteractionModel {
    let data: Data
    do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
      throw EncoreError.io(path: path, reason: "cannot read the model file")
    }
    let (tensors, metadata) = try SafeTensors.decode(data, path: path)
    func bad(_ reason: String) -> EncoreError { .badModelFile(path: path, reason: reason) }
    guard let json = metadata["encore_implicit"] else {
      throw bad(metadata["encore"] != nil ? "an explicit-rating model, not an implicit one" : "no Encore description in the metadata")
    }
    guard let d = try? JSONDecoder().decode(Description.self, from: Data(json.utf8)) else { throw bad("the implicit model description does not parse") }
    guard let family = ModelFamilies.implicit.first(where: { $0.family == d.family }) else { throw bad("unknown implicit model family '\(d.family)'") }
    func decode<S: InteractionModelSettings>(_ type: S.Type) throws -> any InteractionModelSettings {
      guard let s = try? JSONDecoder().decode(S.self, from: Data(d.settings.utf8)) else { throw bad("the \(d.family) settings do not parse") }
      return s
    }
    let settings = try decode(family)
    let model = try settings.loadModel(StoredInteractionModel(path: path, tensors: tensors, itemCount: d.items.count))
    guard let start = tensors["train.row_start"]?.int64s.map({ Int($0) }), let columns = tensors["train.columns"]?.int32s,
      start.count == d.users.count + 1, start.first == 0, start.last == columns.count,
      zip(start, start.dropFirst()).allSatisfy({ $0 <= $1 }), columns.allSatisfy({ $0 >= 0 && Int($0) < d.items.count })
    else { throw bad("the stored training interactions do not match the users and items") }
    let matrix = SparseMatrix(rowCount: d.users.count, columnCount: d.items.count, rowStart: start, columns: columns, values: [Float](repeating: 1, count: columns.count))
    return TrainedInteractionModel(model: model, itemIDs: d.items, userIDs: d.users, interactions: matrix, titles: d.titles, positiveRule: d.positiveRule)
  }
}
