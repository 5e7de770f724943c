import Foundation

/// Reads delimited rating files (MovieLens, CSV, TSV, your own layout) with a byte-level
/// parser on the context's threads, maps raw IDs to indices, and applies the duplicate policy. Every
/// problem is reported with the file name and 1-based line number.
public struct RatingFileReader: Sendable {
  public var format: DelimitedFormat
  public var duplicates: DuplicatePolicy
  /// The threads large files are parsed on (one chunk of lines each).
  public var compute: ComputeContext
  /// When set, a rating outside it is an error naming the line (scoring a file against a
  /// model: a rating off the model's scale means a wrong column or a wrong file).
  public var acceptedRatings: ClosedRange<Float>? = nil
  /// What `acceptedRatings` is, named in the error (e.g. "the rating scale --rating-scale
  /// gives"); nil: the scale a file is scored against.
  public var acceptedRatingsSource: String? = nil
  /// Skip lines that are not ratings instead of stopping at the first, and count them in
  /// the set's `skippedLines` (pandas' dropna, but never silent).
  public var dropInvalid = false

  public init(format: DelimitedFormat, duplicates: DuplicatePolicy = .error, compute: ComputeContext = .automatic) {
    self.format = format
    self.duplicates = duplicates
    self.compute = compute
  }

  /// Reads `path`, adding new IDs to `users` and `items`.
  public func read(_ path: String, users: inout IDMap, items: inout IDMap) throws -> RatingSet {
    try format.validate()
    let data = try RatingFileReader.contents(of: path)
    return try data.withUnsafeBytes { raw -> RatingSet in
      let bytes = raw.bindMemory(to: UInt8.self)
      return try parse(bytes, path: path, users: &users, items: &items)
    }
  }

