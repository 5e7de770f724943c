import Foundation

/// One user's ratings as a user writes them: `item,rating` lines (any of the delimiters the
/// rating readers know: comma, tab, `::`, `;`, `|` or spaces), an optional header line, one
/// rating per item. What `encore recommend --ratings` and fold-in read.
public struct UserRatingsFile: Sendable {
  public struct Entry: Sendable, Equatable {
    public var item: String
    public var rating: Float
    /// 1-based line in the source.
    public var line: Int
  }

  /// Where the lines came from ("-" is standard input), for messages.
  public var source: String
  public var entries: [Entry]

  /// Reads `path`, or standard input for "-".
  public static func read(_ path: String) throws -> UserRatingsFile {
    if path == "-" {
      let data = FileHandle.standardInput.readDataToEndOfFile()
      return try parse(String(decoding: data, as: UTF8.self), source: "standard input")
    }
    let data = try RatingFileReader.contents(of: path)
    return try parse(String(decoding: data, as: UTF8.self), source: path)
  }

  /// Parses the text; errors name the source and line. An empty list is allowed (the
  /// baseline answers for a user with no ratings).
  public static func parse(_ text: String, source: String) throws -> UserRatingsFile {
    var entries: [Entry] = []
    var firstLine: [String: Int] = [:]
    for (index, raw) in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).enumerated() {
      let line = index + 1
      let trimmed = raw.trimmingCharacters(in: .whitespaces)
      if trimmed.isEmpty || trimmed.hasPrefix("#") { continue }
      let fields = split(trimmed)
      guard fields.count >= 2 else {
        throw EncoreError.malformedLine(file: source, line: line, reason: "expected 'item,rating', found '\(trimmed)'")
      }
      guard !fields[1].contains(where: { $0 == "x" || $0 == "X" }), let rating = Float(fields[1]), rating.isFinite else {
        if entries.isEmpty && firstLine.isEmpty && line == 1 { continue }  // a header
        throw EncoreError.malformedLine(file: source, line: line, reason: "rating '\(fields[1])' \(ByteScanner.whyNotAFloat(String(fields[1])))")
      }
      let item = fields[0]
      if let first = firstLine[item] {
        throw EncoreError.malformedLine(file: source, line: line, reason: "item \(item) is rated again (first at line \(first))")
      }
      firstLine[item] = line
      entries.append(Entry(item: item, rating: rating, line: line))
    }
    return UserRatingsFile(source: source, entries: entries)
  }

  static func split(_ line: String) -> [String] {
    for delimiter in ["::", "\t", ",", ";", "|"] where line.contains(delimiter) {
      return line.components(separatedBy: delimiter).map { $0.trimmingCharacters(in: .whitespaces) }
    }
    return line.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
  }
}
