/// Keeps the users and items with enough ratings, as the seeds do in pandas before training
/// (`groupby(...).filter(lambda g: len(g) >= n)`). Removing a user can leave an item short
/// and the reverse, so the filter repeats until every remaining user and item has its
/// minimum (a k-core); the maps are then rebuilt so removed IDs are gone, not empty.
public struct ActivityFilter: Sendable, Equatable {
  /// Ratings a user needs to stay (1: no filter).
  public var minimumUserRatings: Int
  /// Ratings an item needs to stay (1: no filter).
  public var minimumItemRatings: Int

  public init(minimumUserRatings: Int = 1, minimumItemRatings: Int = 1) {
    self.minimumUserRatings = minimumUserRatings
    self.minimumItemRatings = minimumItemRatings
  }

  /// Whether the filter removes anything at all.
  public var isActive: Bool { minimumUserRatings > 1 || minimumItemRatings > 1 }

  /// What was removed.
  public struct Removed: Codable, Sendable, Equatable {
    public var ratings = 0, users = 0, items = 0
  }

  /// `data` without the users and items below their minimum, with rebuilt ID maps and titles.
  public func apply(to data: RatingData) throws -> (data: RatingData, removed: Removed) {
    guard minimumUserRatings >= 1 else { throw EncoreError.invalidSetting("min-user-ratings", "must be at least 1") }
    guard minimumItemRatings >= 1 else { throw EncoreError.invalidSetting("min-item-ratings", "must be at least 1") }
    let r = data.ratings
    var keep = [Bool](repeating: true, count: r.count)
    var changed = isActive
    while changed {
      changed = false
      var perUser = [Int](repeating: 0, count: data.users.count), perItem = [Int](repeating: 0, count: data.items.count)
      for k in 0..<r.count where keep[k] {
        perUser[Int(r.users[k])] += 1
        perItem[Int(r.items[k])] += 1
      }
      for k in 0..<r.count where keep[k] {
        if perUser[Int(r.users[k])] < minimumUserRatings || perItem[Int(r.items[k])] < minimumItemRatings {
          keep[k] = false
          changed = true
        }
      }
    }
    var kept = r.subset((0..<r.count).filter { keep[$0] })
    if kept.isEmpty && !r.isEmpty {
      throw EncoreError.invalidArgument(
        "no rating is left after keeping users with at least \(minimumUserRatings) and items with at least \(minimumItemRatings) ratings (\(data.sourceDescription) has \(r.count)); lower --min-user-ratings or --min-item-ratings")
    }
    kept.skippedLines = r.skippedLines
    // New maps hold the IDs that still have ratings, in their old order.
    var userIndex = [Int32](repeating: -1, count: data.users.count), itemIndex = [Int32](repeating: -1, count: data.items.count)
    for u in kept.users { userIndex[Int(u)] = 0 }
    for i in kept.items { itemIndex[Int(i)] = 0 }
    var users = IDMap(), items = IDMap()
    for (old, raw) in data.users.rawIDs.enumerated() where userIndex[old] == 0 { userIndex[old] = users.insert(raw) }
    for (old, raw) in data.items.rawIDs.enumerated() where itemIndex[old] == 0 { itemIndex[old] = items.insert(raw) }
    kept.users = kept.users.map { userIndex[Int($0)] }
    kept.items = kept.items.map { itemIndex[Int($0)] }
    var titles: [Int32: String] = [:]
    for (old, title) in data.titles where itemIndex[Int(old)] >= 0 { titles[itemIndex[Int(old)]] = title }
    let removed = Removed(ratings: r.count - kept.count, users: data.users.count - users.count, items: data.items.count - items.count)
    var description = data.sourceDescription
    if isActive {
      description += " (kept users with ≥ \(minimumUserRatings) and items with ≥ \(minimumItemRatings) ratings: removed \(removed.ratings) ratings, \(removed.users) users, \(removed.items) items)"
    }
    return (RatingData(ratings: kept, users: users, items: items, titles: titles, sourceDescription: description), removed)
  }
}