  /// The whole file (`-` is standard input; pipes and devices are read to their end), or an
  /// `io` error naming it. A file in UTF-16 or UTF-32, or with NUL bytes, is refused by name.
  static func contents(of path: String) throws -> Data {
    let data: Data
    if path == "-" {
      data = (try? FileHandle.standardInput.readToEnd()) ?? Data()
    } else {
      var isDirectory: ObjCBool = false
      guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
        throw EncoreError.io(path: path, reason: "no such file")
      }
      if isDirectory.boolValue { throw EncoreError.io(path: path, reason: "is a folder, not a file") }
      var info = stat()
      let regular = stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFREG
      do {
        if regular && info.st_size == 0 {
          data = Data()  // (Foundation's reader leaks a buffer on empty files)
        } else if regular {
          data = try Data(contentsOf: URL(fileURLWithPath: path), options: .mappedIfSafe)
        } else {
          guard let handle = FileHandle(forReadingAtPath: path) else { throw EncoreError.io(path: path, reason: "cannot open it for reading") }
          defer { try? handle.close() }
          data = try handle.readToEnd() ?? Data()
        }
      } catch let error as EncoreError {
        throw error
      } catch {
        throw EncoreError.io(path: path, reason: "cannot read: \(error.localizedDescription)")
      }
    }
    try checkEncoding(data, path: path)
    return data
  }

  /// Refuses what a byte parser would misread: UTF-16/UTF-32 text (byte-order marks, or NUL
  /// bytes among the first 4 KB) and old-Mac CR line endings.
  static func checkEncoding(_ data: Data, path: String) throws {
    let head = data.prefix(4096)
    let bytes = Array(head.prefix(4))
    if bytes.starts(with: [0xFF, 0xFE]) || bytes.starts(with: [0xFE, 0xFF]) || bytes.starts(with: [0, 0, 0xFE, 0xFF]) {
      throw EncoreError.io(path: path, reason: "is UTF-16 or UTF-32 text (byte-order mark); convert it to UTF-8, e.g. iconv -f UTF-16 -t UTF-8")
    }
    if head.contains(0) {
      throw EncoreError.io(path: path, reason: "contains NUL bytes: it is UTF-16/UTF-32 text or not text at all; convert it to UTF-8, e.g. iconv -f UTF-16 -t UTF-8")
    }
    let window = data.prefix(1 << 16)
    if !window.contains(UInt8(ascii: "\n")) && window.contains(UInt8(ascii: "\r")) {
      throw EncoreError.io(path: path, reason: "ends its lines with CR only (old Mac style); convert them, e.g. tr '\\r' '\\n'")
    }
  }

  func parse(_ bytes: UnsafeBufferPointer<UInt8>, path: String, users: inout IDMap, items: inout IDMap) throws -> RatingSet {
    let count = bytes.count
    guard let base = bytes.baseAddress, count > 0 else { throw EncoreError.emptyInput(file: path) }
    // Skip a UTF-8 byte-order mark.
    var start = 0
    if count >= 3 && base[0] == 0xEF && base[1] == 0xBB && base[2] == 0xBF { start = 3 }
    // Header: skip the first line when told to, or when its rating field is not a number.
    var firstLineNumber = 1
    let firstEnd = RatingFileReader.lineEnd(base, start, count)
    let skipHeader: Bool
    if let explicit = format.hasHeader {
      skipHeader = explicit
    } else {
      var probe = ChunkParser(format: format, base: base)
      skipHeader = !probe.looksLikeData(start, firstEnd)
    }
    if skipHeader {
      start = min(count, firstEnd + 1)
      firstLineNumber = 2
    }
    // Cut the remaining bytes at newlines into one chunk per thread (small files: one chunk).
    let threads = count - start > 1 << 20 ? compute.threads : 1
    var cuts = [start]
    for t in 1..<max(threads, 1) + 0 where threads > 1 {
      var c = start + (count - start) * t / threads
      while c < count && base[c] != UInt8(ascii: "\n") { c += 1 }
      cuts.append(min(count, c + 1))
    }
    cuts.append(count)
    var template = ChunkParser(format: format, base: base)
    template.acceptedRatings = acceptedRatings
    template.acceptedRatingsSource = acceptedRatingsSource
    template.dropInvalid = dropInvalid
    var chunks = [ChunkParser](repeating: template, count: cuts.count - 1)
    chunks.withUnsafeMutableBufferPointer { buffer in
      let box = UncheckedSendable(buffer)
      let cutsCopy = cuts
      DispatchQueue.concurrentPerform(iterations: buffer.count) { c in
        box.value[c].parse(cutsCopy[c], cutsCopy[c + 1])
      }
    }
    // Report the first error in file order (or, dropping invalid lines, count them).
    var lineBase = firstLineNumber
    var skipped = SkippedLines()
    for chunk in chunks {
      if let (local, reason) = chunk.error {
        throw EncoreError.malformedLine(file: path, line: lineBase + local, reason: reason)
      }
      skipped.count += chunk.skipped
      for (local, reason) in chunk.skippedExamples where skipped.examples.count < SkippedLines.exampleLimit {
        skipped.examples.append("\(path):\(lineBase + local): \(reason)")
      }
      lineBase += chunk.newlines
    }
    // Map raw IDs to indices in file order (deterministic first-appearance order).
    let total = chunks.reduce(0) { $0 + $1.values.count }
    guard total > 0 else {
      if skipped.count > 0 {
        throw EncoreError.malformedLine(file: path, line: firstLineNumber, reason: "no line is a rating (\(skipped.count) skipped as invalid; the first: \(skipped.examples.first ?? ""))")
      }
      throw EncoreError.emptyInput(file: path)
    }
    var set = RatingSet()
    set.skippedLines = skipped
    set.users.reserveCapacity(total)
    set.items.reserveCapacity(total)
    set.values.reserveCapacity(total)
    let timed = format.timestampColumn != nil
    if timed { set.timestamps.reserveCapacity(total) }
    var lines = [Int32]()
    lines.reserveCapacity(total)
    lineBase = firstLineNumber
    var lastUserKey = Int64.min, lastUserIndex: Int32 = 0
    for chunk in chunks {
      for k in 0..<chunk.values.count {
        let uk = chunk.userKeys[k]
        let u: Int32
        if uk == lastUserKey {
          u = lastUserIndex
        } else {
          u = uk < ChunkParser.stringKeyBase + Int64(Int32.max)
            ? users.insert(chunk.strings[Int(uk - ChunkParser.stringKeyBase)])
            : users.insert(numeric: uk)
          lastUserKey = uk
          lastUserIndex = u
        }
        let ik = chunk.itemKeys[k]
        let i = ik < ChunkParser.stringKeyBase + Int64(Int32.max)
          ? items.insert(chunk.strings[Int(ik - ChunkParser.stringKeyBase)])
          : items.insert(numeric: ik)
        set.users.append(u)
        set.items.append(i)
        lines.append(Int32(truncatingIfNeeded: lineBase + Int(chunk.lines[k])))
      }
      set.values.append(contentsOf: chunk.values)
      if timed { set.timestamps.append(contentsOf: chunk.timestamps) }
      lineBase += chunk.newlines
    }
    var result = try Deduplicator.apply(duplicates, to: set, lines: lines, file: path, users: users, items: items)
    result.skippedLines = skipped
    result.isPairs = format.impliedRating != nil
    return result
  }

  static func lineEnd(_ p: UnsafePointer<UInt8>, _ from: Int, _ end: Int) -> Int {
    var i = from
    while i < end && p[i] != UInt8(ascii: "\n") { i += 1 }
    return i
  }
}

