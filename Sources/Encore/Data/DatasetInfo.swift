import Foundation

/// A summary of a rating set: sizes, density, activity, rating histogram and time span.
public struct DatasetInfo: Codable, Sendable {
  public var data: String
  public var ratings: Int
  public var users: Int
  public var items: Int
  public var density: Double
  public var meanRating: Double
  public var minRating: Float
  public var maxRating: Float
  /// Count of each distinct rating value, keyed by the value as text ("3.5").
  public var histogram: [String: Int]
  public var ratingsPerUserMedian: Int
  public var ratingsPerItemMedian: Int
  public var firstTimestamp: Int64?
  public var lastTimestamp: Int64?
  public var titles: Int
  public var loadSeconds: Double
  /// Lines skipped as invalid (`--drop-invalid`), with the first few.
  public var skippedLines: SkippedLines
  /// Ratings per user and per item: counts and means, the most active, least and most activity.
  public var userActivity: ActivityTable
  public var itemActivity: ActivityTable

  enum CodingKeys: String, CodingKey {
    case data, ratings, users, items, density, histogram, titles
    case meanRating = "mean_rating", minRating = "min_rating", maxRating = "max_rating"
    case ratingsPerUserMedian = "ratings_per_user_median", ratingsPerItemMedian = "ratings_per_item_median"
    case firstTimestamp = "first_timestamp", lastTimestamp = "last_timestamp", loadSeconds = "load_seconds"
    case skippedLines = "skipped_lines", userActivity = "users_activity", itemActivity = "items_activity"
  }

  /// The summary of `d`, listing the `top` most active users and items.
  public init(_ d: RatingData, seconds: Double, top: Int = 10) {
    let r = d.ratings
    data = d.sourceDescription
    ratings = r.count
    users = d.users.count
    items = d.items.count
    density = Double(r.count) / (Double(max(users, 1)) * Double(max(items, 1)))
    meanRating = r.mean
    let scale = RatingScale(of: r.values)
    minRating = scale.minimum
    maxRating = scale.maximum
    var counts: [Float: Int] = [:]
    for v in r.values { counts[v, default: 0] += 1 }
    histogram = Dictionary(uniqueKeysWithValues: counts.map { (DatasetInfo.label($0.key), $0.value) })
    userActivity = ActivityTable(indices: r.users, values: r.values, ids: d.users, top: top)
    itemActivity = ActivityTable(indices: r.items, values: r.values, ids: d.items, titles: d.titles, top: top)
    ratingsPerUserMedian = userActivity.medianCount
    ratingsPerItemMedian = itemActivity.medianCount
    skippedLines = r.skippedLines
    firstTimestamp = r.timestamps.min()
    lastTimestamp = r.timestamps.max()
    titles = d.titles.count
    loadSeconds = seconds
  }

  public static func label(_ v: Float) -> String {
    v == v.rounded() && abs(v) < 1e15 ? String(Int(v)) : String(format: "%g", v)
  }

  static func median(_ values: [Int]) -> Int {
    guard !values.isEmpty else { return 0 }
    var v = values
    let mid = v.count / 2
    v.withUnsafeMutableBufferPointer { b in b.sort() }
    return v[mid]
  }

  /// A human-readable rendering.
  public var text: String {
    var lines = [
      "data         \(data)",
      "ratings      \(ratings)",
      "users        \(users) (ratings each: median \(ratingsPerUserMedian), mean \(String(format: "%.1f", userActivity.meanCount)), from \(userActivity.minimumCount) to \(userActivity.maximumCount))",
      "items        \(items) (ratings each: median \(ratingsPerItemMedian), mean \(String(format: "%.1f", itemActivity.meanCount)), from \(itemActivity.minimumCount) to \(itemActivity.maximumCount))",
      String(format: "density      %.4f%%", density * 100),
      String(format: "ratings      mean %.3f, from %g to %g", meanRating, minRating, maxRating),
    ]
    let total = max(ratings, 1)
    for key in histogram.keys.sorted(by: { Float($0)! < Float($1)! }) {
      let n = histogram[key]!
      let bar = String(repeating: "#", count: Int((Double(n) / Double(total) * 50).rounded()))
      let label = String(repeating: " ", count: max(0, 5 - key.count)) + key
      lines.append("  \(label)" + String(format: "  %10d  %5.1f%%  ", n, Double(n) / Double(total) * 100) + bar)
    }
    if let a = firstTimestamp, let b = lastTimestamp {
      let f = ISO8601DateFormatter()
      lines.append("time         \(f.string(from: Date(timeIntervalSince1970: Double(a)))) to \(f.string(from: Date(timeIntervalSince1970: Double(b))))")
    }
    if titles > 0 { lines.append("titles       \(titles)") }
    if skippedLines.count > 0 { lines.append("skipped      \(skippedLines.count) invalid lines; the first: \(skippedLines.examples.first ?? "")") }
    for (label, table) in [("users", userActivity), ("items", itemActivity)] where !table.top.isEmpty {
      lines.append("most active \(label):")
      for row in table.top {
        let id = row.id.count < 12 ? row.id + String(repeating: " ", count: 12 - row.id.count) : row.id
        lines.append("  \(id) " + String(format: "%7d ratings, mean %.2f", row.count, row.meanRating) + (row.title.map { "  \($0)" } ?? ""))
      }
    }
    lines.append(String(format: "loaded in    %.2fs", loadSeconds))
    return lines.joined(separator: "\n")
  }
}
