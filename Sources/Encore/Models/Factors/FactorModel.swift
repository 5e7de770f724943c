import CEncoreKernels

/// The classical baselines people compare autoencoders with, in one form:
///   r̂ = μ + b_u + b_i + q_i · (p_u + |N(u)|^(-1/2) Σ_{j∈N(u)} y_j)
/// with the parts each algorithm uses. Global mean: μ only. BaselineOnly-SGD: biases.
/// SVD (surprise's biased MF): biases and factors. SVD++: all of it. Truncated SVD of the
/// zero-filled rating matrix (seed 004): r̂ = p_u · q_i with p = UΣ, q = V.
public struct FactorModel: Sendable, Equatable {
  public enum Kind: String, Codable, Sendable {
    case globalMean = "global-mean"
    case baselineSGD = "baseline-sgd"
    case svd
    case svdpp
    case truncatedSVD = "truncated-svd"
  }

  public var kind: Kind
  public var globalMean: Float
  public var userBias: [Float]
  public var itemBias: [Float]
  /// Factors per user and item (0 for bias-only models).
  public var factorCount: Int
  /// users × factors, row-major.
  public var userFactors: [Float]
  /// items × factors, row-major.
  public var itemFactors: [Float]
  /// items × factors (SVD++'s y_j); empty otherwise.
  public var implicitFactors: [Float]

  public init(kind: Kind, globalMean: Float, userBias: [Float], itemBias: [Float], factorCount: Int, userFactors: [Float], itemFactors: [Float], implicitFactors: [Float]) {
    self.kind = kind
    self.globalMean = globalMean
    self.userBias = userBias
    self.itemBias = itemBias
    self.factorCount = factorCount
    self.userFactors = userFactors
    self.itemFactors = itemFactors
    self.implicitFactors = implicitFactors
  }

  /// The per-user vector p_u + |N(u)|^(-1/2) Σ y_j (just p_u without SVD++), for every user
  /// of `rated` (users × items training ratings).
  public func userVectors(rated: SparseMatrix) -> [Float] {
    let f = factorCount
    guard kind == .svdpp else { return userFactors }
    var result = userFactors
    for u in 0..<rated.rowCount {
      let n = rated.rowLength(u)
      guard n > 0 else { continue }
      let inv = 1 / Float(n).squareRoot()
      for p in rated.rowStart[u]..<rated.rowStart[u + 1] {
        let j = Int(rated.columns[p])
        for c in 0..<f { result[u * f + c] += inv * implicitFactors[j * f + c] }
      }
    }
    return result
  }

  /// The raw estimate for a pair with precomputed `userVectors` (no clipping).
  @inline(__always) public func estimate(user u: Int, item i: Int, userVectors: UnsafePointer<Float>) -> Float {
    var r = globalMean
    if u < userBias.count { r += userBias[u] }
    if i < itemBias.count { r += itemBias[i] }
    if factorCount > 0 {
      r += itemFactors.withUnsafeBufferPointer { q in
        SparseKernels.dot(q.baseAddress! + i * factorCount, userVectors + u * factorCount, count: factorCount)
      }
    }
    return r
  }
}

/// Settings of the SGD-trained factor models; the defaults are surprise's.
public struct FactorTrainingOptions: Codable, Sendable, Equatable {
  public var factors: Int
  public var epochs: Int
  public var learningRate: Float
  public var regularization: Float
  public var initStandardDeviation: Float = 0.1
  public var seed: UInt64 = 42

  /// surprise's defaults for each algorithm.
  public static func defaults(for kind: FactorModel.Kind) -> FactorTrainingOptions {
    switch kind {
    case .svd: return .init(factors: 100, epochs: 20, learningRate: 0.005, regularization: 0.02)
    case .svdpp: return .init(factors: 20, epochs: 20, learningRate: 0.007, regularization: 0.02)
    case .baselineSGD: return .init(factors: 0, epochs: 20, learningRate: 0.005, regularization: 0.02)
    case .truncatedSVD: return .init(factors: 3, epochs: 0, learningRate: 0, regularization: 0)
    case .globalMean: return .init(factors: 0, epochs: 0, learningRate: 0, regularization: 0)
    }
  }
}