/// Parses one newline-aligned slice of a file into raw keys and values.
struct ChunkParser: @unchecked Sendable {
  /// Keys at or above this value (after subtracting) index `strings`; numeric IDs are stored as is.
  static let stringKeyBase = Int64.min / 2

  let format: DelimitedFormat
  let base: UnsafePointer<UInt8>
  var userKeys: [Int64] = []
  var itemKeys: [Int64] = []
  var values: [Float] = []
  var timestamps: [Int64] = []
  /// Line of each rating, counted from the chunk's first line (0-based).
  var lines: [Int32] = []
  var strings: [String] = []
  var stringIndex: [String: Int64] = [:]
  var newlines = 0
  var error: (Int, String)?
  /// Skip bad lines instead of stopping at the first (`--drop-invalid`); they are counted.
  var dropInvalid = false
  var skipped = 0
  /// The first skipped lines (chunk-local line, reason).
  var skippedExamples: [(Int, String)] = []

  private let delimiter: [UInt8]
  private let whitespace: Bool
  private let required: Int
  /// Ratings outside this range are an error (a model's scale, when scoring against it).
  var acceptedRatings: ClosedRange<Float>? = nil
  /// What `acceptedRatings` is, for the message (nil: the model's scale, when scoring).
  var acceptedRatingsSource: String? = nil

  init(format: DelimitedFormat, base: UnsafePointer<UInt8>) {
    self.format = format
    self.base = base
    self.delimiter = Array(format.delimiter.utf8)
    self.whitespace = format.delimiter == " "
    self.required = format.requiredColumns
  }

  /// Whether the line [s, e) has a numeric rating field (that is, it is not a header).
  mutating func looksLikeData(_ s: Int, _ e: Int) -> Bool {
    var fields = [(Int, Int)](repeating: (0, 0), count: required)
    guard split(s, trimEnd(s, e), &fields) >= required else { return false }
    if format.impliedRating != nil { return true }
    let (a, b) = unquote(fields[format.ratingColumn])
    return ByteScanner.parseFloat(base, a, b) != nil
  }

  @inline(__always) func trimEnd(_ s: Int, _ e: Int) -> Int {
    var end = e
    while end > s && (base[end - 1] == UInt8(ascii: "\r") || base[end - 1] == UInt8(ascii: " ")) { end -= 1 }
    return end
  }

  @inline(__always) func unquote(_ field: (Int, Int)) -> (Int, Int) {
    var (a, b) = field
    while a < b && (base[a] == UInt8(ascii: " ")) { a += 1 }
    while b > a && (base[b - 1] == UInt8(ascii: " ")) { b -= 1 }
    if b - a >= 2 && base[a] == UInt8(ascii: "\"") && base[b - 1] == UInt8(ascii: "\"") { return (a + 1, b - 1) }
    return (a, b)
  }

  /// Splits [s, e) into fields; fills at most `fields.count` and returns how many fields exist.
  @inline(__always) func split(_ s: Int, _ e: Int, _ fields: inout [(Int, Int)]) -> Int {
    var n = 0
    var fieldStart = s
    var i = s
    if whitespace {
      while i < e && (base[i] == 32 || base[i] == 9) { i += 1 }
      fieldStart = i
      while i < e {
        if base[i] == 32 || base[i] == 9 {
          if n < fields.count { fields[n] = (fieldStart, i) }
          n += 1
          while i < e && (base[i] == 32 || base[i] == 9) { i += 1 }
          fieldStart = i
        } else {
          i += 1
        }
      }
      if fieldStart < e {
        if n < fields.count { fields[n] = (fieldStart, e) }
        n += 1
      }
      return n
    }
    let d0 = delimiter[0]
    let dl = delimiter.count
    // A field that opens with a double quote (after spaces) runs to its closing quote, so a
    // quoted ID may hold the delimiter (RFC 4180, and what pandas' to_csv writes).
    var quoted = false, fieldHasText = false
    while i < e {
      let c = base[i]
      if c == 34 && (quoted || !fieldHasText) {
        quoted.toggle()
        fieldHasText = true
        i += 1
      } else if !quoted && c == d0 && (dl == 1 || (i + dl <= e && (1..<dl).allSatisfy { base[i + $0] == delimiter[$0] })) {
        if n < fields.count { fields[n] = (fieldStart, i) }
        n += 1
        i += dl
        fieldStart = i
        fieldHasText = false
      } else {
        if c != 32 { fieldHasText = true }
        i += 1
      }
    }
    if n < fields.count { fields[n] = (fieldStart, e) }
    return n + 1
  }

