import Foundation

/// How the columns of a delimited rating file are laid out.
public struct DelimitedFormat: Sendable, Equatable {
  /// The field separator: "\t", ",", "::", ";" … The single space " " means any run of
  /// spaces and tabs.
  public var delimiter: String
  /// Whether the first line is a header; nil detects it (a first line whose rating field is
  /// not a number is a header).
  public var hasHeader: Bool?
  /// 0-based columns of user, item, rating and (optionally) timestamp.
  public var userColumn: Int
  public var itemColumn: Int
  public var ratingColumn: Int
  public var timestampColumn: Int?
  /// The value every line gets when the file has no rating column: a file of `user,item`
  /// pairs (clicks, plays, purchases) is implicit feedback, each pair read as this value (1).
  /// nil: the rating is read from `ratingColumn`.
  public var impliedRating: Float? = nil

  public init(
    delimiter: String, hasHeader: Bool? = nil, userColumn: Int = 0, itemColumn: Int = 1,
    ratingColumn: Int = 2, timestampColumn: Int? = 3
  ) {
    self.delimiter = delimiter
    self.hasHeader = hasHeader
    self.userColumn = userColumn
    self.itemColumn = itemColumn
    self.ratingColumn = ratingColumn
    self.timestampColumn = timestampColumn
  }

  /// MovieLens-100K `u.data`, `u1.base`, `u1.test`: user, item, rating, timestamp, tab-separated.
  public static let movieLens100K = DelimitedFormat(delimiter: "\t", hasHeader: false)
  /// MovieLens-1M/10M `ratings.dat`: `user::item::rating::timestamp`.
  public static let movieLensDat = DelimitedFormat(delimiter: "::", hasHeader: false)
  /// MovieLens-20M/25M/32M/latest `ratings.csv`: header, then `userId,movieId,rating,timestamp`.
  public static let movieLensCSV = DelimitedFormat(delimiter: ",", hasHeader: true)

  /// Checks the layout before any byte is read: a delimiter of at least one character that
  /// is not a line break or a quote, and four different, non-negative columns.
  public func validate() throws {
    guard !delimiter.isEmpty else { throw EncoreError.invalidSetting("delimiter", "is empty; give a character such as ',' or 'tab'") }
    guard !delimiter.contains(where: { $0.isNewline || $0 == "\"" }) else {
      throw EncoreError.invalidSetting("delimiter", "cannot contain a line break or a double quote")
    }
    let columns = [userColumn, itemColumn] + (impliedRating == nil ? [ratingColumn] : []) + (timestampColumn.map { [$0] } ?? [])
    guard columns.allSatisfy({ $0 >= 0 }) else { throw EncoreError.invalidSetting("columns", "must be 0 or more") }
    guard Set(columns).count == columns.count else {
      throw EncoreError.invalidSetting("columns", "user, item, rating and timestamp need different columns, not \(columns.map(String.init).joined(separator: ","))")
    }
  }

  /// This format with its columns taken from a header line that names them (`userId`,
  /// `movieId`/`itemId`, `rating`, `timestamp` and the usual variants), or nil when the line
  /// is not such a header. A header's order wins over the default one, so `movieId,userId`
  /// is read the right way round.
  public func columnsNamed(byHeader line: String) -> DelimitedFormat? {
    let fields: [String]
    if delimiter == " " {
      fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
    } else {
      fields = line.components(separatedBy: delimiter)
    }
    let names = fields.map { $0.trimmingCharacters(in: CharacterSet(charactersIn: " \"'\r")).lowercased().replacingOccurrences(of: "_", with: "") }
    func column(_ candidates: [String]) -> Int? { names.firstIndex { candidates.contains($0) } }
    guard let user = column(["userid", "user", "customerid", "customer", "uid"]),
      let item = column(["movieid", "itemid", "item", "movie", "iid", "bookid", "isbn", "productid"]),
      let rating = column(["rating", "rate", "score", "stars", "value"])
    else { return nil }
    var named = self
    named.userColumn = user
    named.itemColumn = item
    named.ratingColumn = rating
    named.timestampColumn = column(["timestamp", "time", "date", "datetime", "ts"])
    named.hasHeader = true
    return named
  }

