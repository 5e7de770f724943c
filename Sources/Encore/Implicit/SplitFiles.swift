import Foundation

/// A strong-generalisation split as five files of `uid,sid` pairs, the layout vae_cf's
/// notebook writes (`train.csv`, `validation_tr.csv`, `validation_te.csv`, `test_tr.csv`,
/// `test_te.csv`): written so another tool scores Encore's split, and read so Encore scores a
/// split another tool made, as it is.
public enum SplitFiles {
  /// The five file names, in the order `write` writes them.
  public static let names = ["train.csv", "validation_tr.csv", "validation_te.csv", "test_tr.csv", "test_te.csv"]

  /// Writes `split` into `folder` (created if needed), with the data's raw IDs.
  public static func write(_ split: InteractionSplit, users: IDMap, items: IDMap, to folder: String) throws {
    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    func csv(_ matrix: SparseMatrix, rowUsers: [Int32]) -> String {
      var text = "uid,sid\n"
      for r in 0..<matrix.rowCount {
        let user = CSVField.quoted(users.rawIDs[Int(rowUsers[r])])
        for c in matrix.row(r) { text += "\(user),\(CSVField.quoted(items.rawIDs[Int(split.items[Int(c)])]))\n" }
      }
      return text
    }
    let parts = [
      csv(split.train, rowUsers: split.trainUsers),
      csv(split.validation.input, rowUsers: split.validation.users), csv(split.validation.targets, rowUsers: split.validation.users),
      csv(split.test.input, rowUsers: split.test.users), csv(split.test.targets, rowUsers: split.test.users),
    ]
    for (name, text) in zip(names, parts) { try AtomicFile.write(text, to: (folder as NSString).appendingPathComponent(name)) }
  }

  /// Reads the five files of `folder`. The model's items are those of `train.csv`; a held-out
  /// user's pair with another item is dropped (and counted in the description).
  public static func read(_ folder: String, loader: RatingDataLoader) throws -> (split: InteractionSplit, users: IDMap, items: IDMap) {
    var users = IDMap(), items = IDMap()
    var parts: [RatingSet] = []
    for name in names {
      let path = (folder as NSString).appendingPathComponent(name)
      guard FileManager.default.fileExists(atPath: path) else {
        throw EncoreError.io(path: path, reason: "no such file: a split folder holds \(names.joined(separator: ", ")) (user,item pairs, as vae_cf writes them)")
      }
      let part = try loader.readFile(path, users: &users, items: &items)
      guard part.isPairs else {
        throw EncoreError.malformedLine(file: path, line: 1, reason: "expected user,item pairs (two fields a line, e.g. vae_cf's uid,sid), found ratings")
      }
      parts.append(part)
    }
    var column = [Int32](repeating: -1, count: items.count)
    var modelItems: [Int32] = []
    for i in parts[0].items where column[Int(i)] < 0 {
      column[Int(i)] = Int32(modelItems.count)
      modelItems.append(i)
    }
    func rows(_ set: RatingSet) -> (users: [Int32], rows: [Int32: [Int32]], dropped: Int) {
      var byUser: [Int32: [Int32]] = [:]
      var order: [Int32] = []
      var dropped = 0
      for k in 0..<set.count {
        let u = set.users[k]
        if byUser[u] == nil { byUser[u] = []; order.append(u) }
        let c = column[Int(set.items[k])]
        if c >= 0 { byUser[u]!.append(c) } else { dropped += 1 }
      }
      return (order, byUser, dropped)
    }
    let train = rows(parts[0])
    var dropped = 0
    func heldOut(_ input: RatingSet, _ targets: RatingSet) -> HeldOutInteractions {
      let a = rows(input), b = rows(targets)
      dropped += a.dropped + b.dropped
      let ordered = Array(Set(a.users + b.users)).sorted()
      return HeldOutInteractions(
        users: ordered,
        input: SparseMatrix(binaryRows: ordered.map { a.rows[$0] ?? [] }, columnCount: modelItems.count),
        targets: SparseMatrix(binaryRows: ordered.map { b.rows[$0] ?? [] }, columnCount: modelItems.count))
    }
    let validation = heldOut(parts[1], parts[2])
    let test = heldOut(parts[3], parts[4])
    let trainMatrix = SparseMatrix(binaryRows: train.users.map { train.rows[$0]! }, columnCount: modelItems.count)
    var description = "the split files of \(folder): \(train.users.count) training users, \(validation.count) validation and \(test.count) test users"
    if dropped > 0 { description += " (\(dropped) held-out pairs of items no training user has were dropped)" }
    let split = InteractionSplit(
      protocolDescription: description, train: trainMatrix, trainUsers: train.users, items: modelItems, validation: validation, test: test)
    return (split, users, items)
  }
}
