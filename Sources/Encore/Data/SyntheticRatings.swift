import Foundation
import Synchronization

/// Realistic synthetic explicit ratings of any size, for the demo, the tests and the
/// benchmarks: users and items have latent tastes (rank-8 factors) and biases, item
/// popularity follows a Zipf-like law and user activity a log-normal one, and ratings are
/// rounded to the scale's step. The same shape and seed always give the same ratings.
public struct SyntheticRatings: Sendable {
  public struct Shape: Sendable, Equatable {
    public var users: Int
    public var items: Int
    public var ratings: Int
    /// Lowest and highest rating, and the step between ratings (1, or 0.5 for half stars).
    public var minimum: Float = 1
    public var maximum: Float = 5
    public var step: Float = 1
    public var seed: UInt64 = 7

    public init(users: Int, items: Int, ratings: Int, minimum: Float = 1, maximum: Float = 5, step: Float = 1, seed: UInt64 = 7) {
      self.users = users
      self.items = items
      self.ratings = ratings
      self.minimum = minimum
      self.maximum = maximum
      self.step = step
      self.seed = seed
    }

    /// The built-in demo set: MovieLens-100K's shape (943 users, 1,682 items, 100,000 ratings).
    public static let demo = Shape(users: 943, items: 1682, ratings: 100_000)
    /// MovieLens-20M's shape (138,493 users, 26,744 items, 20,000,263 ratings, half stars).
    public static let movieLens20M = Shape(users: 138_493, items: 26_744, ratings: 20_000_263, minimum: 0.5, maximum: 5, step: 0.5)
    /// The Netflix Prize training set's shape (480,189 users, 17,770 items, 100,480,507
    /// ratings, whole stars), DeepRecommender's headline data.
    /// ML-20M as Liang et al. keep it for implicit feedback (ratings > 3.5, users with 5 or
    /// more): 136,677 users × 20,108 items, 10M interactions.
    public static let movieLens20MImplicit = Shape(users: 136_677, items: 20_108, ratings: 9_990_682)
    public static let netflix = Shape(users: 480_189, items: 17_770, ratings: 100_480_507)
  }

  public var shape: Shape
  public init(shape: Shape) { self.shape = shape }

  static let rank = 8
  static let genres = ["Drama", "Comedy", "Thriller", "Romance", "Sci-Fi", "Animation", "Documentary", "Western"]

