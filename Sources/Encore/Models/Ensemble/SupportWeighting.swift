import Foundation

/// Feature-weighted linear stacking (Sill, Takács, Mackey and Lin, 2009, from the Netflix
/// Prize): a blend whose intercept and member weights vary with how many training ratings the
/// user and the item have, since members differ most in how well they do on sparse users and
/// items. The features are a second-degree polynomial of the two standardised log supports
/// g_u = (log(1 + n_u) − mean) / scale and g_i likewise: g_u, g_i, g_u·g_i, g_u², g_i².
public struct SupportWeighting: Sendable, Equatable {
  /// The number of features (besides the constant the plain weights stand for).
  public static let featureCount = 5

  /// log(1 + n) standardisation of users' and items' supports, over the ratings the blend was fitted on.
  public var userMean: Float, userScale: Float, itemMean: Float, itemScale: Float
  /// The intercept's coefficient on each feature.
  public var intercept: SIMD8<Float>
  /// Each member's weight's coefficient on each feature.
  public var weights: [SIMD8<Float>]

  public init(userMean: Float, userScale: Float, itemMean: Float, itemScale: Float, intercept: SIMD8<Float>, weights: [SIMD8<Float>]) {
    self.userMean = userMean
    self.userScale = userScale
    self.itemMean = itemMean
    self.itemScale = itemScale
    self.intercept = intercept
    self.weights = weights
  }

  /// The features of a pair whose user has `userSupport` training ratings and whose item has
  /// `itemSupport`, in the first five lanes (the others zero).
  @inline(__always) public func features(userSupport: Int, itemSupport: Int) -> SIMD8<Float> {
    let u = (Float(log1p(Double(userSupport))) - userMean) / userScale
    let i = (Float(log1p(Double(itemSupport))) - itemMean) / itemScale
    return SIMD8(u, i, u * i, u * u, i * i, 0, 0, 0)
  }

  /// Standardisation fitted on `supports` (one user and item support per rating).
  static func standardisation(_ supports: [(user: Int, item: Int)]) -> (userMean: Float, userScale: Float, itemMean: Float, itemScale: Float) {
    func moments(_ values: [Double]) -> (Float, Float) {
      let n = Double(max(values.count, 1))
      let mean = values.reduce(0, +) / n
      let variance = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / n
      return (Float(mean), Float(variance > 1e-12 ? variance.squareRoot() : 1))
    }
    let (um, us) = moments(supports.map { log1p(Double($0.user)) })
    let (im, iscale) = moments(supports.map { log1p(Double($0.item)) })
    return (um, us, im, iscale)
  }

  /// The tensor the model file stores: the four standardisation values, then the intercept's
  /// five coefficients, then each member's five.
  var flattened: [Float] {
    [userMean, userScale, itemMean, itemScale] + ([intercept] + weights).flatMap { v in (0..<Self.featureCount).map { v[$0] } }
  }

  /// Reads `flattened` back for `members` members; nil when the count or a value is wrong.
  init?(flattened values: [Float], members: Int) {
    let f = Self.featureCount
    guard values.count == 4 + f * (members + 1), values.allSatisfy(\.isFinite), values[1] > 0, values[3] > 0 else { return nil }
    func lanes(_ k: Int) -> SIMD8<Float> {
      var v = SIMD8<Float>()
      for j in 0..<f { v[j] = values[4 + k * f + j] }
      return v
    }
    self.init(
      userMean: values[0], userScale: values[1], itemMean: values[2], itemScale: values[3], intercept: lanes(0),
      weights: (1...members).map(lanes))
  }
}

/// How many training ratings each user and item has, for a support-weighted blend.
struct SupportCounts: Sendable {
  let users: [Int32]
  let items: [Int32]

  /// Counts of `rated` (users as rows).
  init(_ rated: SparseMatrix) {
    var users = [Int32](repeating: 0, count: rated.rowCount), items = [Int32](repeating: 0, count: rated.columnCount)
    for r in 0..<rated.rowCount { users[r] = Int32(rated.rowStart[r + 1] - rated.rowStart[r]) }
    for c in rated.columns { items[Int(c)] += 1 }
    self.users = users
    self.items = items
  }

  /// Counts of a rating set's users and items.
  init(_ ratings: RatingSet, userCount: Int, itemCount: Int) {
    var users = [Int32](repeating: 0, count: userCount), items = [Int32](repeating: 0, count: itemCount)
    for u in ratings.users { users[Int(u)] += 1 }
    for i in ratings.items { items[Int(i)] += 1 }
    self.users = users
    self.items = items
  }

  func user(_ u: Int32) -> Int { u >= 0 && Int(u) < users.count ? Int(users[Int(u)]) : 0 }
  func item(_ i: Int32) -> Int { i >= 0 && Int(i) < items.count ? Int(items[Int(i)]) : 0 }
}
