/// Finds ratings of the same user and item within one file and applies a `DuplicatePolicy`.
/// Works in O(n log d): ratings are grouped by user with a counting sort, then each user's
/// items are sorted, so a 20 M-line file is checked in about a second.
enum Deduplicator {
  static func apply(
    _ policy: DuplicatePolicy, to set: RatingSet, lines: [Int32], file: String,
    users: IDMap, items: IDMap
  ) throws -> RatingSet {
    let n = set.count
    var userCount = 0
    for u in set.users { userCount = max(userCount, Int(u) + 1) }
    // Rating indices ordered by (user, item, file position).
    var order: [Int32]
    if userCount > 2 * n + 1_024 {
      // Few ratings of users numbered across a larger set (one of the Netflix Prize's 17,770
      // files): one sort, not a counting pass over every user index.
      order = (0..<Int32(n)).map { $0 }
      set.users.withUnsafeBufferPointer { usersOf in
        set.items.withUnsafeBufferPointer { itemsOf in
          order.sort { a, b in
            let ua = usersOf[Int(a)], ub = usersOf[Int(b)]
            if ua != ub { return ua < ub }
            let ia = itemsOf[Int(a)], ib = itemsOf[Int(b)]
            return ia != ib ? ia < ib : a < b
          }
        }
      }
    } else {
      // Counting sort by user (stable, so file order is kept within a user), then each user's
      // ratings sorted by item.
      var start = [Int](repeating: 0, count: userCount + 1)
      for u in set.users { start[Int(u) + 1] += 1 }
      for u in 0..<userCount { start[u + 1] += start[u] }
      order = [Int32](repeating: 0, count: n)
      var fill = start
      for k in 0..<n {
        let u = Int(set.users[k])
        order[fill[u]] = Int32(k)
        fill[u] += 1
      }
      set.items.withUnsafeBufferPointer { itemsOf in
        order.withUnsafeMutableBufferPointer { order in
          for u in 0..<userCount where start[u + 1] - start[u] > 1 {
            var slice = UnsafeMutableBufferPointer(rebasing: order[start[u]..<start[u + 1]])
            slice.sort { a, b in
              let ia = itemsOf[Int(a)], ib = itemsOf[Int(b)]
              return ia != ib ? ia < ib : a < b
            }
          }
        }
      }
    }
    // Equal (user, item) neighbours are duplicates.
    var duplicateGroups: [[Int32]] = []
    set.users.withUnsafeBufferPointer { usersOf in
      set.items.withUnsafeBufferPointer { itemsOf in
        func same(_ a: Int32, _ b: Int32) -> Bool { usersOf[Int(a)] == usersOf[Int(b)] && itemsOf[Int(a)] == itemsOf[Int(b)] }
        var k = 0
        while k < n {
          var j = k + 1
          while j < n && same(order[j], order[k]) { j += 1 }
          if j - k > 1 { duplicateGroups.append(Array(order[k..<j])) }
          k = j
        }
      }
    }
    if duplicateGroups.isEmpty { return set }
    switch policy {
    case .error:
      // Report the duplicate that occurs first in the file.
      let group = duplicateGroups.min { $0[1] < $1[1] }!
      let first = Int(group[0]), second = Int(group[1])
      throw EncoreError.duplicateRating(
        file: file, line: Int(lines[second]), user: users.rawIDs[Int(set.users[second])],
        item: items.rawIDs[Int(set.items[second])], firstLine: Int(lines[first]))
    case .keepLast, .mean:
      var keep = [Bool](repeating: true, count: n)
      var result = set
      for group in duplicateGroups {
        let last = Int(group[group.count - 1])
        if policy == .mean {
          var sum = 0.0
          for k in group { sum += Double(set.values[Int(k)]) }
          result.values[last] = Float(sum / Double(group.count))
        }
        for k in group.dropLast() { keep[Int(k)] = false }
      }
      return result.subset((0..<n).filter { keep[$0] })
    }
  }
}
