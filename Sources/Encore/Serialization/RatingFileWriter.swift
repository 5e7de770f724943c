import Foundation

/// Writes ratings as a MovieLens-style CSV (`userId,movieId,rating[,timestamp]`, raw IDs,
/// quoted when they hold a comma or a quote), atomically, so a split can be saved and read
/// back by Encore, pandas or surprise (seed 004 saves train_ratings.csv this way).
public enum RatingFileWriter {
  /// Writes `ratings` of `users` and `items` to `path`.
  public static func writeCSV(_ ratings: RatingSet, users: IDMap, items: IDMap, to path: String) throws {
    var bytes = [UInt8]()
    bytes.reserveCapacity(ratings.count * 24 + 64)
    bytes += Array((ratings.hasTimestamps ? "userId,movieId,rating,timestamp\n" : "userId,movieId,rating\n").utf8)
    var labels: [Float: [UInt8]] = [:]
    let userIDs = users.rawIDs.map { Array(CSVField.quoted($0).utf8) }
    let itemIDs = items.rawIDs.map { Array(CSVField.quoted($0).utf8) }
    for k in 0..<ratings.count {
      bytes += userIDs[Int(ratings.users[k])]
      bytes.append(UInt8(ascii: ","))
      bytes += itemIDs[Int(ratings.items[k])]
      bytes.append(UInt8(ascii: ","))
      let v = ratings.values[k]
      if let label = labels[v] {
        bytes += label
      } else {
        let label = Array(DatasetInfo.label(v).utf8)
        labels[v] = label
        bytes += label
      }
      if ratings.hasTimestamps {
        bytes.append(UInt8(ascii: ","))
        bytes += Array(String(ratings.timestamps[k]).utf8)
      }
      bytes.append(UInt8(ascii: "\n"))
    }
    try AtomicFile.write(Data(bytes), to: path)
  }
}
