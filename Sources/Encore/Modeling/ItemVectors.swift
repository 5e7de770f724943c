/// One vector per item in a model's own representation: I-AutoRec's codes, a user-based
/// network's decoder rows, a factor model's q_i. Items without training ratings have none.
public struct ItemVectors: Sendable {
  public var width: Int
  /// items × width, row-major.
  public var values: [Float]
  /// Whether each item has a vector worth comparing (it had training ratings).
  public var present: [Bool]
  /// What the vectors are, for reports (e.g. "item codes").
  public var kind: String

  public init(width: Int, values: [Float], present: [Bool], kind: String) {
    precondition(values.count == present.count * width)
    self.width = width
    self.values = values
    self.present = present
    self.kind = kind
  }

  /// The `count` items nearest to `item` by cosine similarity (itself excluded), best first,
  /// ties broken by index.
  public func nearest(to item: Int32, count: Int, compute: ComputeContext) -> [(item: Int32, similarity: Float)] {
    let n = present.count, w = width
    guard Int(item) < n, present[Int(item)] else { return [] }
    var similarity = [Float](repeating: -.infinity, count: n)
    values.withUnsafeBufferPointer { v in
      similarity.withUnsafeMutableBufferPointer { out in
        let box = UncheckedSendable((v.baseAddress!, out.baseAddress!))
        let query = v.baseAddress! + Int(item) * w
        let queryNorm = SparseKernels.dot(query, query, count: w).squareRoot()
        let present = self.present
        compute.forRanges(n, grain: 256) { lo, hi in
          let (v, out) = box.value
          for i in lo..<hi where present[i] && i != Int(item) {
            let row = v + i * w
            let norm = SparseKernels.dot(row, row, count: w).squareRoot() * queryNorm
            out[i] = norm > 0 ? SparseKernels.dot(row, query, count: w) / norm : 0
          }
        }
      }
    }
    let ranked = (0..<n).filter { similarity[$0] > -.infinity }
      .sorted { similarity[$0] != similarity[$1] ? similarity[$0] > similarity[$1] : $0 < $1 }
    return ranked.prefix(count).map { (Int32($0), similarity[$0]) }
  }
}