  /// Generates the ratings (user-major; IDs 1…users and 1…items) with item titles.
  public func generate() -> RatingData {
    let s = shape
    precondition(s.users > 0 && s.items > 0 && s.ratings > 0)
    let rank = SyntheticRatings.rank
    var rng = SeededGenerator(seed: s.seed, stream: 1)
    // Item factors, biases and popularity (Zipf-like over a random permutation of items).
    let itemFactors = (0..<(s.items * rank)).map { _ in Float(rng.nextGaussian()) * 0.45 }
    let itemBias = (0..<s.items).map { _ in Float(rng.nextGaussian()) * 0.45 }
    let permutation = Splitter.shuffledIndices(s.items, seed: s.seed, stream: 2)
    var popularity = [Double](repeating: 0, count: s.items)
    for (rankIndex, item) in permutation.enumerated() { popularity[item] = 1 / pow(Double(rankIndex) + 8, 0.95) }
    var cdf = [Double](repeating: 0, count: s.items)
    var acc = 0.0
    for i in 0..<s.items {
      acc += popularity[i]
      cdf[i] = acc
    }
    for i in 0..<s.items { cdf[i] /= acc }
    // User activity: log-normal weights scaled to the requested total, at most half the items.
    let cap = max(1, min(s.items / 2, s.items))
    var weights = (0..<s.users).map { _ in exp(rng.nextGaussian() * 1.0) }
    let weightSum = weights.reduce(0, +)
    var counts = [Int](repeating: 0, count: s.users)
    var assigned = 0
    for u in 0..<s.users {
      weights[u] /= weightSum
      counts[u] = min(cap, max(1, Int(weights[u] * Double(s.ratings))))
      assigned += counts[u]
    }
    // Adjust to the exact total, one rating at a time round-robin.
    var u = 0
    var guardCount = 0
    while assigned != s.ratings && guardCount < 4 * s.ratings {
      if assigned < s.ratings, counts[u] < cap { counts[u] += 1; assigned += 1 }
      else if assigned > s.ratings, counts[u] > 1 { counts[u] -= 1; assigned -= 1 }
      u = (u + 1) % s.users
      guardCount += 1
    }
    var start = [Int](repeating: 0, count: s.users + 1)
    for u in 0..<s.users { start[u + 1] = start[u] + counts[u] }
    let total = start[s.users]
    var users = [Int32](repeating: 0, count: total)
    var items = [Int32](repeating: 0, count: total)
    var values = [Float](repeating: 0, count: total)
    var timestamps = [Int64](repeating: 0, count: total)
    // Users in fixed chunks, each with its own random stream: identical on any core count.
    let chunkCount = min(64, s.users)
    users.withUnsafeMutableBufferPointer { up in
      items.withUnsafeMutableBufferPointer { ip in
        values.withUnsafeMutableBufferPointer { vp in
          timestamps.withUnsafeMutableBufferPointer { tp in
            let out = UncheckedSendable((up.baseAddress!, ip.baseAddress!, vp.baseAddress!, tp.baseAddress!))
            let shared = UncheckedSendable((itemFactors, itemBias, cdf, start))
            DispatchQueue.concurrentPerform(iterations: chunkCount) { chunk in
              let (uo, io, vo, to) = out.value
              let (itemFactors, itemBias, cdf, start) = shared.value
              var rng = SeededGenerator(seed: s.seed, stream: 100 + UInt64(chunk))
              var taken = [Bool](repeating: false, count: s.items)
              var factors = [Float](repeating: 0, count: rank)
              let lo = s.users * chunk / chunkCount, hi = s.users * (chunk + 1) / chunkCount
              for user in lo..<hi {
                let userBias = Float(rng.nextGaussian()) * 0.35
                for f in 0..<rank { factors[f] = Float(rng.nextGaussian()) * 0.45 }
                var time = Int64(946_684_800) + Int64(rng.next() % 500_000_000)
                let n = start[user + 1] - start[user]
                var chosen = 0
                var attempts = 0
                while chosen < n {
                  var item: Int
                  if attempts < 20 * n {
                    let x = rng.nextUnitDouble()
                    var a = 0, b = s.items - 1
                    while a < b {
                      let m = (a + b) / 2
                      if cdf[m] < x { a = m + 1 } else { b = m }
                    }
                    item = a
                  } else {
                    item = Int(rng.next() % UInt64(s.items))
                  }
                  attempts += 1
                  if taken[item] { continue }
                  taken[item] = true
                  var r: Float = 3.6 + userBias + itemBias[item]
                  for f in 0..<rank { r += factors[f] * itemFactors[item * rank + f] * 2.2 }
                  r += Float(rng.nextGaussian()) * 0.75
                  r = (r / s.step).rounded() * s.step
                  r = min(max(r, s.minimum), s.maximum)
                  let at = start[user] + chosen
                  uo[at] = Int32(user)
                  io[at] = Int32(item)
                  vo[at] = r
                  time += Int64(rng.next() % 86_400) + 1
                  to[at] = time
                  chosen += 1
                }
                for at in start[user]..<start[user + 1] { taken[Int(io[at])] = false }
              }
            }
          }
        }
      }
    }
    let userMap = IDMap(rawIDs: (1...s.users).map(String.init))
    let itemMap = IDMap(rawIDs: (1...s.items).map(String.init))
    var titles: [Int32: String] = [:]
    for i in 0..<s.items {
      titles[Int32(i)] = "Synthetic \(SyntheticRatings.genres[i % SyntheticRatings.genres.count]) #\(i + 1)"
    }
    return RatingData(
      ratings: RatingSet(users: users, items: items, values: values, timestamps: timestamps), users: userMap,
      items: itemMap, titles: titles,
      sourceDescription: "synthetic \(s.users) users x \(s.items) items, \(total) ratings (seed \(s.seed))")
  }

  /// Writes ratings as a MovieLens-style `ratings.csv` (header, `userId,movieId,rating,timestamp`),
  /// or with `pairs` as implicit feedback (header, `userId,movieId`: each rating an
  /// interaction), formatted on both cores and written atomically.
  public static func writeCSV(_ data: RatingData, to path: String, pairs: Bool = false) throws {
    let r = data.ratings
    let chunkCount = max(1, min(64, r.count / 100_000))
    var parts = [[UInt8]](repeating: [], count: chunkCount)
    parts.withUnsafeMutableBufferPointer { partsBuffer in
      let box = UncheckedSendable(partsBuffer.baseAddress!)
      let users = data.users.rawIDs, items = data.items.rawIDs
      let shared = UncheckedSendable((r, users, items))
      DispatchQueue.concurrentPerform(iterations: chunkCount) { c in
        let (r, users, items) = shared.value
        let lo = r.count * c / chunkCount, hi = r.count * (c + 1) / chunkCount
        var bytes = [UInt8]()
        bytes.reserveCapacity((hi - lo) * 28)
        for k in lo..<hi {
          bytes.append(contentsOf: users[Int(r.users[k])].utf8)
          bytes.append(UInt8(ascii: ","))
          bytes.append(contentsOf: items[Int(r.items[k])].utf8)
          if pairs {
            bytes.append(UInt8(ascii: "\n"))
            continue
          }
          bytes.append(UInt8(ascii: ","))
          let v = r.values[k]
          let whole = Int(v)
          appendInt(&bytes, Int64(whole))
          bytes.append(UInt8(ascii: "."))
          bytes.append(UInt8(48 + Int(((v - Float(whole)) * 10).rounded())))
          bytes.append(UInt8(ascii: ","))
          appendInt(&bytes, r.hasTimestamps ? r.timestamps[k] : 0)
          bytes.append(UInt8(ascii: "\n"))
        }
        box.value[c] = bytes
      }
    }
    var file = Data((pairs ? "userId,movieId\n" : "userId,movieId,rating,timestamp\n").utf8)
    for p in parts { file.append(contentsOf: p) }
    try AtomicFile.write(file, to: path)
  }

