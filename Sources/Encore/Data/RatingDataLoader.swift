import Foundation

/// Loads ratings from a file or a folder the way a user points at them: a MovieLens folder
/// (recognised by `u.data`, `ratings.dat` or `ratings.csv`), a Netflix Prize folder
/// (`training_set/` or `combined_data_*.txt`), a single rating file of a known kind, or any
/// delimited file with an explicit `DelimitedFormat`, or the SQLite store `encore serve` writes.
/// Titles are read when present. `addedFiles` are read after the main source, so that a
/// model's training file plus the server's store can be retrained together.
public struct RatingDataLoader: Sendable {
  /// The layout to use; nil guesses it from the file name and the first line.
  public var format: DelimitedFormat?
  public var duplicates: DuplicatePolicy
  /// The threads large files are parsed on.
  public var compute: ComputeContext
  /// Files read after the main source (after the training file of a train/test pair): a
  /// rating of a user and item that already has one replaces it, so newer ratings win.
  public var addedFiles: [String] = []
  /// When set, a rating outside it is an error naming the line (see `RatingFileReader`).
  public var acceptedRatings: ClosedRange<Float>? = nil
  /// Columns given without a delimiter (`--columns` alone): the delimiter is still guessed
  /// per file, then these columns and `header` apply.
  public var columns: (user: Int, item: Int, rating: Int, timestamp: Int?)? = nil
  public var header: Bool? = nil

  public init(format: DelimitedFormat? = nil, duplicates: DuplicatePolicy = .error, compute: ComputeContext = .automatic) {
    self.format = format
    self.duplicates = duplicates
    self.compute = compute
  }

  /// Loads everything under `path` into fresh ID maps.
  public func load(_ path: String) throws -> RatingData {
    var users = IDMap(), items = IDMap()
    var (ratings, titleSource, description) = try readAny(path, users: &users, items: &items)
    description += try addFiles(to: &ratings, users: &users, items: &items)
    return RatingData(
      ratings: ratings, users: users, items: items,
      titles: Self.indexTitles(titleSource, items: items), sourceDescription: description)
  }

  /// Loads an explicit train and test file into one set of ID maps. IDs that occur only in
  /// the test file are added to the maps but have no training ratings.
  public func load(train: String, test: String) throws -> (data: RatingData, test: RatingSet) {
    var users = IDMap(), items = IDMap()
    var (trainSet, titles, description) = try readAny(train, users: &users, items: &items)
    description += try addFiles(to: &trainSet, users: &users, items: &items)
    let (testSet, _, testDescription) = try readAny(test, users: &users, items: &items)
    let data = RatingData(
      ratings: trainSet, users: users, items: items,
      titles: Self.indexTitles(titles, items: items),
      sourceDescription: "\(description) / \(testDescription)")
    return (data, testSet)
  }

  /// Reads `addedFiles` into `ratings`, newer ratings replacing older ones of the same pair;
  /// returns the words added to the data's description.
  private func addFiles(to ratings: inout RatingSet, users: inout IDMap, items: inout IDMap) throws -> String {
    guard !addedFiles.isEmpty else { return "" }
    var position: [Int64: Int] = [:]
    position.reserveCapacity(ratings.count)
    func key(_ user: Int32, _ item: Int32) -> Int64 { Int64(user) << 32 | Int64(item) }
    for k in 0..<ratings.count { position[key(ratings.users[k], ratings.items[k])] = k }
    var replaced = 0, added = 0
    for path in addedFiles {
      let extra = try readFile(path, users: &users, items: &items)
      let keepTimes = ratings.hasTimestamps && extra.hasTimestamps
      if !keepTimes { ratings.timestamps = [] }
      for k in 0..<extra.count {
        let pair = key(extra.users[k], extra.items[k])
        if let at = position[pair] {
          ratings.values[at] = extra.values[k]
          if keepTimes { ratings.timestamps[at] = extra.timestamps[k] }
          replaced += 1
        } else {
          position[pair] = ratings.count
          ratings.append(user: extra.users[k], item: extra.items[k], value: extra.values[k], timestamp: keepTimes ? extra.timestamps[k] : nil)
          added += 1
        }
      }
    }
    let names = addedFiles.map { ($0 as NSString).lastPathComponent }.joined(separator: ", ")
    return " + \(names) (\(added) added, \(replaced) replaced)"
  }

  static func indexTitles(_ titles: [String: String], items: IDMap) -> [Int32: String] {
    var result: [Int32: String] = [:]
    for (raw, title) in titles {
      if let index = items.index(of: raw) { result[index] = title }
    }
    return result
  }

