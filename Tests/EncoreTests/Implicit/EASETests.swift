import XCTest

@testable import Encore

/// A random symmetric positive-definite matrix: RᵀR + n·I.
func randomSPD(_ n: Int, seed: UInt64) -> [Double] {
  var rng = SeededGenerator(seed: seed)
  let r = (0..<(n * n)).map { _ in rng.nextUnitDouble() - 0.5 }
  var a = [Double](repeating: 0, count: n * n)
  for i in 0..<n { for j in 0..<n { for k in 0..<n { a[i * n + j] += r[k * n + i] * r[k * n + j] } } }
  for i in 0..<n { a[i * n + i] += Double(n) * 0.1 + 0.01 }
  return a
}

/// A random symmetric matrix with entries in [−0.5, 0.5] and n on the diagonal: positive
/// definite (diagonally dominant), built in O(n²) for the large cases.
func diagonallyDominant(_ n: Int, seed: UInt64) -> [Double] {
  var rng = SeededGenerator(seed: seed)
  var a = [Double](repeating: 0, count: n * n)
  for i in 0..<n {
    for j in 0..<i {
      let v = rng.nextUnitDouble() - 0.5
      a[i * n + j] = v
      a[j * n + i] = v
    }
    a[i * n + i] = Double(n)
  }
  return a
}

/// EASE and the inverse under it, against plain double-precision oracles.
final class EASETests: XCTestCase {
  /// Gauss–Jordan with partial pivoting: the independent oracle.
  func gaussJordanInverse(_ a: [Double], _ n: Int) -> [Double] {
    var m = a, inv = [Double](repeating: 0, count: n * n)
    for i in 0..<n { inv[i * n + i] = 1 }
    for c in 0..<n {
      let p = (c..<n).max { abs(m[$0 * n + c]) < abs(m[$1 * n + c]) }!
      for j in 0..<n { m.swapAt(c * n + j, p * n + j); inv.swapAt(c * n + j, p * n + j) }
      let d = m[c * n + c]
      for j in 0..<n { m[c * n + j] /= d; inv[c * n + j] /= d }
      for r in 0..<n where r != c {
        let f = m[r * n + c]
        if f == 0 { continue }
        for j in 0..<n { m[r * n + j] -= f * m[c * n + j]; inv[r * n + j] -= f * inv[c * n + j] }
      }
    }
    return inv
  }

  func testInverseMatchesGaussJordanAcrossSizesAndThreads() throws {
    // Sizes around the dot product's 16-wide blocks and the thread split.
    for n in [1, 2, 15, 16, 17, 33, 70] {
      let a = randomSPD(n, seed: UInt64(n))
      let expected = gaussJordanInverse(a, n)
      var results: [[Double]] = []
      for threads in [1, 2] {
        var m = a
        try m.withUnsafeMutableBufferPointer { try SymmetricInverse.invert($0.baseAddress!, n: n, compute: try ComputeContext(threads: threads)) }
        for k in 0..<(n * n) { XCTAssertEqual(m[k], expected[k], accuracy: 1e-10 * max(1, abs(expected[k])), "n \(n) entry \(k)") }
        results.append(m)
      }
      XCTAssertEqual(results[0], results[1], "n \(n): the same bits on 1 and 2 threads")
    }
  }

  func testInverseRefusesAMatrixThatIsNotPositiveDefinite() {
    var a: [Double] = [1, 2, 2, 1]  // eigenvalues 3 and −1
    XCTAssertThrowsError(try a.withUnsafeMutableBufferPointer { try SymmetricInverse.invert($0.baseAddress!, n: 2, compute: .serial) }) { error in
      XCTAssertTrue("\(error)".contains("not positive definite"), "\(error)")
    }
  }

  func interactions(users: Int, items: Int, seed: UInt64) -> SparseMatrix {
    var rng = SeededGenerator(seed: seed)
    let rows = (0..<users).map { u -> [Int32] in
      var chosen = Set<Int32>([Int32(u % items)])
      let count = 2 + Int(rng.next() % UInt64(items / 2))
      while chosen.count < count { chosen.insert(Int32(rng.next() % UInt64(items))) }
      return Array(chosen)
    }
    return SparseMatrix(binaryRows: rows, columnCount: items)
  }

  func testWeightsMatchThePlainFormula() throws {
    let x = interactions(users: 50, items: 19, seed: 5)
    let n = 19, lambda: Float = 7
    // Oracle: G = XᵀX + λI from dense X, P = G⁻¹ by Gauss–Jordan, B = −P / diag(P), zero diagonal.
    var dense = [Double](repeating: 0, count: 50 * n)
    for u in 0..<50 { for i in x.row(u) { dense[u * n + Int(i)] = 1 } }
    var g = [Double](repeating: 0, count: n * n)
    for i in 0..<n { for j in 0..<n { for u in 0..<50 { g[i * n + j] += dense[u * n + i] * dense[u * n + j] } } }
    for i in 0..<n { g[i * n + i] += Double(lambda) }
    let p = gaussJordanInverse(g, n)
    let outcome = try EASESettings(lambda: lambda).train(InteractionTrainingJob(train: x, validation: nil, compute: try ComputeContext(threads: 2)))
    let b = outcome.model.namedParameters[0].values
    for i in 0..<n {
      for j in 0..<n {
        let expected = i == j ? 0 : -p[i * n + j] / p[j * n + j]
        XCTAssertEqual(Double(b[i * n + j]), expected, accuracy: 1e-6, "B[\(i)][\(j)]")
      }
    }
    // Scores are x·B: user 3's scores are the sum of B's rows of their items.
    var scores = [Float](repeating: 0, count: n)
    scores.withUnsafeMutableBufferPointer { outcome.model.score(x, rows: 3..<4, into: $0.baseAddress!, compute: .serial) }
    for j in 0..<n {
      let expected = x.row(3).reduce(0.0) { $0 + Double(b[Int($1) * n + j]) }
      XCTAssertEqual(Double(scores[j]), expected, accuracy: 1e-5)
    }
  }