extension FactorModel {
  /// Trains `kind` on `train` exactly as surprise does: ratings visited user by user (users
  /// in index order, each user's ratings in file order), no shuffling, factors drawn from
  /// N(0, 0.1), biases from 0.
  public static func train(
    _ kind: Kind, on train: RatingSet, userCount: Int, itemCount: Int, options: FactorTrainingOptions
  ) throws -> FactorModel {
    let mu = Float(train.mean)
    if kind == .globalMean {
      return FactorModel(kind: kind, globalMean: mu, userBias: [], itemBias: [], factorCount: 0, userFactors: [], itemFactors: [], implicitFactors: [])
    }
    if kind == .truncatedSVD {
      return try TruncatedSVD.fit(train, userCount: userCount, itemCount: itemCount, components: options.factors, seed: options.seed)
    }
    guard options.epochs >= 1 else { throw EncoreError.invalidSetting("epochs", "must be at least 1") }
    let f = kind == .baselineSGD ? 0 : options.factors
    guard f >= 0 else { throw EncoreError.invalidSetting("factors", "must be positive") }
    let byUser = SparseMatrix(userOrderFrom: train, userCount: userCount, itemCount: itemCount)
    var rng = SeededGenerator(seed: options.seed, stream: 20)
    func gaussian(_ n: Int) -> [Float] { (0..<n).map { _ in Float(rng.nextGaussian()) * options.initStandardDeviation } }
    var bu = [Float](repeating: 0, count: userCount)
    var bi = [Float](repeating: 0, count: itemCount)
    var p = gaussian(userCount * f)
    var q = gaussian(itemCount * f)
    var y = kind == .svdpp ? gaussian(itemCount * f) : []
    // N(u) for SVD++: the user's rated items (the same matrix, with columns sorted).
    let implicit = SparseMatrix(train, userCount: userCount, itemCount: itemCount, itemsAsRows: false)
    var work = [Float](repeating: 0, count: 2 * max(f, 1))
    for _ in 0..<options.epochs {
      let sse: Double = byUser.rowStart.withUnsafeBufferPointer { start in
        byUser.columns.withUnsafeBufferPointer { items in
          byUser.values.withUnsafeBufferPointer { ratings in
            if kind == .svdpp {
              return implicit.rowStart.withUnsafeBufferPointer { iStart in
                implicit.columns.withUnsafeBufferPointer { iItems in
                  ek_svdpp_epoch(
                    userCount, start.baseAddress!, items.baseAddress!, ratings.baseAddress!, iStart.baseAddress!,
                    iItems.baseAddress!, mu, &bu, &bi, &p, &q, &y, f, options.learningRate, options.regularization, &work)
                }
              }
            }
            return ek_svd_epoch(
              userCount, start.baseAddress!, items.baseAddress!, ratings.baseAddress!, mu, &bu, &bi, &p, &q, f,
              options.learningRate, options.regularization)
          }
        }
      }
      guard sse.isFinite else {
        throw EncoreError.diverged(epoch: 0, detail: "the \(kind.rawValue) training error became NaN or infinite")
      }
    }
    return FactorModel(kind: kind, globalMean: mu, userBias: bu, itemBias: bi, factorCount: f, userFactors: p, itemFactors: q, implicitFactors: y)
  }
}

extension SparseMatrix {
  /// Ratings grouped by user with each user's ratings in their original (file) order, which
  /// is the order surprise's SGD visits them. Columns are NOT sorted.
  public init(userOrderFrom ratings: RatingSet, userCount: Int, itemCount: Int) {
    var start = [Int](repeating: 0, count: userCount + 1)
    for u in ratings.users { start[Int(u) + 1] += 1 }
    for u in 0..<userCount { start[u + 1] += start[u] }
    var fill = start
    var cols = [Int32](repeating: 0, count: ratings.count)
    var vals = [Float](repeating: 0, count: ratings.count)
    for k in 0..<ratings.count {
      let u = Int(ratings.users[k])
      cols[fill[u]] = ratings.items[k]
      vals[fill[u]] = ratings.values[k]
      fill[u] += 1
    }
    self.init(rowCount: userCount, columnCount: itemCount, rowStart: start, columns: cols, values: vals)
  }
}
