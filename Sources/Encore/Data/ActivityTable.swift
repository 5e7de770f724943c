import Foundation

/// Per-user or per-item activity, as seeds compute it in pandas
/// (`groupby('userId')['rating'].agg(['count', 'mean'])`): the count and mean rating of every
/// ID, the most active ones, and the least and most activity.
public struct ActivityTable: Codable, Sendable {
  /// One user's or item's activity.
  public struct Row: Codable, Sendable, Equatable {
    public var id: String
    public var count: Int
    public var meanRating: Double
    /// The item's title, where the data has titles.
    public var title: String?
    enum CodingKeys: String, CodingKey { case id, count, title, meanRating = "mean_rating" }
  }

  public var minimumCount: Int
  public var maximumCount: Int
  public var meanCount: Double
  public var medianCount: Int
  /// The most active IDs, most ratings first (ties: file order).
  public var top: [Row]
  /// Every ID with its count and mean, in index (first-appearance) order; not encoded.
  public var rows: [Row] = []

  enum CodingKeys: String, CodingKey {
    case top, minimumCount = "min_ratings", maximumCount = "max_ratings", meanCount = "mean_ratings", medianCount = "median_ratings"
  }

  /// The activity of each index of `ids` in `indices` (the users or items of `ratings`).
  public init(indices: [Int32], values: [Float], ids: IDMap, titles: [Int32: String] = [:], top topCount: Int = 10) {
    var counts = [Int](repeating: 0, count: ids.count), sums = [Double](repeating: 0, count: ids.count)
    for (k, index) in indices.enumerated() {
      counts[Int(index)] += 1
      sums[Int(index)] += Double(values[k])
    }
    let rows = (0..<ids.count).map { i in
      Row(id: ids.rawIDs[i], count: counts[i], meanRating: counts[i] > 0 ? sums[i] / Double(counts[i]) : 0, title: titles[Int32(i)])
    }
    self.rows = rows
    minimumCount = counts.min() ?? 0
    maximumCount = counts.max() ?? 0
    meanCount = counts.isEmpty ? 0 : Double(indices.count) / Double(counts.count)
    medianCount = DatasetInfo.median(counts)
    let order = (0..<ids.count).sorted { counts[$0] != counts[$1] ? counts[$0] > counts[$1] : $0 < $1 }
    top = order.prefix(topCount).map { rows[$0] }
  }

  /// The whole table as CSV (`id,count,mean_rating[,title]`), for pandas or a spreadsheet.
  public func csv(idHeader: String) -> String {
    let titled = rows.contains { $0.title != nil }
    var lines = [idHeader + ",count,mean_rating" + (titled ? ",title" : "")]
    for r in rows {
      var line = "\(CSVField.quoted(r.id)),\(r.count),\(String(format: "%.4f", r.meanRating))"
      if titled { line += "," + CSVField.quoted(r.title ?? "") }
      lines.append(line)
    }
    return lines.joined(separator: "\n") + "\n"
  }
}
