import Foundation

/// How a rating file is laid out.
public enum TableLayout: String, Sendable, CaseIterable {
  /// One rating per line (user, item, rating[, timestamp]).
  case long
  /// A user × item table: a header of item IDs, one line per user (see `WideTableReader`).
  case wide
}

/// Reads a dense user × item table, as pandas writes `pivot_table(index='userId',
/// columns='movieId', values='rating').fillna(0).to_csv(...)` (seed 004's train.csv): a header
/// of item IDs after one label cell, then one line per user, its ID first. Cells that are empty
/// or equal to `missing` are "not rated"; every other cell is a rating. A table whose cells are
/// mostly one value, with no `missing` given, is refused: those are almost surely "not rated"
/// cells (`fillna(0)`), and reading them as ratings would be silent garbage.
public struct WideTableReader: Sendable {
  /// The field separator.
  public var delimiter: UInt8 = UInt8(ascii: ",")
  /// The value that means "not rated" (nil: only empty cells do).
  public var missing: Float?
  /// Whether `missing` was chosen; when not, a dominant value is an error (see the type).
  public var missingGiven: Bool
  public var duplicates: DuplicatePolicy

  public init(missing: Float?, missingGiven: Bool, delimiter: UInt8 = UInt8(ascii: ","), duplicates: DuplicatePolicy = .error) {
    self.missing = missing
    self.missingGiven = missingGiven
    self.delimiter = delimiter
    self.duplicates = duplicates
  }

  /// Reads `path`, adding new IDs to `users` and `items`.
  public func read(_ path: String, users: inout IDMap, items: inout IDMap) throws -> RatingSet {
    let data = try RatingFileReader.contents(of: path)
    return try data.withUnsafeBytes { raw in
      try parse(raw.bindMemory(to: UInt8.self), path: path, users: &users, items: &items)
    }
  }

  func parse(_ bytes: UnsafeBufferPointer<UInt8>, path: String, users: inout IDMap, items: inout IDMap) throws -> RatingSet {
    guard let base = bytes.baseAddress, bytes.count > 0 else { throw EncoreError.emptyInput(file: path) }
    var start = 0
    if bytes.count >= 3 && base[0] == 0xEF && base[1] == 0xBB && base[2] == 0xBF { start = 3 }
    /// The fields of the line [s, e), without a trailing CR and surrounding quotes.
    func fields(_ s: Int, _ e: Int) -> [(Int, Int)] {
      var end = e
      if end > s && base[end - 1] == UInt8(ascii: "\r") { end -= 1 }
      var result: [(Int, Int)] = []
      var a = s
      for i in s...end where i == end || base[i] == delimiter {
        var (x, y) = (a, i)
        while x < y && base[x] == 32 { x += 1 }
        while y > x && base[y - 1] == 32 { y -= 1 }
        if y - x >= 2 && base[x] == 34 && base[y - 1] == 34 { (x, y) = (x + 1, y - 1) }
        result.append((x, y))
        a = i + 1
      }
      return result
    }
    func text(_ f: (Int, Int)) -> String { String(decoding: UnsafeBufferPointer(start: base + f.0, count: f.1 - f.0), as: UTF8.self) }
    var lineStart = start
    var lineNumber = 1
    func nextLine() -> (Int, Int)? {
      while lineStart < bytes.count {
        var e = lineStart
        while e < bytes.count && base[e] != 10 { e += 1 }
        defer { lineStart = e + 1; lineNumber += 1 }
        if e > lineStart && !(e == lineStart + 1 && base[lineStart] == 13) { return (lineStart, e) }
      }
      return nil
    }
    guard let headerLine = nextLine() else { throw EncoreError.emptyInput(file: path) }
    let header = fields(headerLine.0, headerLine.1)
    guard header.count >= 2 else {
      throw EncoreError.malformedLine(file: path, line: 1, reason: "a wide table's header needs a label cell and at least one item ID")
    }
    var columnItems: [Int32] = []
    var seenItems: [Int32: Int] = [:]
    for (k, f) in header.dropFirst().enumerated() {
      guard f.1 > f.0 else { throw EncoreError.malformedLine(file: path, line: 1, reason: "item ID \(k + 1) of the header is empty") }
      let item = items.insert(text(f))
      if let earlier = seenItems[item] {
        throw EncoreError.malformedLine(file: path, line: 1, reason: "item '\(text(f))' heads columns \(earlier + 2) and \(k + 2)")
      }
      seenItems[item] = k
      columnItems.append(item)
    }
    var set = RatingSet()
    var lines: [Int32] = []
    var cells = 0
    var valueCounts: [Float: Int] = [:]
    while let line = nextLine() {
      let number = lineNumber - 1
      let row = fields(line.0, line.1)
      guard row.count == header.count else {
        throw EncoreError.malformedLine(file: path, line: number, reason: "expected \(header.count) fields like the header, found \(row.count)")
      }
      guard row[0].1 > row[0].0 else { throw EncoreError.malformedLine(file: path, line: number, reason: "the user ID is empty") }
      let user = users.insert(text(row[0]))
      for (k, f) in row.dropFirst().enumerated() {
        cells += 1
        if f.1 == f.0 { continue }
        guard let value = ByteScanner.parseFloat(base, f.0, f.1) else {
          let t = text(f)
          throw EncoreError.malformedLine(file: path, line: number, reason: "cell of item '\(items.rawIDs[Int(columnItems[k])])' is '\(t)', which \(ByteScanner.whyNotAFloat(t))")
        }
        if !missingGiven { valueCounts[value, default: 0] += 1 }
        if let missing, value == missing { continue }
        set.append(user: user, item: columnItems[k], value: value)
        lines.append(Int32(truncatingIfNeeded: number))
      }
    }
    if !missingGiven, let (value, count) = valueCounts.max(by: { $0.value < $1.value }), cells > 0, Double(count) > 0.5 * Double(cells) {
      throw EncoreError.malformedLine(
        file: path, line: 2,
        reason: String(format: "%.0f%% of the table's cells are %@: they look like \"not rated\" (pandas' fillna); say --missing %@, or --missing none to read them as ratings", 100 * Double(count) / Double(cells), DatasetInfo.label(value), DatasetInfo.label(value)))
    }
    guard !set.isEmpty else { throw EncoreError.emptyInput(file: path) }
    return try Deduplicator.apply(duplicates, to: set, lines: lines, file: path, users: users, items: items)
  }

  /// Whether a first line looks like a wide table's header: a label cell, then at least seven
  /// cells that are all numbers (item IDs), which no long rating file has.
  static func looksLikeWideHeader(_ line: String, delimiter: String) -> Bool {
    let cells = line.components(separatedBy: delimiter).map { $0.trimmingCharacters(in: CharacterSet(charactersIn: " \"\r")) }
    return cells.count >= 8 && cells.dropFirst().allSatisfy { !$0.isEmpty && Double($0) != nil }
  }
}