  /// The ID's key, or nil when its bytes are not UTF-8 (two Latin-1 IDs must never merge).
  mutating func key(_ field: (Int, Int)) -> Int64? {
    let (a, b) = unquote(field)
    // Canonical decimal integers are stored as their value.
    if b > a && b - a <= 18 {
      var i = a
      let negative = base[i] == UInt8(ascii: "-")
      if negative { i += 1 }
      if i < b && !(base[i] == UInt8(ascii: "0") && (b - i > 1 || negative)) {
        var v: Int64 = 0
        var ok = true
        while i < b {
          let d = base[i] &- 48
          if d > 9 { ok = false; break }
          v = v * 10 + Int64(d)
          i += 1
        }
        if ok { return negative ? -v : v }
      }
    }
    guard let text = String(validating: UnsafeBufferPointer(start: base + a, count: b - a), as: UTF8.self) else { return nil }
    if let k = stringIndex[text] { return k }
    let k = ChunkParser.stringKeyBase + Int64(strings.count)
    strings.append(text)
    stringIndex[text] = k
    return k
  }

  mutating func parse(_ start: Int, _ end: Int) {
    let estimate = (end - start) / 24 + 16
    userKeys.reserveCapacity(estimate)
    itemKeys.reserveCapacity(estimate)
    values.reserveCapacity(estimate)
    lines.reserveCapacity(estimate)
    if format.timestampColumn != nil { timestamps.reserveCapacity(estimate) }
    var fields = [(Int, Int)](repeating: (0, 0), count: required)
    var s = start
    var line = 0
    while s < end {
      var e = s
      while e < end && base[e] != UInt8(ascii: "\n") { e += 1 }
      defer {
        s = e + 1
        if e < end { newlines += 1 }
        line += 1
      }
      let trimmed = trimEnd(s, e)
      if trimmed == s { continue }  // blank line
      if let reason = parseLine(s, trimmed, line: line, fields: &fields) {
        guard dropInvalid else {
          error = (line, reason)
          return
        }
        skipped += 1
        if skippedExamples.count < SkippedLines.exampleLimit { skippedExamples.append((line, reason)) }
      }
    }
  }

  /// Parses the line [s, e) and appends its rating, or returns why it is not a rating line.
  @inline(__always) mutating func parseLine(_ s: Int, _ e: Int, line: Int, fields: inout [(Int, Int)]) -> String? {
      let n = split(s, e, &fields)
      if n < required {
        let shown = format.delimiter == "\t" ? "a tab" : (format.delimiter == " " ? "whitespace" : "'\(format.delimiter)'")
        return "expected at least \(required) fields separated by \(shown), found \(n)"
      }
      let rating: Float
      if let implied = format.impliedRating {
        rating = implied
      } else {
        let (ra, rb) = unquote(fields[format.ratingColumn])
        guard let parsed = ByteScanner.parseFloat(base, ra, rb) else {
          let text = String(decoding: UnsafeBufferPointer(start: base + ra, count: rb - ra), as: UTF8.self)
          return "rating '\(text)' \(ByteScanner.whyNotAFloat(text))"
        }
        rating = parsed
      }
      var timestamp: Int64? = nil
      if let tc = format.timestampColumn {
        let (ta, tb) = unquote(fields[tc])
        guard let ts = ByteScanner.parseTimestamp(base, ta, tb) else {
          let text = String(decoding: UnsafeBufferPointer(start: base + ta, count: tb - ta), as: UTF8.self)
          return "timestamp '\(text)' is neither seconds nor a YYYY-MM-DD date"
        }
        timestamp = ts
      }
      let (ua, ub) = unquote(fields[format.userColumn])
      let (ia, ib) = unquote(fields[format.itemColumn])
      if ua == ub || ia == ib {
        return ua == ub ? "the user ID is empty" : "the item ID is empty"
      }
      if let range = acceptedRatings, !range.contains(rating) {
        if let source = acceptedRatingsSource {
          return "rating \(DatasetInfo.label(rating)) is outside \(source) (\(DatasetInfo.label(range.lowerBound))–\(DatasetInfo.label(range.upperBound)))"
        }
        return "rating \(rating) is far outside the ratings this file is scored against (accepted \(range.lowerBound)–\(range.upperBound)): a wrong column or a wrong file?"
      }
      guard let userKey = key(fields[format.userColumn]), let itemKey = key(fields[format.itemColumn]) else {
        return "an ID is not valid UTF-8 (the file looks Latin-1 or similar; convert it, e.g. iconv -f LATIN1 -t UTF-8)"
      }
      if let timestamp { timestamps.append(timestamp) }
      userKeys.append(userKey)
      itemKeys.append(itemKey)
      values.append(rating)
      lines.append(Int32(truncatingIfNeeded: line))
      return nil
  }
}
