import Dispatch
import Foundation

/// Reads the Netflix Prize files: `training_set/mv_*.txt` (one movie per file) and
/// `combined_data_*.txt` (many movies per file). A line `123:` starts a movie; each following
/// line is `customer,rating,YYYY-MM-DD`.
///
/// Several files are parsed side by side (the Prize's 17,770 files, 100 M ratings, in
/// seconds rather than minutes) and merged in file order, so IDs are numbered in order of
/// first appearance exactly as reading the files one by one would.
public struct NetflixReader: Sendable {
  public var duplicates: DuplicatePolicy
  public init(duplicates: DuplicatePolicy = .error) { self.duplicates = duplicates }

  /// Whether `fileName` is one of the Netflix Prize rating files.
  public static func isNetflixFile(_ fileName: String) -> Bool {
    (fileName.hasPrefix("mv_") || fileName.hasPrefix("combined_data")) && fileName.hasSuffix(".txt")
  }

  public func read(_ path: String, users: inout IDMap, items: inout IDMap) throws -> RatingSet {
    try read(files: [path], users: &users, items: &items)
  }

  /// Reads `files` in order into one set: parsed in parallel on `threads` threads, merged in
  /// order. An error names the first bad file (in order) and its line.
  public func read(files: [String], users: inout IDMap, items: inout IDMap, threads: Int = ComputeContext.processorCount) throws -> RatingSet {
    var parsed = [Result<ParsedFile, Error>?](repeating: nil, count: files.count)
    let workers = max(1, min(threads, files.count))
    parsed.withUnsafeMutableBufferPointer { buffer in
      let box = UncheckedSendable(buffer.baseAddress!)
      // Files are dealt out in small groups on demand, so one large file does not leave a
      // thread idle.
      let next = NextIndex()
      DispatchQueue.concurrentPerform(iterations: workers) { _ in
        while let f = next.take(below: files.count) {
          box.value[f] = Result { try Self.parse(files[f]) }
        }
      }
    }
    // Numbered in file order (one dictionary, serial), then each file's duplicates found side by side.
    var parts = [RatingSet](repeating: RatingSet(), count: files.count)
    var lines = [[Int32]](repeating: [], count: files.count)
    for f in files.indices {
      let file = try parsed[f]!.get()
      parsed[f] = nil
      var part = RatingSet()
      part.users.reserveCapacity(file.values.count)
      part.items.reserveCapacity(file.values.count)
      let movies = file.movies.map { items.insert(numeric: $0) }
      for k in 0..<file.values.count {
        let c = file.customers[k]
        part.users.append(c >= 0 ? users.insert(numeric: c) : users.insert(file.texts[Int(-1 - c)]))
        part.items.append(movies[Int(file.movieOf[k])])
      }
      part.values = file.values
      part.timestamps = file.timestamps
      guard !part.isEmpty else { throw EncoreError.emptyInput(file: files[f]) }
      parts[f] = part
      lines[f] = file.lines
    }
    var checked = [Result<RatingSet, Error>?](repeating: nil, count: files.count)
    let shared = UncheckedSendable((parts, lines, users, items, duplicates))
    checked.withUnsafeMutableBufferPointer { buffer in
      let box = UncheckedSendable(buffer.baseAddress!)
      let next = NextIndex()
      DispatchQueue.concurrentPerform(iterations: workers) { _ in
        let (parts, lines, users, items, duplicates) = shared.value
        while let f = next.take(below: files.count) {
          box.value[f] = Result { try Deduplicator.apply(duplicates, to: parts[f], lines: lines[f], file: files[f], users: users, items: items) }
        }
      }
    }
    parts = []
    var set = RatingSet()
    for f in files.indices {
      let unique = try checked[f]!.get()
      checked[f] = nil
      if set.isEmpty { set = unique } else { set.append(unique) }
    }
    return set
  }

  /// One file's ratings with raw IDs, before they are numbered.
  struct ParsedFile {
    var movies: [Int64] = []
    /// Per rating: the index of its movie in `movies`.
    var movieOf: [Int32] = []
    /// Per rating: the numeric customer ID, or −1 − (index in `texts`) for one that is not a
    /// plain number.
    var customers: [Int64] = []
    var texts: [String] = []
    var values: [Float] = []
    var timestamps: [Int64] = []
    var lines: [Int32] = []
  }

  static func parse(_ path: String) throws -> ParsedFile {
    let data = try RatingFileReader.contents(of: path)
    var file = ParsedFile()
    let estimate = data.count / 18
    file.customers.reserveCapacity(estimate)
    file.movieOf.reserveCapacity(estimate)
    file.values.reserveCapacity(estimate)
    file.timestamps.reserveCapacity(estimate)
    file.lines.reserveCapacity(estimate)
    try data.withUnsafeBytes { raw in
      guard let p = raw.bindMemory(to: UInt8.self).baseAddress else { return }
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
          movie = Int32(file.movies.count)
          file.movies.append(id)
          continue
        }
        guard let item = movie else {
          throw EncoreError.malformedLine(file: path, line: lineNumber, reason: "a rating before the first 'MovieID:' line")
        }
        var first = -1, second = -1, commas = 0
        for k in s..<t where p[k] == UInt8(ascii: ",") {
          commas += 1
          if first < 0 { first = k } else if second < 0 { second = k }
        }
        guard commas == 2 else {
          throw EncoreError.malformedLine(
            file: path, line: lineNumber,
            reason: "expected 'customer,rating,date' (3 fields separated by ','), found \(commas + 1)")
        }
        guard first > s else { throw EncoreError.malformedLine(file: path, line: lineNumber, reason: "the user ID is empty") }
        guard let rating = ByteScanner.parseFloat(p, first + 1, second) else {
          let text = String(decoding: UnsafeBufferPointer(start: p + first + 1, count: second - first - 1), as: UTF8.self)
          throw EncoreError.malformedLine(file: path, line: lineNumber, reason: "rating '\(text)' \(ByteScanner.whyNotAFloat(text))")
        }
        guard let timestamp = ByteScanner.parseTimestamp(p, second + 1, t) else {
          throw EncoreError.malformedLine(file: path, line: lineNumber, reason: "date is not YYYY-MM-DD")
        }
        // A plain number (no sign, no leading zero, at most 18 digits) is kept as a number;
        // anything else as text, which IDMap canonicalises as it would any ID.
        var customer: Int64 = 0
        var plain = first - s <= 18 && (p[s] != UInt8(ascii: "0") || first - s == 1)
        if plain {
          for k in s..<first {
            let d = p[k] &- 48
            if d > 9 { plain = false; break }
            customer = customer * 10 + Int64(d)
          }
        }
        if !plain {
          customer = -1 - Int64(file.texts.count)
          file.texts.append(String(decoding: UnsafeBufferPointer(start: p + s, count: first - s), as: UTF8.self))
        }
        file.customers.append(customer)
        file.movieOf.append(item)
        file.values.append(rating)
        file.timestamps.append(timestamp)
        file.lines.append(Int32(truncatingIfNeeded: lineNumber))
      }
    }
    return file
  }
}

/// Hands out indices 0, 1, 2, … to threads, each once.
private final class NextIndex: @unchecked Sendable {
  private let lock = NSLock()
  private var next = 0
  func take(below limit: Int) -> Int? {
    lock.lock()
    defer { lock.unlock() }
    guard next < limit else { return nil }
    next += 1
    return next - 1
  }
}
