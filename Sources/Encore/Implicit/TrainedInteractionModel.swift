import Foundation

/// A trained implicit model with what recommending from it needs: the items' raw IDs (one per
/// model column), the training users' IDs and items (so a known user's items are excluded),
/// and titles.
public struct TrainedInteractionModel: Sendable {
  public var model: any InteractionModel
  public var itemIDs: [String]
  public var userIDs: [String]
  /// Training users × model items.
  public var interactions: SparseMatrix
  public var titles: [String: String]
  public var positiveRule: String

  public init(model: any InteractionModel, itemIDs: [String], userIDs: [String], interactions: SparseMatrix, titles: [String: String], positiveRule: String) {
    self.model = model
    self.itemIDs = itemIDs
    self.userIDs = userIDs
    self.interactions = interactions
    self.titles = titles
    self.positiveRule = positiveRule
  }

  /// The top `count` items for a user who chose `items` (raw IDs; unknown ones are returned
  /// apart), never one of `items` itself: a fold-in, identical to scoring a held-out user.
  public func recommend(forItems items: [String], count: Int, compute: ComputeContext = .serial) throws -> (recommendations: [(item: String, title: String?, score: Float)], unknown: [String]) {
    guard count >= 1 else { throw EncoreError.invalidSetting("k", "must be at least 1") }
    var column: [String: Int32] = [:]
    for (c, id) in itemIDs.enumerated() { column[id] = Int32(c) }
    var known: [Int32] = [], unknown: [String] = []
    for id in items {
      if let c = column[id] { known.append(c) } else { unknown.append(id) }
    }
    let row = SparseMatrix(binaryRows: [Array(Set(known))], columnCount: itemIDs.count)
    var scores = [Float](repeating: 0, count: itemIDs.count)
    scores.withUnsafeMutableBufferPointer { model.score(row, rows: 0..<1, into: $0.baseAddress!, compute: compute) }
    for c in known { scores[Int(c)] = -.infinity }
    let top = scores.withUnsafeBufferPointer { TopK.indices(of: $0, k: count) }.filter { scores[$0] > -.infinity }
    return (top.map { (itemIDs[$0], titles[itemIDs[$0]], scores[$0]) }, unknown)
  }

  /// The items of training user `user` (raw ID), or nil for an unknown user.
  public func items(ofUser user: String) -> [String]? {
    guard let r = userIDs.firstIndex(of: user) else { return nil }
    return interactions.row(r).map { itemIDs[Int($0)] }
  }
}
