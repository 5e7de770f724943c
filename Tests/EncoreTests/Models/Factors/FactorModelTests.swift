import XCTest

@testable import Encore

final class FactorModelTests: XCTestCase {
  /// Seed 004's 18 × 10 user-product matrix (0 = not rated).
  static let seedMatrix: [[Float]] = [
    [0, 2, 0, 0, 3, 0, 0, 0, 0, 0], [4, 0, 0, 0, 3, 0, 0, 0, 5, 0], [0, 0, 0, 0, 0, 3, 0, 0, 0, 0],
    [0, 5, 0, 0, 0, 0, 0, 0, 0, 2], [0, 0, 0, 0, 0, 0, 0, 5, 0, 0], [5, 2, 0, 0, 0, 0, 0, 0, 0, 0],
    [0, 0, 0, 3, 0, 0, 4, 0, 5, 2], [0, 3, 0, 4, 0, 0, 0, 0, 0, 0], [0, 0, 4, 0, 0, 2, 0, 0, 0, 1],
    [0, 0, 0, 0, 5, 0, 3, 0, 2, 0], [1, 5, 0, 0, 0, 4, 0, 0, 0, 0], [0, 0, 4, 0, 5, 0, 0, 3, 0, 2],
    [1, 0, 0, 4, 0, 0, 0, 1, 0, 0], [0, 5, 0, 3, 0, 0, 0, 0, 4, 0], [4, 0, 0, 0, 4, 0, 0, 0, 0, 0],
    [0, 0, 0, 5, 0, 2, 0, 0, 0, 0], [0, 3, 0, 0, 0, 0, 4, 0, 0, 0], [3, 3, 0, 0, 0, 0, 0, 0, 0, 5],
  ]
  /// The rounded 3-component reconstruction printed in seed 004.
  static let seedReconstruction: [[Float]] = [
    [1, 1, 1, 0, 2, 0, 0, 0, 1, 1], [2, 0, 1, 1, 4, 0, 2, 1, 3, 1], [0, 1, 0, 0, 0, 0, 0, 0, 0, 0],
    [1, 4, 0, 1, 0, 1, 0, 0, 0, 1], [0, 0, 0, 0, 1, 0, 0, 0, 0, 0], [2, 3, 1, 0, 1, 1, 0, 0, 0, 1],
    [0, 0, 0, 4, 1, 0, 3, 0, 4, 0], [0, 3, 0, 2, -1, 1, 1, 0, 1, 1], [1, 1, 0, 0, 1, 0, 0, 0, 0, 0],
    [1, -1, 1, 1, 4, 0, 1, 1, 3, 1], [2, 5, 0, 1, 0, 1, 0, 0, 0, 1], [2, 0, 1, -1, 4, 0, 0, 1, 1, 1],
    [0, 1, 0, 2, 0, 0, 1, 0, 2, 0], [1, 4, 0, 4, 0, 1, 1, 0, 3, 1], [2, 0, 1, -1, 4, 0, 0, 1, 1, 1],
    [-1, 1, 0, 3, -1, 0, 1, 0, 2, 0], [1, 2, 0, 1, 0, 1, 0, 0, 1, 1], [2, 4, 1, 0, 1, 1, 0, 0, 0, 2],
  ]

  func seedRatings() -> RatingSet {
    var set = RatingSet()
    for (u, row) in Self.seedMatrix.enumerated() {
      for (i, r) in row.enumerated() where r > 0 { set.append(user: Int32(u), item: Int32(i), value: r) }
    }
    return set
  }

  func testSeed004KnownAnswer() throws {
    let model = try TruncatedSVD.fit(seedRatings(), userCount: 18, itemCount: 10, components: 3, seed: 1)
    let vectors = model.userVectors(rated: SparseMatrix(seedRatings(), userCount: 18, itemCount: 10, itemsAsRows: false))
    vectors.withUnsafeBufferPointer { v in
      for u in 0..<18 {
        for i in 0..<10 {
          let rounded = model.estimate(user: u, item: i, userVectors: v.baseAddress!).rounded()
          XCTAssertEqual(rounded == 0 ? 0 : rounded, Self.seedReconstruction[u][i], "user \(u + 1) product \(i + 1)")
        }
      }
    }
  }

  func testSeed004RecommendsProduct7ToUser2() throws {
    let data = RatingData(
      ratings: RatingSet(), users: IDMap(rawIDs: (1...18).map(String.init)), items: IDMap(rawIDs: (1...10).map(String.init)),
      sourceDescription: "seed 004")
    let split = DataSplit(train: seedRatings(), validation: RatingSet(), test: RatingSet(users: [1], items: [6], values: [2]), description: "")
    let run = ExperimentRun(spec: FactorSettings(kind: .truncatedSVD).spec)
    let (model, _) = try run.run(data: data, split: split)
    XCTAssertEqual(try model.recommend(user: "2", count: 1).first?.item, "7")
  }

