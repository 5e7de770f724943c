#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// The rating store that `encore serve` writes (SQLite, an append-only log of the ratings it
/// received), and its reader for training. The server owns the writes; this file owns the
/// layout both sides agree on, so a retrain reads exactly what the server acknowledged.
///
/// SQLite is loaded at run time with dlopen (as OpenBLAS is), so the core library builds and
/// runs on machines without SQLite; only reading a store needs Debian's `libsqlite3-0`.
public enum RatingStore {
  /// The statements that create the store (idempotent). `id` orders the log: a later rating of
  /// the same user and item replaces an earlier one when the store is read.
  public static let schema = [
    """
    CREATE TABLE IF NOT EXISTS ratings (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      user TEXT NOT NULL,
      item TEXT NOT NULL,
      rating REAL NOT NULL,
      timestamp INTEGER,
      received_at REAL NOT NULL
    )
    """,
    "CREATE INDEX IF NOT EXISTS ratings_by_user ON ratings(user, id)",
  ]

  /// The first 16 bytes of every SQLite database file.
  static let magic = Array("SQLite format 3\0".utf8)

  /// Whether the file at `path` is an SQLite database (and so, for Encore, a rating store).
  public static func isStore(_ path: String) -> Bool {
    guard let handle = FileHandle(forReadingAtPath: path) else { return false }
    defer { try? handle.close() }
    guard let head = try? handle.read(upToCount: 16) else { return false }
    return Array(head) == magic
  }

  /// Reads every rating in the store at `path` into `users`/`items`. A (user, item) rated
  /// more than once keeps its last rating, as the server's answers did. Ratings that are not
  /// finite numbers are an error naming the row.
  public static func read(_ path: String, users: inout IDMap, items: inout IDMap) throws -> RatingSet {
    guard let sqlite = SQLiteLibrary.available else {
      throw EncoreError.io(path: path, reason: "is an SQLite rating store, and reading it needs SQLite (Debian: apt-get install libsqlite3-0)")
    }
    let database = try sqlite.open(readOnly: path)
    defer { sqlite.close(database) }
    guard try sqlite.rows(database, "SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'ratings'", path: path, { _ in }) == 1 else {
      throw EncoreError.io(path: path, reason: "is an SQLite database without a 'ratings' table; it was not written by encore serve")
    }
    var last: [String: Int] = [:]  // "user\u{1}item" → index in `set`
    var set = RatingSet()
    var allTimed = true
    var times: [Int64] = []
    _ = try sqlite.rows(database, "SELECT id, user, item, rating, timestamp FROM ratings ORDER BY id", path: path) { row in
      let id = row.int64(0) ?? 0
      guard let user = row.text(1), let item = row.text(2), let rating = row.double(3) else {
        throw EncoreError.malformedLine(file: path, line: Int(id), reason: "row \(id) of table ratings has an empty user, item or rating")
      }
      guard rating.isFinite, abs(rating) <= Double(Float.greatestFiniteMagnitude) else {
        throw EncoreError.malformedLine(file: path, line: Int(id), reason: "row \(id) of table ratings has rating \(rating), not a finite number")
      }
      let timestamp = row.int64(4)
      if timestamp == nil { allTimed = false }
      let key = user + "\u{1}" + item
      if let at = last[key] {
        set.values[at] = Float(rating)
        times[at] = timestamp ?? 0
      } else {
        last[key] = set.count
        set.append(user: users.insert(user), item: items.insert(item), value: Float(rating))
        times.append(timestamp ?? 0)
      }
    }
    if allTimed && !set.isEmpty { set.timestamps = times }
    return set
  }
}

/// The few SQLite calls Encore's core needs, bound at run time.
final class SQLiteLibrary: Sendable {
  typealias OpenFunction = @convention(c) (UnsafePointer<CChar>?, UnsafeMutablePointer<OpaquePointer?>?, Int32, UnsafePointer<CChar>?) -> Int32
  typealias CloseFunction = @convention(c) (OpaquePointer?) -> Int32
  typealias PrepareFunction = @convention(c) (
    OpaquePointer?, UnsafePointer<CChar>?, Int32, UnsafeMutablePointer<OpaquePointer?>?, UnsafeMutablePointer<UnsafePointer<CChar>?>?
  ) -> Int32
  typealias StepFunction = @convention(c) (OpaquePointer?) -> Int32
  typealias ColumnTypeFunction = @convention(c) (OpaquePointer?, Int32) -> Int32
  typealias ColumnTextFunction = @convention(c) (OpaquePointer?, Int32) -> UnsafePointer<UInt8>?
  typealias ColumnDoubleFunction = @convention(c) (OpaquePointer?, Int32) -> Double
  typealias ColumnInt64Function = @convention(c) (OpaquePointer?, Int32) -> Int64
  typealias ErrorMessageFunction = @convention(c) (OpaquePointer?) -> UnsafePointer<CChar>?

