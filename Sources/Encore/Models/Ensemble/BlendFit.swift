/// How an ensemble turns its members' predictions into one: intercept + Σ wᵢ·pᵢ.
public struct MemberCombiner: Sendable, Equatable {
  public var intercept: Float
  public var weights: [Float]

  public init(intercept: Float, weights: [Float]) {
    self.intercept = intercept
    self.weights = weights
  }

  /// The plain mean of `count` members.
  public static func average(count: Int) -> MemberCombiner {
    MemberCombiner(intercept: 0, weights: Array(repeating: 1 / Float(count), count: count))
  }

  /// The combined value of the members' predictions (unclipped).
  @inline(__always) func combine(_ value: (Int) -> Float) -> Float {
    var sum = intercept
    for i in weights.indices { sum += weights[i] * value(i) }
    return sum
  }
}

/// Fits a blend's weights by ridge regression of the ratings on the members' predictions
/// (centred, intercept unpenalised), the Netflix Prize's linear blend. The ridge is chosen by
/// 5-fold cross-validation over the same ratings, from none to strong, so that correlated
/// members (they always are) do not get wild weights.
public struct BlendFit {
  /// Candidate ridges, per rating: λ = α·n.
  public static let ridges: [Double] = [0, 1e-4, 1e-3, 1e-2, 0.1, 1]
  static let folds = 5

  public let combiner: MemberCombiner
  /// The chosen α, and every candidate's cross-validated RMSE.
  public let ridge: Double
  public let crossValidatedRMSE: [Double]

  /// `predictions[m][r]` is member m's prediction of rating r; `targets[r]` the rating.
  public init(predictions: [[Float]], targets: [Float], seed: UInt64) {
    let n = targets.count
    var order = Array(0..<n)
    var generator = SeededGenerator(seed: seed, stream: 0xB1E4D)
    generator.shuffle(&order)
    let fold = { (r: Int) in order[r] % Self.folds }
    var scores: [Double] = []
    for alpha in Self.ridges {
      var squared = 0.0
      for f in 0..<Self.folds {
        let train = (0..<n).filter { fold($0) != f }, test = (0..<n).filter { fold($0) == f }
        let c = Self.solve(predictions, targets, rows: train, alpha: alpha)
        for r in test {
          let e = Double(c.combine { predictions[$0][r] }) - Double(targets[r])
          squared += e * e
        }
      }
      scores.append(n > 0 ? (squared / Double(n)).squareRoot() : 0)
    }
    let best = scores.indices.min { scores[$0] < scores[$1] } ?? 0
    ridge = Self.ridges[best]
    crossValidatedRMSE = scores
    combiner = Self.solve(predictions, targets, rows: Array(0..<n), alpha: ridge)
  }

  /// Ridge regression on `rows`: (XcᵀXc + α·n·I) w = Xcᵀyc on centred columns, then the
  /// intercept ȳ − x̄·w. Falls back to the plain mean when the system is singular.
  static func solve(_ p: [[Float]], _ y: [Float], rows: [Int], alpha: Double) -> MemberCombiner {
    let m = p.count, n = rows.count
    guard n > m else { return .average(count: m) }
    var mean = [Double](repeating: 0, count: m), yMean = 0.0
    for r in rows {
      yMean += Double(y[r])
      for j in 0..<m { mean[j] += Double(p[j][r]) }
    }
    yMean /= Double(n)
    for j in 0..<m { mean[j] /= Double(n) }
    var a = [Double](repeating: 0, count: m * m), b = [Double](repeating: 0, count: m)
    for r in rows {
      let yc = Double(y[r]) - yMean
      for j in 0..<m {
        let xj = Double(p[j][r]) - mean[j]
        b[j] += xj * yc
        for k in 0...j { a[j * m + k] += xj * (Double(p[k][r]) - mean[k]) }
      }
    }
    for j in 0..<m {
      for k in 0..<j { a[k * m + j] = a[j * m + k] }
      // A floor keeps identical members (an ensemble of one seed twice) solvable.
      a[j * m + j] += alpha * Double(n) + 1e-9 * Double(n)
    }
    guard let w = Self.choleskySolve(a, b, size: m) else { return .average(count: m) }
    var intercept = yMean
    for j in 0..<m { intercept -= w[j] * mean[j] }
    return MemberCombiner(intercept: Float(intercept), weights: w.map { Float($0) })
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
