import Encore
import Foundation

/// `encore recommend` for an implicit model file: a known user's top items (their training
/// items excluded), or a new user's from the items they chose (`--items`), or both (a known
/// user's training items plus new ones). Every list is the model's fold-in: the same scores it
/// gives a held-out user.
struct ImplicitRecommendation {
  var model: String
  var user: String?
  var items: String?
  var ratings: String?
  var k: Int
  var json: Bool

  struct Item: Codable {
    var item: String
    var title: String?
    var score: Float
  }

  struct Report: Codable {
    var user: String?
    var model: String
    var folded_in_items: Int
    var unknown_items: [String]
    var recommendations: [Item]
  }

  func run(compute: ComputeContext) throws {
    if ratings != nil {
      throw EncoreError.invalidArgument("\(model) is an implicit-feedback model: give the items a user chose with --items FILE (one item ID a line), not --ratings")
    }
    let trained = try InteractionModelFile.load(model)
    var chosen: [String] = []
    if let user {
      guard let known = trained.items(ofUser: user) else {
        if items == nil {
          throw EncoreError.unknownID(kind: "user", id: user)
        }
        throw EncoreError.invalidArgument("user \(user) is not one of the model's training users; drop --user to fold in a new user from --items")
      }
      chosen = known
    }
    guard user != nil || items != nil else { throw EncoreError.invalidArgument("say whom to recommend for: --user ID, --items FILE, or both") }
    var source = user.map { "user \($0)" } ?? ""
    if let items {
      let added = try Self.readItems(items)
      chosen += added
      source = user == nil ? "a new user (\(added.count) item(s) from \(items == "-" ? "standard input" : items))" : "\(source) with \(added.count) new item(s)"
    }
    let (list, unknown) = try trained.recommend(forItems: chosen, count: k, compute: compute)
    if user == nil && !chosen.isEmpty && unknown.count == chosen.count {
      throw EncoreError.invalidArgument("none of the \(chosen.count) items is known to the model (unknown: \(unknown.prefix(10).joined(separator: ", "))\(unknown.count > 10 ? ", …" : ""))")
    }
    let rows = list.map { Item(item: $0.item, title: $0.title, score: $0.score) }
    if json {
      print(try JSONOutput.encode(Report(user: user, model: trained.model.settings.name, folded_in_items: chosen.count - unknown.count, unknown_items: unknown, recommendations: rows)))
      return
    }
    if !unknown.isEmpty {
      FileHandle.standardError.write(Data("note: \(unknown.count) item(s) unknown to the model, not used: \(unknown.prefix(20).joined(separator: ", "))\n".utf8))
    }
    print("top \(rows.count) for \(source):")
    for (rank, r) in rows.enumerated() {
      print(String(format: "%3d. %8.4f  %@  (item %@)", rank + 1, r.score, r.title ?? "item \(r.item)", r.item))
    }
  }

  /// The item IDs of `path`: the first field of each non-empty line (comma, tab, semicolon or
  /// space separated); a first line naming the column ("item", "itemId", "movieId", "sid") is
  /// a header.
  static func readItems(_ path: String) throws -> [String] {
    let data: Data
    if path == "-" {
      data = FileHandle.standardInput.readDataToEndOfFile()
    } else {
      guard let read = FileManager.default.contents(atPath: path) else { throw EncoreError.io(path: path, reason: "cannot read the file") }
      data = read
    }
    guard let text = String(data: data, encoding: .utf8) else {
      throw EncoreError.malformedLine(file: path, line: 1, reason: "the file is not UTF-8 text")
    }
    var ids: [String] = []
    for (n, line) in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).enumerated() {
      let trimmed = line.trimmingCharacters(in: .whitespaces)
      if trimmed.isEmpty { continue }
      let first = trimmed.split(whereSeparator: { $0 == "," || $0 == "\t" || $0 == ";" || $0 == " " }).first.map(String.init) ?? ""
      let id = first.trimmingCharacters(in: CharacterSet(charactersIn: "\"'"))
      if n == 0 && ["item", "itemid", "item_id", "movieid", "sid", "id"].contains(id.lowercased()) { continue }
      guard !id.isEmpty else { throw EncoreError.malformedLine(file: path, line: n + 1, reason: "the item ID is empty") }
      ids.append(id)
    }
    return ids
  }
}