  let openFunction: OpenFunction
  let closeFunction: CloseFunction
  let prepareFunction: PrepareFunction
  let stepFunction: StepFunction
  let finalizeFunction: CloseFunction
  let columnType: ColumnTypeFunction
  let columnText: ColumnTextFunction
  let columnDouble: ColumnDoubleFunction
  let columnInt64: ColumnInt64Function
  let errorMessage: ErrorMessageFunction

  /// libsqlite3 loaded into this process on first use, or nil when it is absent.
  static let available: SQLiteLibrary? = SQLiteLibrary()

  private init?() {
    #if os(Linux)
    var opened: UnsafeMutableRawPointer? = nil
    for name: String in ["libsqlite3.so.0", "libsqlite3.so"] where opened == nil { opened = dlopen(name, RTLD_NOW | RTLD_LOCAL) }
    guard let handle = opened else { return nil }
    func bind<F>(_ name: String, _ type: F.Type) -> F? { dlsym(handle, name).map { unsafeBitCast($0, to: type) } }
    guard let open = bind("sqlite3_open_v2", OpenFunction.self), let close = bind("sqlite3_close", CloseFunction.self),
      let prepare = bind("sqlite3_prepare_v2", PrepareFunction.self), let step = bind("sqlite3_step", StepFunction.self),
      let finalize = bind("sqlite3_finalize", CloseFunction.self), let type = bind("sqlite3_column_type", ColumnTypeFunction.self),
      let text = bind("sqlite3_column_text", ColumnTextFunction.self),
      let double = bind("sqlite3_column_double", ColumnDoubleFunction.self),
      let int64 = bind("sqlite3_column_int64", ColumnInt64Function.self),
      let message = bind("sqlite3_errmsg", ErrorMessageFunction.self)
    else { return nil }
    openFunction = open
    closeFunction = close
    prepareFunction = prepare
    stepFunction = step
    finalizeFunction = finalize
    columnType = type
    columnText = text
    columnDouble = double
    columnInt64 = int64
    errorMessage = message
    #else
    return nil
    #endif
  }

  /// One result row; columns are 0-based, and NULL reads as nil.
  struct Row {
    let library: SQLiteLibrary
    let statement: OpaquePointer
    private func isNull(_ column: Int32) -> Bool { library.columnType(statement, column) == 5 }
    func text(_ column: Int32) -> String? {
      guard !isNull(column), let bytes = library.columnText(statement, column) else { return nil }
      return String(cString: bytes)
    }
    func double(_ column: Int32) -> Double? { isNull(column) ? nil : library.columnDouble(statement, column) }
    func int64(_ column: Int32) -> Int64? { isNull(column) ? nil : library.columnInt64(statement, column) }
  }

  /// Opens the database at `path`, read-only unless `writable` (which also creates it).
  func open(readOnly path: String, writable: Bool = false) throws -> OpaquePointer {
    var database: OpaquePointer?
    let status = openFunction(path, &database, writable ? 6 /* READWRITE | CREATE */ : 1 /* SQLITE_OPEN_READONLY */, nil)
    guard status == 0, let database else {
      let reason = database.flatMap { errorMessage($0) }.map { String(cString: $0) } ?? "error \(status)"
      _ = closeFunction(database)
      throw EncoreError.io(path: path, reason: "cannot open the SQLite store: \(reason)")
    }
    return database
  }

  func close(_ database: OpaquePointer) { _ = closeFunction(database) }

  /// Runs `sql` and calls `body` for each row; returns the number of rows.
  @discardableResult
  func rows(_ database: OpaquePointer, _ sql: String, path: String, _ body: (Row) throws -> Void) throws -> Int {
    var statement: OpaquePointer?
    guard prepareFunction(database, sql, -1, &statement, nil) == 0, let statement else {
      throw EncoreError.io(path: path, reason: "cannot read the SQLite store: \(String(cString: errorMessage(database)!))")
    }
    defer { _ = finalizeFunction(statement) }
    var count = 0
    while true {
      let status = stepFunction(statement)
      if status == 101 { return count }  // SQLITE_DONE
      guard status == 100 else {  // SQLITE_ROW
        throw EncoreError.io(path: path, reason: "cannot read the SQLite store: \(String(cString: errorMessage(database)!))")
      }
      try body(Row(library: self, statement: statement))
      count += 1
    }
  }
}