  private func readAny(_ path: String, users: inout IDMap, items: inout IDMap) throws -> (RatingSet, [String: String], String) {
    let fm = FileManager.default
    if path == "-" {  // standard input: one delimited file
      return (try readFile(path, users: &users, items: &items), [:], "standard input")
    }
    var isDirectory: ObjCBool = false
    guard fm.fileExists(atPath: path, isDirectory: &isDirectory) else {
      throw EncoreError.io(path: path, reason: "no such file or folder")
    }
    if !isDirectory.boolValue {
      let set = try readFile(path, users: &users, items: &items)
      return (set, TitleReader.titles(besideRatingsAt: path), (path as NSString).lastPathComponent)
    }
    let folder = path.hasSuffix("/") ? String(path.dropLast()) : path
    let name = (folder as NSString).lastPathComponent
    for (file, label) in [("u.data", "MovieLens-100K"), ("ratings.dat", "MovieLens (ratings.dat)"), ("ratings.csv", "MovieLens (ratings.csv)")] {
      let candidate = folder + "/" + file
      if fm.fileExists(atPath: candidate) {
        let set = try readFile(candidate, users: &users, items: &items)
        return (set, TitleReader.titles(inFolder: folder), "\(label) \(name)")
      }
    }
    // Netflix Prize: training_set/mv_*.txt or combined_data_*.txt.
    var netflixFiles: [String] = []
    let trainingSet = folder + "/training_set"
    if let names = try? fm.contentsOfDirectory(atPath: trainingSet) {
      netflixFiles = names.filter(NetflixReader.isNetflixFile).sorted().map { trainingSet + "/" + $0 }
    }
    if netflixFiles.isEmpty, let names = try? fm.contentsOfDirectory(atPath: folder) {
      netflixFiles = names.filter(NetflixReader.isNetflixFile).sorted().map { folder + "/" + $0 }
    }
    if !netflixFiles.isEmpty {
      var set = RatingSet()
      let reader = NetflixReader(duplicates: duplicates)
      for file in netflixFiles {
        let part = try reader.read(file, users: &users, items: &items)
        set.users += part.users
        set.items += part.items
        set.values += part.values
        set.timestamps += part.timestamps
      }
      return (set, TitleReader.titles(inFolder: folder), "Netflix Prize \(name) (\(netflixFiles.count) files)")
    }
    throw EncoreError.io(
      path: path,
      reason: "folder holds no known rating file (u.data, ratings.dat, ratings.csv, training_set/mv_*.txt, combined_data_*.txt); point at a rating file instead")
  }

  /// Reads one file, choosing the reader by its name unless a format was given.
  public func readFile(_ path: String, users: inout IDMap, items: inout IDMap) throws -> RatingSet {
    let fileName = (path as NSString).lastPathComponent
    if RatingStore.isStore(path) {
      return try RatingStore.read(path, users: &users, items: &items)
    }
    if format == nil && NetflixReader.isNetflixFile(fileName) {
      return try NetflixReader(duplicates: duplicates).read(path, users: &users, items: &items)
    }
    let data = try RatingFileReader.contents(of: path)
    let chosen = try format ?? {
      let head = data.prefix(4096)
      guard let newline = head.firstIndex(of: UInt8(ascii: "\n")) ?? (data.count <= 4096 ? head.endIndex : nil) else {
        throw EncoreError.malformedLine(
          file: path, line: 1, reason: "the first line is longer than 4 KB (the file has \(data.count) bytes); expected one rating per line")
      }
      let firstLine = String(decoding: head[head.startIndex..<newline], as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
      if firstLine.isEmpty && data.allSatisfy({ $0 == 10 || $0 == 13 || $0 == 32 || $0 == 9 }) { throw EncoreError.emptyInput(file: path) }
      var guessed = fileName.lowercased() == "ratings.csv" ? DelimitedFormat.movieLensCSV : DelimitedFormat.guess(fileName: fileName, firstLine: firstLine)
      if let columns {
        guessed.userColumn = columns.user
        guessed.itemColumn = columns.item
        guessed.ratingColumn = columns.rating
        guessed.timestampColumn = columns.timestamp
      } else if let named = guessed.columnsNamed(byHeader: firstLine) {
        guessed = named
      }
      if let header { guessed.hasHeader = header }
      return guessed
    }()
    var reader = RatingFileReader(format: chosen, duplicates: duplicates, compute: compute)
    reader.acceptedRatings = acceptedRatings
    return try data.withUnsafeBytes { raw in
      try format.map { try $0.validate() } ?? chosen.validate()
      return try reader.parse(raw.bindMemory(to: UInt8.self), path: path, users: &users, items: &items)
    }
  }
}
