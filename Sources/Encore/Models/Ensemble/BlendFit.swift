/// How an ensemble turns its members' predictions into one: intercept + Σ wᵢ·pᵢ, where a
/// support-weighted blend lets the intercept and each wᵢ vary with the pair's features
/// (`SupportWeighting`).
public struct MemberCombiner: Sendable, Equatable {
  public var intercept: Float
  public var weights: [Float]
  /// The weights' dependence on the user's and item's supports; nil for a plain combination.
  public var support: SupportWeighting?

  public init(intercept: Float, weights: [Float], support: SupportWeighting? = nil) {
    self.intercept = intercept
    self.weights = weights
    self.support = support
  }

  /// The plain mean of `count` members.
  public static func average(count: Int) -> MemberCombiner {
    MemberCombiner(intercept: 0, weights: Array(repeating: 1 / Float(count), count: count))
  }

  /// The combined value of the members' predictions (unclipped), for a combination that does
  /// not depend on supports.
  @inline(__always) func combine(_ value: (Int) -> Float) -> Float {
    precondition(support == nil, "a support-weighted combination needs the pair's supports")
    var sum = intercept
    for i in weights.indices { sum += weights[i] * value(i) }
    return sum
  }

  /// The combined value for a pair whose user and item have these many training ratings
  /// (unclipped); `value(i)` is called once per member.
  @inline(__always) func combine(userSupport: Int, itemSupport: Int, _ value: (Int) -> Float) -> Float {
    guard let support else { return combine(value) }
    let g = support.features(userSupport: userSupport, itemSupport: itemSupport)
    var sum = intercept + (g * support.intercept).sum()
    for i in weights.indices { sum += (weights[i] + (g * support.weights[i]).sum()) * value(i) }
    return sum
  }
}

/// Fits a blend's weights by ridge regression of the ratings on the members' predictions
/// (centred, intercept unpenalised), the Netflix Prize's linear blend. The ridge is chosen by
/// 5-fold cross-validation over the same ratings, from none to strong, so that correlated
/// members (they always are) do not get wild weights. Given each rating's supports, it fits a
/// support-weighted blend: the regressors are then every prediction times every feature
/// (the constant included) and the features themselves.
public struct BlendFit {
  /// Candidate ridges, per rating: λ = α·n.
  public static let ridges: [Double] = [0, 1e-4, 1e-3, 1e-2, 0.1, 1]
  static let folds = 5

  public let combiner: MemberCombiner
  /// The chosen α, and every candidate's cross-validated RMSE.
  public let ridge: Double
  public let crossValidatedRMSE: [Double]

  /// `predictions[m][r]` is member m's prediction of rating r; `targets[r]` the rating;
  /// `supports[r]`, when given, the training ratings of rating r's user and item.
  public init(predictions: [[Float]], targets: [Float], supports: [(user: Int, item: Int)]? = nil, seed: UInt64) {
    let n = targets.count, members = predictions.count
    var columns = predictions
    var weighting: SupportWeighting?
    if let supports {
      precondition(supports.count == n)
      let s = SupportWeighting.standardisation(supports)
      let w = SupportWeighting(
        userMean: s.userMean, userScale: s.userScale, itemMean: s.itemMean, itemScale: s.itemScale, intercept: .zero,
        weights: Array(repeating: .zero, count: members))
      let features = supports.map { w.features(userSupport: $0.user, itemSupport: $0.item) }
      for f in 0..<SupportWeighting.featureCount {
        for m in 0..<members { columns.append((0..<n).map { predictions[m][$0] * features[$0][f] }) }
      }
      for f in 0..<SupportWeighting.featureCount { columns.append(features.map { $0[f] }) }
      weighting = w
    }
    var order = Array(0..<n)
    var generator = SeededGenerator(seed: seed, stream: 0xB1E4D)
    generator.shuffle(&order)
    let fold = order.map { $0 % Self.folds }
    let sums = (0..<Self.folds).map { f in Moments(columns, targets, rows: (0..<n).filter { fold[$0] == f }) }
    let total = sums.dropFirst().reduce(sums[0], +)
    var scores: [Double] = []
    for alpha in Self.ridges {
      var squared = 0.0
      for f in 0..<Self.folds {
        guard let (c, w) = (total - sums[f]).solve(alpha: alpha) else {
          squared = .infinity
          break
        }
        for r in 0..<n where fold[r] == f {
          var e = c - Double(targets[r])
          for j in columns.indices { e += w[j] * Double(columns[j][r]) }
          squared += e * e
        }
      }
      scores.append(n > 0 ? (squared / Double(n)).squareRoot() : 0)
    }
    let best = scores.indices.min { scores[$0] < scores[$1] } ?? 0
    ridge = Self.ridges[best]
    crossValidatedRMSE = scores
    guard let (c, w) = total.solve(alpha: ridge) else {
      combiner = .average(count: members)
      return
    }
    var result = MemberCombiner(intercept: Float(c), weights: (0..<members).map { Float(w[$0]) })
    if var weighting {
      let f = SupportWeighting.featureCount
      for k in 0..<f {
        for m in 0..<members { weighting.weights[m][k] = Float(w[members * (k + 1) + m]) }
        weighting.intercept[k] = Float(w[members * (f + 1) + k])
      }
      result.support = weighting
    }
    combiner = result
  }

