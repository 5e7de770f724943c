/// The baseline estimate r̂ = μ + b_u + b_i fitted by alternating least squares exactly as
/// surprise's `BaselineOnly` (method "als"): 10 epochs of
///   b_i = Σ_{u∈R(i)} (r_ui − μ − b_u) / (λ_i + |R(i)|),  then
///   b_u = Σ_{i∈R(u)} (r_ui − μ − b_i) / (λ_u + |R(u)|),
/// with λ_u = 15 and λ_i = 10. Encore uses it as a model of its own and as the fallback for
/// users or items that have no training ratings.
public struct BiasBaseline: Codable, Sendable, Equatable {
  public var globalMean: Float
  public var userBias: [Float]
  public var itemBias: [Float]

  public init(globalMean: Float, userBias: [Float], itemBias: [Float]) {
    self.globalMean = globalMean
    self.userBias = userBias
    self.itemBias = itemBias
  }

  /// surprise's reg_u and reg_i.
  public static let userRegularization = 15.0
  public static let itemRegularization = 10.0

  /// The regularisation of the biases of rows that are items (λ_i) or users (λ_u).
  public static func rowRegularization(itemRows: Bool) -> Double { itemRows ? itemRegularization : userRegularization }

  /// Fits the baseline on `ratings` over `userCount` users and `itemCount` items.
  public init(
    fitting ratings: RatingSet, userCount: Int, itemCount: Int, epochs: Int = 10, userRegularization: Double = Self.userRegularization,
    itemRegularization: Double = Self.itemRegularization
  ) {
    let mu = ratings.mean
    var bu = [Double](repeating: 0, count: userCount)
    var bi = [Double](repeating: 0, count: itemCount)
    var userN = [Double](repeating: 0, count: userCount)
    var itemN = [Double](repeating: 0, count: itemCount)
    for k in 0..<ratings.count {
      userN[Int(ratings.users[k])] += 1
      itemN[Int(ratings.items[k])] += 1
    }
    var sum = [Double](repeating: 0, count: max(userCount, itemCount))
    for _ in 0..<epochs {
      for i in 0..<itemCount { sum[i] = 0 }
      for k in 0..<ratings.count {
        sum[Int(ratings.items[k])] += Double(ratings.values[k]) - mu - bu[Int(ratings.users[k])]
      }
      for i in 0..<itemCount { bi[i] = sum[i] / (itemRegularization + itemN[i]) }
      for u in 0..<userCount { sum[u] = 0 }
      for k in 0..<ratings.count {
        sum[Int(ratings.users[k])] += Double(ratings.values[k]) - mu - bi[Int(ratings.items[k])]
      }
      for u in 0..<userCount { bu[u] = sum[u] / (userRegularization + userN[u]) }
    }
    self.init(globalMean: Float(mu), userBias: bu.map(Float.init), itemBias: bi.map(Float.init))
  }

  /// The row biases of `rows` (users' or items' rating vectors) in closed form given the column
  /// biases: b_r = Σ_{c∈R(r)} (x_rc − μ − b_c) / (λ_r + |R(r)|), one more half-step of the
  /// alternating fit. It is what a network's graph can compute from a rating vector alone, and
  /// for user rows it is the fit's own last step.
  public func rowBiases(of rows: SparseMatrix, itemRows: Bool) -> [Float] {
    let columnBias = itemRows ? userBias : itemBias
    let lambda = Self.rowRegularization(itemRows: itemRows)
    return (0..<rows.rowCount).map { r in
      var sum = 0.0
      let range = Int(rows.rowStart[r])..<Int(rows.rowStart[r + 1])
      for k in range {
        let c = Int(rows.columns[k])
        sum += Double(rows.values[k]) - Double(globalMean) - Double(c < columnBias.count ? columnBias[c] : 0)
      }
      return Float(sum / (lambda + Double(range.count)))
    }
  }

  /// This baseline with the row biases of `rows` replaced by `rowBiases(of:itemRows:)`.
  public func refittingRowBiases(on rows: SparseMatrix, itemRows: Bool) -> BiasBaseline {
    var b = self
    if itemRows { b.itemBias = rowBiases(of: rows, itemRows: true) } else { b.userBias = rowBiases(of: rows, itemRows: false) }
    return b
  }

  /// μ + b_i: the estimate for a user the baseline has no bias for.
  @inline(__always) public func predict(item: Int32) -> Float {
    let i = Int(item)
    return globalMean + (i >= 0 && i < itemBias.count ? itemBias[i] : 0)
  }

  /// μ + b_u + b_i, with a zero bias for an index outside the fitted range.
  @inline(__always) public func predict(user: Int32, item: Int32) -> Float {
    let u = Int(user), i = Int(item)
    return globalMean + (u < userBias.count ? userBias[u] : 0) + (i < itemBias.count ? itemBias[i] : 0)
  }
}