  /// Writes `data` in the Netflix Prize layout under `folder`: `training_set/mv_0000001.txt`
  /// and on, one file per item (`1:` then `customer,rating,YYYY-MM-DD` lines), as the Prize
  /// shipped it, so the Netflix reader can be timed at full size. Files are written in
  /// parallel, each whole (temporary file, then rename).
  public static func writeNetflix(_ data: RatingData, toFolder folder: String) throws {
    let r = data.ratings
    let itemCount = data.items.count
    let set = folder + "/training_set"
    try FileManager.default.createDirectory(atPath: set, withIntermediateDirectories: true)
    // Ratings grouped by item (counting sort), in file order within each item.
    var start = [Int](repeating: 0, count: itemCount + 1)
    for i in r.items { start[Int(i) + 1] += 1 }
    for i in 0..<itemCount { start[i + 1] += start[i] }
    var next = start
    var order = [Int32](repeating: 0, count: r.count)
    for k in 0..<r.count {
      let i = Int(r.items[k])
      order[next[i]] = Int32(k)
      next[i] += 1
    }
    let shared = UncheckedSendable((r, data.users.rawIDs, data.items.rawIDs, start, order))
    let failure = Mutex<(any Error)?>(nil)
    DispatchQueue.concurrentPerform(iterations: 64) { chunk in
      let (r, users, items, start, order) = shared.value
      for item in (itemCount * chunk / 64)..<(itemCount * (chunk + 1) / 64) {
        var bytes = [UInt8]()
        bytes.reserveCapacity((start[item + 1] - start[item]) * 20 + 16)
        bytes.append(contentsOf: items[item].utf8)
        bytes.append(UInt8(ascii: ":"))
        bytes.append(UInt8(ascii: "\n"))
        for q in start[item]..<start[item + 1] {
          let k = Int(order[q])
          bytes.append(contentsOf: users[Int(r.users[k])].utf8)
          bytes.append(UInt8(ascii: ","))
          appendInt(&bytes, Int64(r.values[k].rounded()))
          bytes.append(UInt8(ascii: ","))
          appendDate(&bytes, r.hasTimestamps ? r.timestamps[k] : 1_104_537_600)
          bytes.append(UInt8(ascii: "\n"))
        }
        let name = String(Int(items[item]) ?? item + 1)
        let path = set + "/mv_" + String(repeating: "0", count: max(0, 7 - name.count)) + name + ".txt"
        do { try AtomicFile.write(Data(bytes), to: path) } catch { failure.withLock { if $0 == nil { $0 = error } } }
      }
    }
    if let error = failure.withLock({ $0 }) { throw error }
  }

  /// Appends the UTC date of Unix time `seconds` as YYYY-MM-DD (Hinnant's civil-from-days).
  private static func appendDate(_ bytes: inout [UInt8], _ seconds: Int64) {
    let z = (seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400) + 719_468
    let era = (z >= 0 ? z : z - 146_096) / 146_097
    let doe = z - era * 146_097
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
    let mp = (5 * doy + 2) / 153
    let day = doy - (153 * mp + 2) / 5 + 1
    let month = mp < 10 ? mp + 3 : mp - 9
    let year = yoe + era * 400 + (month <= 2 ? 1 : 0)
    appendInt(&bytes, year)
    for part in [month, day] {
      bytes.append(UInt8(ascii: "-"))
      bytes.append(UInt8(48 + part / 10))
      bytes.append(UInt8(48 + part % 10))
    }
  }

  private static func appendInt(_ bytes: inout [UInt8], _ value: Int64) {
    if value == 0 {
      bytes.append(48)
      return
    }
    var v = value
    if v < 0 {
      bytes.append(UInt8(ascii: "-"))
      v = -v
    }
    var digits: [UInt8] = []
    while v > 0 {
      digits.append(UInt8(48 + v % 10))
      v /= 10
    }
    bytes.append(contentsOf: digits.reversed())
  }
}