  /// Randomized SVD recovers an exactly low-rank matrix (the large-matrix path).
  func testRandomizedSVDRecoversALowRankMatrix() throws {
    let m = 60, n = 45
    var rng = SeededGenerator(seed: 4)
    let a = (0..<(m * 3)).map { _ in Float(rng.nextGaussian()) }, b = (0..<(n * 3)).map { _ in Float(rng.nextGaussian()) }
    var set = RatingSet()
    for u in 0..<m { for i in 0..<n { set.append(user: Int32(u), item: Int32(i), value: (0..<3).reduce(0) { $0 + a[u * 3 + $1] * b[i * 3 + $1] }) } }
    let model = try TruncatedSVD.fit(set, userCount: m, itemCount: n, components: 3, seed: 9)
    let vectors = model.userVectors(rated: SparseMatrix(set, userCount: m, itemCount: n, itemsAsRows: false))
    vectors.withUnsafeBufferPointer { v in
      for k in stride(from: 0, to: set.count, by: 7) {
        XCTAssertEqual(model.estimate(user: Int(set.users[k]), item: Int(set.items[k]), userVectors: v.baseAddress!), set.values[k], accuracy: 1e-3)
      }
    }
  }

  /// The C kernels against literal transcriptions of surprise's Python loops (in Double).
  func testSVDAndSVDppEpochsMatchSurprisesLoops() throws {
    let ratings = smallRatings(users: 12, items: 9, perUser: 4, seed: 8)
    for kind in [FactorModel.Kind.svd, .svdpp, .baselineSGD] {
      var options = FactorTrainingOptions.defaults(for: kind)
      options.factors = kind == .baselineSGD ? 0 : 5
      options.epochs = 3
      options.regularization = 0.1  // larger than surprise's 0.02, so a wrong regulariser shows
      let model = try FactorModel.train(kind, on: ratings, userCount: 12, itemCount: 9, options: options)
      // Reference: same initial values (same generator), surprise's loops.
      var rng = SeededGenerator(seed: options.seed, stream: 20)
      let f = options.factors
      func gaussian(_ n: Int) -> [Double] { (0..<n).map { _ in Double(Float(rng.nextGaussian()) * options.initStandardDeviation) } }
      var bu = [Double](repeating: 0, count: 12), bi = [Double](repeating: 0, count: 9)
      var p = gaussian(12 * f), q = gaussian(9 * f)
      var y = kind == .svdpp ? gaussian(9 * f) : []
      let mu = Double(Float(ratings.mean))
      let lr = Double(options.learningRate), reg = Double(options.regularization)
      let byUser = SparseMatrix(userOrderFrom: ratings, userCount: 12, itemCount: 9)
      let implicit = SparseMatrix(ratings, userCount: 12, itemCount: 9, itemsAsRows: false)
      for _ in 0..<options.epochs {
        for u in 0..<12 {
          for t in byUser.rowStart[u]..<byUser.rowStart[u + 1] {
            let i = Int(byUser.columns[t]), r = Double(byUser.values[t])
            let iu = (implicit.rowStart[u]..<implicit.rowStart[u + 1]).map { Int(implicit.columns[$0]) }
            let sqrtIu = Double(iu.count).squareRoot()
            var impl = [Double](repeating: 0, count: f)
            if kind == .svdpp { for j in iu { for c in 0..<f { impl[c] += y[j * f + c] / sqrtIu } } }
            var dot = 0.0
            for c in 0..<f { dot += q[i * f + c] * (p[u * f + c] + impl[c]) }
            let err = r - (mu + bu[u] + bi[i] + dot)
            bu[u] += lr * (err - reg * bu[u])
            bi[i] += lr * (err - reg * bi[i])
            for c in 0..<f {
              let puf = p[u * f + c], qif = q[i * f + c]
              p[u * f + c] += lr * (err * qif - reg * puf)
              q[i * f + c] += lr * (err * (puf + impl[c]) - reg * qif)
              if kind == .svdpp { for j in iu { y[j * f + c] += lr * (err * qif / sqrtIu - reg * y[j * f + c]) } }
            }
          }
        }
      }
      // Every parameter, at the precision single-precision arithmetic allows (the kernels agree
      // to about 1e-8; a wrong regularisation term moves them by 1e-4 or more).
      for k in 0..<12 { XCTAssertEqual(Double(model.userBias[k]), bu[k], accuracy: 1e-6, "\(kind) bu") }
      for k in 0..<9 { XCTAssertEqual(Double(model.itemBias[k]), bi[k], accuracy: 1e-6, "\(kind) bi") }
      for k in 0..<(12 * f) { XCTAssertEqual(Double(model.userFactors[k]), p[k], accuracy: 1e-6, "\(kind) p") }
      for k in 0..<(9 * f) { XCTAssertEqual(Double(model.itemFactors[k]), q[k], accuracy: 1e-6, "\(kind) q") }
      for k in 0..<y.count { XCTAssertEqual(Double(model.implicitFactors[k]), y[k], accuracy: 1e-6, "\(kind) y") }
      XCTAssertEqual(model.userFactors.count, 12 * f)
      XCTAssertEqual(model.implicitFactors.count, y.count)
    }
  }
}