  func testLambdaIsChosenByValidationNDCGAndRefusedWhenNotPositive() throws {
    let x = interactions(users: 80, items: 25, seed: 9)
    let split = try StrongGeneralisation(validationUsers: 15, testUsers: 1, seed: 2).split(
      InteractionData(matrix: x, users: IDMap(rawIDs: (0..<80).map(String.init)), items: IDMap(rawIDs: (0..<25).map(String.init)),
                      sourceDescription: "test", positiveRule: "pairs"))
    let job = InteractionTrainingJob(train: split.train, validation: split.validation, compute: .serial)
    let outcome = try EASESettings().train(job)
    XCTAssertEqual(outcome.candidates.count, EASESettings.lambdaGrid.count)
    let best = outcome.candidates.max { $0.validation < $1.validation }!
    XCTAssertEqual(outcome.validation, best.validation)
    XCTAssertEqual((outcome.model.settings as! EASESettings).lambda.map { "λ \(DatasetInfo.label($0))" }, best.label)
    // Each candidate's figure is that λ's model scored alone.
    let single = try EASESettings(lambda: EASESettings.lambdaGrid[2]).train(job)
    XCTAssertEqual(single.validation, outcome.candidates[2].validation)
    for bad: Float in [0, -1, .nan, .infinity] {
      XCTAssertThrowsError(try EASESettings(lambda: bad).validate())
    }
    XCTAssertThrowsError(try EASESettings().train(InteractionTrainingJob(train: split.train, validation: nil, compute: .serial)))
  }

  func testMostPopularRanksByTrainingUsersAndFileRoundTrip() throws {
    let x = interactions(users: 40, items: 12, seed: 11)
    let folder = TemporaryFolder()
    for settings in [MostPopularSettings() as any InteractionModelSettings, EASESettings(lambda: 3)] {
      let model = try settings.train(InteractionTrainingJob(train: x, validation: nil, compute: .serial)).model
      if settings is MostPopularSettings {
        var counts = [Float](repeating: 0, count: 12)
        for i in x.columns { counts[Int(i)] += 1 }
        XCTAssertEqual(model.namedParameters[0].values, counts)
      }
      let trained = TrainedInteractionModel(
        model: model, itemIDs: (0..<12).map { "item\($0)" }, userIDs: (0..<40).map { "user\($0)" }, interactions: x,
        titles: ["item3": "Three"], positiveRule: "pairs")
      let path = folder.path + "/\(settings.name).safetensors"
      try InteractionModelFile.save(trained, to: path)
      XCTAssertTrue(InteractionModelFile.isImplicit(path))
      let loaded = try InteractionModelFile.load(path)
      XCTAssertEqual(loaded.itemIDs, trained.itemIDs)
      XCTAssertEqual(loaded.interactions, x)
      XCTAssertEqual(loaded.items(ofUser: "user5"), x.row(5).map { "item\($0)" })
      // Fold-in of a user's items gives the same list as the model scoring that row.
      let items = x.row(5).map { "item\($0)" } + ["unknown"]
      let (a, unknown) = try loaded.recommend(forItems: items, count: 5)
      XCTAssertEqual(unknown, ["unknown"])
      var scores = [Float](repeating: 0, count: 12)
      scores.withUnsafeMutableBufferPointer { model.score(x, rows: 5..<6, into: $0.baseAddress!, compute: .serial) }
      for i in x.row(5) { scores[Int(i)] = -.infinity }
      let expected = scores.withUnsafeBufferPointer { TopK.indices(of: $0, k: 5) }.map { "item\($0)" }
      XCTAssertEqual(a.map(\.item), expected)
      XCTAssertTrue(Set(a.map(\.item)).isDisjoint(with: items))
    }
  }
}

/// The single-precision blocked sweep against the double-precision inverse.
final class SymmetricSweepTests: XCTestCase {
  func testSweepMatchesTheDoubleInverseAcrossBlockBoundaries() throws {
    // 530 rows make two thread chunks (256 rows or more each), one ending before a pivot block.
    for (n, block) in [(1, 4), (5, 4), (8, 4), (9, 4), (13, 4), (64, 16), (70, 16), (33, 256), (530, 100)] {
      let a = n > 100 ? diagonallyDominant(n, seed: UInt64(100 + n)) : randomSPD(n, seed: UInt64(100 + n))
      var expected = a
      try expected.withUnsafeMutableBufferPointer { try SymmetricInverse.invert($0.baseAddress!, n: n, compute: .serial) }
      var results: [[Float]] = []
      for threads in [1, 2] {
        var m = a.map { Float($0) }
        try m.withUnsafeMutableBufferPointer {
          try SymmetricSweep.invert($0.baseAddress!, n: n, block: block, compute: try ComputeContext(threads: threads))
        }
        let scale = expected.map(abs).max()!
        for k in 0..<(n * n) { XCTAssertEqual(Double(m[k]), expected[k], accuracy: 2e-5 * scale, "n \(n) block \(block) entry \(k)") }
        results.append(m)
      }
      XCTAssertEqual(results[0], results[1], "n \(n): the same bits on 1 and 2 threads")
    }
    var notPD: [Float] = [1, 2, 2, 1]
    XCTAssertThrowsError(try notPD.withUnsafeMutableBufferPointer { try SymmetricSweep.invert($0.baseAddress!, n: 2, block: 1, compute: .serial) })
  }
}