  /// Sums that a ridge regression needs, over some rows: n, Σx, Σy, Σxxᵀ (lower triangle), Σxy.
  struct Moments {
    var count: Double
    var x: [Double], y: Double
    var xx: [Double], xy: [Double]

    init(_ columns: [[Float]], _ targets: [Float], rows: [Int]) {
      let m = columns.count
      count = Double(rows.count)
      x = [Double](repeating: 0, count: m)
      y = 0
      xx = [Double](repeating: 0, count: m * m)
      xy = [Double](repeating: 0, count: m)
      var row = [Double](repeating: 0, count: m)
      for r in rows {
        for j in 0..<m { row[j] = Double(columns[j][r]) }
        let t = Double(targets[r])
        y += t
        for j in 0..<m {
          x[j] += row[j]
          xy[j] += row[j] * t
          for k in 0...j { xx[j * m + k] += row[j] * row[k] }
        }
      }
    }

    static func + (a: Moments, b: Moments) -> Moments {
      var s = a
      s.count += b.count
      s.y += b.y
      for j in s.x.indices { s.x[j] += b.x[j]; s.xy[j] += b.xy[j] }
      for j in s.xx.indices { s.xx[j] += b.xx[j] }
      return s
    }

    static func - (a: Moments, b: Moments) -> Moments {
      var s = a
      s.count -= b.count
      s.y -= b.y
      for j in s.x.indices { s.x[j] -= b.x[j]; s.xy[j] -= b.xy[j] }
      for j in s.xx.indices { s.xx[j] -= b.xx[j] }
      return s
    }

    /// Ridge regression on these rows: (XcᵀXc + α·n·I) w = Xcᵀyc on centred columns, then the
    /// intercept ȳ − x̄·w. Nil when there are no more rows than columns or the system is singular.
    func solve(alpha: Double) -> (intercept: Double, weights: [Double])? {
      let m = x.count, n = count
      guard n > Double(m) else { return nil }
      let mean = x.map { $0 / n }, yMean = y / n
      var a = [Double](repeating: 0, count: m * m), b = [Double](repeating: 0, count: m)
      for j in 0..<m {
        b[j] = xy[j] - n * mean[j] * yMean
        for k in 0...j {
          a[j * m + k] = xx[j * m + k] - n * mean[j] * mean[k]
          a[k * m + j] = a[j * m + k]
        }
        // A floor keeps identical members (an ensemble of one seed twice) solvable.
        a[j * m + j] += alpha * n + 1e-9 * n
      }
      guard let w = BlendFit.choleskySolve(a, b, size: m) else { return nil }
      var intercept = yMean
      for j in 0..<m { intercept -= w[j] * mean[j] }
      return (intercept, w)
    }
  }

  /// Solves the symmetric positive-definite system A x = b, or nil when A is not.
  static func choleskySolve(_ a: [Double], _ b: [Double], size m: Int) -> [Double]? {
    var l = [Double](repeating: 0, count: m * m)
    for i in 0..<m {
      for j in 0...i {
        var s = a[i * m + j]
        for k in 0..<j { s -= l[i * m + k] * l[j * m + k] }
        if i == j {
          guard s > 0, s.isFinite else { return nil }
          l[i * m + i] = s.squareRoot()
        } else {
          l[i * m + j] = s / l[j * m + j]
        }
      }
    }
    var z = b
    for i in 0..<m {
      for k in 0..<i { z[i] -= l[i * m + k] * z[k] }
      z[i] /= l[i * m + i]
    }
    for i in stride(from: m - 1, through: 0, by: -1) {
      for k in (i + 1)..<m { z[i] -= l[k * m + i] * z[k] }
      z[i] /= l[i * m + i]
    }
    return z
  }
}
