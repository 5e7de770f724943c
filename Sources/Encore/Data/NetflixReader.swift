import Foundation

/// Reads the Netflix Prize files: `training_set/mv_*.txt` (one movie per file) and
/// `combined_data_*.txt` (many movies per file). A line `123:` starts a movie; each following
/// line is `customer,rating,YYYY-MM-DD`.
public struct NetflixReader: Sendable {
  public var duplicates: DuplicatePolicy
  public init(duplicates: DuplicatePolicy = .error) { self.duplicates = duplicates }

  /// Whether `fileName` is one of the Netflix Prize rating files.
  public static func isNetflixFile(_ fileName: String) -> Bool {
    (fileName.hasPrefix("mv_") || fileName.hasPrefix("combined_data")) && fileName.hasSuffix(".txt")
  }

  public func read(_ path: String, users: inout IDMap, items: inout IDMap) throws -> RatingSet {
    let data = try RatingFileReader.contents(of: path)
    var set = RatingSet()
    var lines: [Int32] = []
    try data.withUnsafeBytes { raw in
      let p = raw.bindMemory(to: UInt8.self).baseAddress!
      let end = raw.count
      var s = 0
      var lineNumber = 0
      var movie: Int32? = nil
      while s < end {
        var e = s
        while e < end && p[e] != UInt8(ascii: "\n") { e += 1 }
        lineNumber += 1
        var t = e
        while t > s && (p[t - 1] == UInt8(ascii: "\r") || p[t - 1] == UInt8(ascii: " ")) { t -= 1 }
        defer { s = e + 1 }
        if t == s { continue }
        if p[t - 1] == UInt8(ascii: ":") {
          let text = String(decoding: UnsafeBufferPointer(start: p + s, count: t - 1 - s), as: UTF8.self)
          guard let id = Int64(text) else {
            throw EncoreError.malformedLine(file: path, line: lineNumber, reason: "movie header '\(text):' is not a number")
          }
          movie = items.insert(numeric: id)
          continue
        }
        guard let item = movie else {
          throw EncoreError.malformedLine(file: path, line: lineNumber, reason: "a rating before the first 'MovieID:' line")
        }
        var commas = [Int]()
        for k in s..<t where p[k] == UInt8(ascii: ",") { commas.append(k) }
        guard commas.count == 2 else {
          throw EncoreError.malformedLine(
            file: path, line: lineNumber,
            reason: "expected 'customer,rating,date' (3 fields separated by ','), found \(commas.count + 1)")
        }
        let customerText = String(decoding: UnsafeBufferPointer(start: p + s, count: commas[0] - s), as: UTF8.self)
        guard !customerText.isEmpty else {
          throw EncoreError.malformedLine(file: path, line: lineNumber, reason: "the user ID is empty")
        }
        guard let rating = ByteScanner.parseFloat(p, commas[0] + 1, commas[1]) else {
          let text = String(decoding: UnsafeBufferPointer(start: p + commas[0] + 1, count: commas[1] - commas[0] - 1), as: UTF8.self)
          throw EncoreError.malformedLine(file: path, line: lineNumber, reason: "rating '\(text)' \(ByteScanner.whyNotAFloat(text))")
        }
        guard let timestamp = ByteScanner.parseTimestamp(p, commas[1] + 1, t) else {
          throw EncoreError.malformedLine(file: path, line: lineNumber, reason: "date is not YYYY-MM-DD")
        }
        set.append(user: users.insert(customerText), item: item, value: rating, timestamp: timestamp)
        lines.append(Int32(truncatingIfNeeded: lineNumber))
      }
    }
    guard !set.isEmpty else { throw EncoreError.emptyInput(file: path) }
    return try Deduplicator.apply(duplicates, to: set, lines: lines, file: path, users: users, items: items)
  }
}
