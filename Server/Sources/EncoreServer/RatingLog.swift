import Encore
import Foundation
import GRDB
import Synchronization

/// One rating received by the server, with raw IDs.
struct ReceivedRating: Sendable {
  var user: String
  var item: String
  var rating: Float
  var timestamp: Int64?
}

/// The durable log of received ratings (SQLite in WAL mode, the layout of
/// `Encore.RatingStore`), and the same ratings in memory by user, so a user's next
/// recommendation folds them in without touching the disk.
///
/// A batch is acknowledged only after its transaction commits with `synchronous = FULL`:
/// an acknowledged rating survives a kill -9 (and a power cut), and a batch that did not
/// commit is not in the store at all.
final class RatingLog: Sendable {
  let path: String
  private let pool: DatabasePool
  /// user → item → latest rating, and a per-user count of batches (profiles cached for an
  /// older count are stale).
  private let byUser = Mutex<[String: UserEntries]>([:])
  private let total = Atomic<Int>(0)

  struct UserEntries: Sendable {
    var ratings: [String: Float] = [:]
    var revision = 0
  }

  init(path: String) throws {
    self.path = path
    var configuration = Configuration()
    configuration.prepareDatabase { db in
      try db.execute(sql: "PRAGMA synchronous = FULL")
    }
    configuration.busyMode = .timeout(5)
    do {
      pool = try DatabasePool(path: path, configuration: configuration)
      try pool.write { db in
        for statement in RatingStore.schema { try db.execute(sql: statement) }
      }
    } catch {
      throw EncoreError.io(path: path, reason: "cannot open the rating store: \(error)")
    }
    var loaded: [String: UserEntries] = [:]
    var count = 0
    try pool.read { db in
      let rows = try Row.fetchCursor(db, sql: "SELECT user, item, rating FROM ratings ORDER BY id")
      while let row = try rows.next() {
        let user: String = row[0], item: String = row[1], rating: Double = row[2]
        loaded[user, default: UserEntries()].ratings[item] = Float(rating)
        count += 1
      }
    }
    byUser.withLock { $0 = loaded }
    total.store(count, ordering: .relaxed)
  }

  /// Stores `batch` in one transaction and returns once it is durable; then the ratings are
  /// visible to recommendations.
  func append(_ batch: [ReceivedRating]) async throws {
    let now = Date().timeIntervalSince1970
    try await pool.write { db in
      let statement = try db.makeStatement(
        sql: "INSERT INTO ratings (user, item, rating, timestamp, received_at) VALUES (?, ?, ?, ?, ?)")
      for r in batch {
        try statement.execute(arguments: [r.user, r.item, Double(r.rating), r.timestamp, now])
      }
    }
    byUser.withLock { users in
      for r in batch {
        users[r.user, default: UserEntries()].ratings[r.item] = r.rating
      }
      for user in Set(batch.map(\.user)) { users[user]!.revision += 1 }
    }
    total.add(batch.count, ordering: .relaxed)
  }

  /// A user's stored ratings (latest per item), or nil when there are none.
  func entries(of user: String) -> UserEntries? { byUser.withLock { $0[user] } }

  /// Ratings stored since the store was created.
  var count: Int { total.load(ordering: .relaxed) }
  var userCount: Int { byUser.withLock { $0.count } }

  /// Whether a write transaction can be started now (for readiness).
  func isWritable() async -> Bool {
    do {
      try await pool.write { db in try db.execute(sql: "PRAGMA user_version = 1") }  // the layout's version
      return true
    } catch {
      return false
    }
  }
}