  /// The number of columns a line must have.
  public var requiredColumns: Int {
    max(userColumn, itemColumn, impliedRating == nil ? ratingColumn : 0, timestampColumn ?? 0) + 1
  }

  /// A file of `user,item` pairs (implicit feedback): two fields a line, each pair read as 1.
  /// The first line is a header when it names both columns (`user,item`, vae_cf's `uid,sid`,
  /// `userId,movieId` …), whichever order they come in.
  public static func pairs(delimiter: String, firstLine: String) -> DelimitedFormat {
    var format = DelimitedFormat(delimiter: delimiter, hasHeader: false, userColumn: 0, itemColumn: 1, ratingColumn: 0, timestampColumn: nil)
    format.impliedRating = 1
    let names = format.fieldNames(firstLine)
    if let user = names.firstIndex(where: Self.userNames.contains), let item = names.firstIndex(where: Self.itemNames.contains) {
      format.userColumn = user
      format.itemColumn = item
      format.hasHeader = true
    }
    return format
  }

  /// The header names that mean the user and the item column.
  static let userNames = ["userid", "user", "customerid", "customer", "uid"]
  static let itemNames = ["movieid", "itemid", "item", "movie", "iid", "bookid", "isbn", "productid", "sid", "songid", "trackid"]

  /// The fields of `line`, trimmed of quotes and spaces, lowercased, underscores removed.
  func fieldNames(_ line: String) -> [String] {
    let fields: [String]
    if delimiter == " " {
      fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
    } else {
      fields = line.components(separatedBy: delimiter)
    }
    return fields.map { $0.trimmingCharacters(in: CharacterSet(charactersIn: " \"'\r")).lowercased().replacingOccurrences(of: "_", with: "") }
  }

  /// A format guessed from the file name and its first line: MovieLens names first, then the
  /// delimiter that splits the first line into the most fields (tab, "::", comma, semicolon,
  /// whitespace), or the `delimiter` given. Timestamps are read when a fourth column exists.
  public static func guess(fileName: String, firstLine: String, delimiter given: String? = nil) -> DelimitedFormat {
    let name = fileName.lowercased()
    if let given {
      let fields = given == " " ? firstLine.split(whereSeparator: { $0 == " " || $0 == "\t" }).count : firstLine.components(separatedBy: given).count
      return DelimitedFormat(delimiter: given, hasHeader: nil, timestampColumn: fields >= 4 ? 3 : nil)
    }
    if name == "u.data" || name.hasSuffix(".base") || name.hasSuffix(".test") {
      // MovieLens-100K's names, but only with its four tab-separated columns: the same name
      // on a 3-column file is read by what the line shows.
      let tabFields = firstLine.split(separator: "\t", omittingEmptySubsequences: false).count
      if tabFields >= 4 { return .movieLens100K }
      if tabFields == 3 { return DelimitedFormat(delimiter: "\t", hasHeader: nil, timestampColumn: nil) }
    }
    if name.hasSuffix(".dat") && firstLine.contains("::") { return .movieLensDat }
    let candidates = ["\t", "::", ",", ";", " "]
    var best = ","
    var bestFields = 1
    for candidate in candidates {
      let fields: Int
      if candidate == " " {
        fields = firstLine.split(whereSeparator: { $0 == " " || $0 == "\t" }).count
      } else {
        fields = firstLine.components(separatedBy: candidate).count
      }
      if fields > bestFields {
        bestFields = fields
        best = candidate
      }
    }
    return DelimitedFormat(delimiter: best, hasHeader: nil, timestampColumn: bestFields >= 4 ? 3 : nil)
  }
}

/// What to do when one file rates the same user and item more than once.
public enum DuplicatePolicy: String, CaseIterable, Sendable {
  /// The later line wins (the usual meaning of a re-rating).
  case keepLast = "keep-last"
  /// The ratings are averaged.
  case mean
  /// Loading fails with the two line numbers.
  case error
}
