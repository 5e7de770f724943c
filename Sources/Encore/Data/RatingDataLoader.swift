import Foundation

/// Loads ratings from a file or a folder the way a user points at them: a MovieLens folder
/// (recognised by `u.data`, `ratings.dat` or `ratings.csv`, or Kaggle's ML-20M `rating.csv`),
/// KMRD (`rates.csv`), a Netflix Prize folder (`training_set/` or `combined_data_*.txt`), a
/// DeepRecommender folder of `.txt` files (user, item, rating, tab-separated, as its
/// `run.py` reads them), a single rating file of a known kind, or any
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
  /// What `acceptedRatings` is, named in the error (see `RatingFileReader`).
  public var acceptedRatingsSource: String? = nil
  /// Skip lines of delimited files that are not ratings, counting them (see `RatingFileReader`).
  public var dropInvalid = false
  /// Users and items with too few ratings are removed after reading (from the training
  /// file of a train/test pair; test pairs of removed IDs are then unseen).
  public var activityFilter = ActivityFilter()
  /// Columns given without a delimiter (`--columns` alone): the delimiter is still guessed
  /// per file, then these columns and `header` apply.
  public var columns: (user: Int, item: Int, rating: Int, timestamp: Int?)? = nil
  public var header: Bool? = nil
  /// A delimiter given without columns (`--delimiter` alone): the columns are still taken
  /// from a naming header or the field count of the first line.
  public var delimiter: String? = nil
  /// Whether files are long (one rating per line) or a wide user × item table (see
  /// `WideTableReader`). A file that looks wide is never read as long without being told.
  public var layout = TableLayout.long
  /// The value of a wide table's cells that means "not rated" (nil: only empty cells), and
  /// whether it was given (a table of mostly one value is otherwise refused).
  public var missingValue: Float? = nil
  public var missingValueGiven = false

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
    let data = RatingData(
      ratings: ratings, users: users, items: items,
      titles: Self.indexTitles(titleSource, items: items), sourceDescription: description)
    return activityFilter.isActive ? try activityFilter.apply(to: data).data : data
  }

  /// Loads an explicit train and test file into one set of ID maps. IDs that occur only in
  /// the test file are added to the maps but have no training ratings.
  public func load(train: String, test: String) throws -> (data: RatingData, test: RatingSet) {
    var users = IDMap(), items = IDMap()
    var (trainSet, titles, description) = try readAny(train, users: &users, items: &items)
    description += try addFiles(to: &trainSet, users: &users, items: &items)
    var data = RatingData(
      ratings: trainSet, users: users, items: items, titles: Self.indexTitles(titles, items: items), sourceDescription: description)
    if activityFilter.isActive { data = try activityFilter.apply(to: data).data }
    let (testSet, _, testDescription) = try readAny(test, users: &data.users, items: &data.items)
    data.sourceDescription += " / \(testDescription)"
    data.ratings.skippedLines.add(testSet.skippedLines)
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
      ratings.skippedLines.add(extra.skippedLines)
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
    for (file, label) in [
      ("u.data", "MovieLens-100K"), ("ratings.dat", "MovieLens (ratings.dat)"), ("ratings.csv", "MovieLens (ratings.csv)"),
      ("rating.csv", "MovieLens (Kaggle's rating.csv)"), ("rates.csv", "KMRD (rates.csv)"),
    ] {
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
      let set = try NetflixReader(duplicates: duplicates).read(files: netflixFiles, users: &users, items: &items, threads: compute.threads)
      return (set, TitleReader.titles(inFolder: folder), "Netflix Prize \(name) (\(netflixFiles.count) files)")
    }
    // DeepRecommender: every .txt file is user<TAB>item<TAB>rating (its run.py and infer.py
    // read userIdInd 0, itemIdInd 1, ratingInd 2).
    let textFiles = ((try? fm.contentsOfDirectory(atPath: folder)) ?? []).filter { $0.hasSuffix(".txt") }.sorted()
    if !textFiles.isEmpty, textFiles.allSatisfy({ Self.looksLikeDeepRecommender(folder + "/" + $0) }) {
      var reader = self
      if reader.format == nil && reader.columns == nil && reader.delimiter == nil {
        reader.format = DelimitedFormat(delimiter: "\t", hasHeader: false, timestampColumn: nil)
      }
      var set = RatingSet()
      for file in textFiles { set.append(try reader.readFile(folder + "/" + file, users: &users, items: &items)) }
      return (set, [:], "DeepRecommender folder \(name) (\(textFiles.count) .txt files)")
    }
    throw EncoreError.io(
      path: path,
      reason: "folder holds no known rating file (u.data, ratings.dat, ratings.csv, rating.csv, rates.csv, training_set/mv_*.txt, combined_data_*.txt, or DeepRecommender's user<TAB>item<TAB>rating .txt files); point at a rating file instead")
  }

  /// Whether the file's first line is three or four tab-separated numbers (a DeepRecommender
  /// data file, as its Netflix and MovieLens converters write them).
  static func looksLikeDeepRecommender(_ path: String) -> Bool {
    guard let handle = FileHandle(forReadingAtPath: path) else { return false }
    defer { try? handle.close() }
    let head = (try? handle.read(upToCount: 256)) ?? Data()
    guard let line = String(decoding: head, as: UTF8.self).split(whereSeparator: \.isNewline).first else { return false }
    let fields = line.split(separator: "\t", omittingEmptySubsequences: false)
    return (3...4).contains(fields.count) && fields.allSatisfy { Double($0.trimmingCharacters(in: .whitespaces)) != nil }
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
    if layout == .wide {
      let separator = format?.delimiter ?? delimiter ?? (fileName.lowercased().hasSuffix(".tsv") ? "\t" : ",")
      guard separator.utf8.count == 1 else {
        throw EncoreError.invalidSetting("delimiter", "of a wide table must be one character, not '\(separator)'")
      }
      let reader = WideTableReader(
        missing: missingValue, missingGiven: missingValueGiven, delimiter: separator.utf8.first!, duplicates: duplicates)
      return try reader.read(path, users: &users, items: &items)
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
      var guessed = fileName.lowercased() == "ratings.csv" && (delimiter ?? ",") == ","
        ? DelimitedFormat.movieLensCSV : DelimitedFormat.guess(fileName: fileName, firstLine: firstLine, delimiter: delimiter)
      if columns == nil && WideTableReader.looksLikeWideHeader(firstLine, delimiter: guessed.delimiter) {
        throw EncoreError.malformedLine(
          file: path, line: 1,
          reason: "looks like a wide user × item table (a header of item IDs, one line per user), not one rating per line; read it with --layout wide, and --missing 0 if 0 means \"not rated\"")
      }
      // The line after the first, to tell a pairs file from a first line cut short.
      let rest = head[min(head.endIndex, newline + 1)...]
      let secondLine = String(decoding: rest.prefix(while: { $0 != UInt8(ascii: "\n") }), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
      if columns == nil && guessed.fieldNames(firstLine).count == 2 && (secondLine.isEmpty || guessed.fieldNames(secondLine).count == 2) {
        // Two fields a line: user,item pairs, implicit feedback.
        guessed = DelimitedFormat.pairs(delimiter: guessed.delimiter, firstLine: firstLine)
      } else if let columns {
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
    reader.acceptedRatingsSource = acceptedRatingsSource
    reader.dropInvalid = dropInvalid
    return try data.withUnsafeBytes { raw in
      try format.map { try $0.validate() } ?? chosen.validate()
      return try reader.parse(raw.bindMemory(to: UInt8.self), path: path, users: &users, items: &items)
    }
  }
}
