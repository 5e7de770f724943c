import XCTest

@testable import Encore

/// surprise's KNNBasic, KNNWithMeans and KNNBaseline against a direct transcription of
/// surprise's definitions (similarities over shared ratings, the k most similar with positive
/// similarity, min_k, shrinkage), for every similarity, user- and item-based.
final class NeighbourModelTests: XCTestCase {
  /// The reference: surprise's formulas, written out in Double over dictionaries.
  struct Reference {
    let settings: NeighbourSettings
    let baseline: BiasBaseline
    /// ratings[x][y], x = user (item when item-based).
    var byX: [[Int: Double]]
    var byY: [Int: [(x: Int, r: Double)]] = [:]

    init(_ ratings: RatingSet, settings: NeighbourSettings, baseline: BiasBaseline, users: Int, items: Int) {
      self.settings = settings
      self.baseline = baseline
      byX = Array(repeating: [:], count: settings.userBased ? users : items)
      for k in 0..<ratings.count {
        let (u, i, r) = (Int(ratings.users[k]), Int(ratings.items[k]), Double(ratings.values[k]))
        let (x, y) = settings.userBased ? (u, i) : (i, u)
        byX[x][y] = r
        byY[y, default: []].append((x, r))
      }
    }

    var xBias: [Float] { settings.userBased ? baseline.userBias : baseline.itemBias }
    var yBias: [Float] { settings.userBased ? baseline.itemBias : baseline.userBias }

    func sim(_ a: Int, _ b: Int) -> Double {
      if a == b { return 1 }
      let common = byX[a].keys.filter { byX[b][$0] != nil }.sorted()
      let n = Double(common.count)
      guard common.count >= settings.minSupport, !common.isEmpty else { return 0 }
      let mu = Double(baseline.globalMean)
      switch settings.similarity {
      case .msd:
        let msd = common.map { pow(byX[a][$0]! - byX[b][$0]!, 2) }.reduce(0, +) / n
        return 1 / (msd + 1)
      case .cosine:
        let p = common.map { byX[a][$0]! * byX[b][$0]! }.reduce(0, +)
        let d = (common.map { pow(byX[a][$0]!, 2) }.reduce(0, +) * common.map { pow(byX[b][$0]!, 2) }.reduce(0, +)).squareRoot()
        return d > 0 ? p / d : 0
      case .pearson:
        let ma = common.map { byX[a][$0]! }.reduce(0, +) / n, mb = common.map { byX[b][$0]! }.reduce(0, +) / n
        let p = common.map { (byX[a][$0]! - ma) * (byX[b][$0]! - mb) }.reduce(0, +)
        let d = (common.map { pow(byX[a][$0]! - ma, 2) }.reduce(0, +) * common.map { pow(byX[b][$0]! - mb, 2) }.reduce(0, +)).squareRoot()
        return d > 1e-9 ? p / d : 0
      case .pearsonBaseline:
        func residual(_ x: Int, _ y: Int) -> Double { byX[x][y]! - (mu + Double(xBias[x]) + Double(yBias[y])) }
        let p = common.map { residual(a, $0) * residual(b, $0) }.reduce(0, +)
        let d = (common.map { pow(residual(a, $0), 2) }.reduce(0, +) * common.map { pow(residual(b, $0), 2) }.reduce(0, +)).squareRoot()
        return d > 0 ? p / d * (n - 1) / (n - 1 + Double(settings.shrinkage)) : 0
      }
    }

    func predict(user: Int, item: Int, scale: RatingScale) -> Double {
      let (x, y) = settings.userBased ? (user, item) : (item, user)
      let mu = Double(baseline.globalMean)
      let neighbours = (byY[y] ?? []).map { (sim: sim(x, $0.x), x: $0.x, r: $0.r) }
      let top = neighbours.enumerated().sorted { $0.element.sim != $1.element.sim ? $0.element.sim > $1.element.sim : $0.offset < $1.offset }
        .prefix(settings.neighbours).map(\.element)
      func mean(_ x: Int) -> Double { byX[x].values.reduce(0, +) / Double(byX[x].count) }
      var sumSim = 0.0, sumRatings = 0.0, k = 0
      for n in top where n.sim > 0 {
        sumSim += n.sim
        switch settings.kind {
        case .basic: sumRatings += n.sim * n.r
        case .means: sumRatings += n.sim * (n.r - mean(n.x))
        case .baseline: sumRatings += n.sim * (n.r - (mu + Double(xBias[n.x]) + Double(yBias[y])))
        }
        k += 1
      }
      let term = k >= settings.minNeighbours && sumSim > 0 ? sumRatings / sumSim : 0
      let estimate: Double
      switch settings.kind {
      case .basic: estimate = k >= settings.minNeighbours && sumSim > 0 ? term : Double(baseline.predict(user: Int32(user), item: Int32(item)))
      case .means: estimate = mean(x) + term
      case .baseline: estimate = mu + Double(xBias[x]) + Double(yBias[y]) + term
      }
      return Double(scale.clip(Float(estimate)))
    }
  }

  func testEveryKindAndSimilarityMatchesSurprisesDefinitions() throws {
    let data = smallData(users: 30, items: 20, perUser: 6, seed: 4)
    let ratings = data.ratings
    let (train, test) = try Splitter.split(ratings, .holdout(testFraction: 0.2), seed: 3)
    let split = DataSplit(train: train, validation: RatingSet(), test: test, description: "test")
    for kind in NeighbourSettings.Kind.allCases {
      for similarity in SimilarityMeasure.allCases {
        for itemBased in [false, true] {
          var o = ModelOverrides()
          o.similarity = similarity
          o.itemBased = itemBased
          o.neighbours = 4
          o.minNeighbours = 2
          o.shrinkage = 5
          let spec = try ModelFamilies.spec(named: kind.rawValue, overrides: o)
          let (trained, _) = try ExperimentRun(spec: spec).run(data: data, split: split)
          let settings = try XCTUnwrap(spec.settings as? NeighbourSettings)
          let reference = Reference(train, settings: settings, baseline: trained.baseline, users: 30, items: 20)
          let predictor = trained.predictor(compute: .serial)
          for k in 0..<test.count {
            let (u, i) = (test.users[k], test.items[k])
            let (value, fallback) = predictor.predict(user: u, item: i)
            if fallback { continue }
            XCTAssertEqual(Double(value), reference.predict(user: Int(u), item: Int(i), scale: trained.scale), accuracy: 2e-4,
                           "\(kind) \(similarity) item-based \(itemBased) (\(u), \(i))")
          }
        }
      }
    }
  }

  /// A training user folded in from their own ratings scores their unrated items as the
  /// predictor does (KNNBasic and KNNWithMeans: nothing in them depends on the trained b_u).
  func testFoldingATrainingUserInReproducesThePredictor() throws {
    let data = smallData(users: 25, items: 15, perUser: 5, seed: 9)
    let ratings = data.ratings
    let split = DataSplit(train: ratings, validation: RatingSet(), test: ratings, description: "all")
    for kind in [NeighbourSettings.Kind.basic, .means] {
      for itemBased in [false, true] {
        var o = ModelOverrides()
        o.itemBased = itemBased
        o.similarity = .pearson
        let (trained, _) = try ExperimentRun(spec: try ModelFamilies.spec(named: kind.rawValue, overrides: o)).run(data: data, split: split)
        let folder = trained.userFolder(compute: .serial)
        let predictor = trained.predictor(compute: .serial)
        for u in [0, 7, 19] {
          var own = UserRatings()
          for k in 0..<ratings.count where ratings.users[k] == Int32(u) {
            own.items.append(ratings.items[k])
            own.values.append(ratings.values[k])
          }
          let profile = folder.foldIn(own)
          for i in 0..<15 where !own.items.contains(Int32(i)) {
            XCTAssertEqual(folder.score(profile, item: Int32(i)), predictor.predict(user: Int32(u), item: Int32(i)).value, accuracy: 1e-5,
                           "\(kind) item-based \(itemBased) user \(u) item \(i)")
          }
        }
      }
    }
  }

  func testASavedModelLoadsAndPredictsTheSame() throws {
    let data = smallData(users: 25, items: 15, perUser: 5, seed: 2)
    let ratings = data.ratings
    let (train, test) = try Splitter.split(ratings, .holdout(testFraction: 0.2), seed: 1)
    for itemBased in [false, true] {
      var o = ModelOverrides()
      o.itemBased = itemBased
      o.similarity = .pearsonBaseline
      let (trained, _) = try ExperimentRun(spec: try ModelFamilies.spec(named: "knn-baseline", overrides: o))
        .run(data: data, split: DataSplit(train: train, validation: RatingSet(), test: test, description: "t"))
      let dir = TemporaryFolder()
      try ModelFile.save(trained, to: dir.path + "/knn.safetensors")
      let loaded = try ModelFile.load(dir.path + "/knn.safetensors")
      XCTAssertEqual(loaded.predictor().predict(test).values, trained.predictor().predict(test).values)
      XCTAssertNil(try loaded.spec.firstDifference(from: trained.spec))
    }
  }

  func testAHugeSimilarityMatrixIsRefusedWithTheWayOut() throws {
    var settings = NeighbourSettings(kind: .baseline)
    settings.userBased = true
    let job = TrainingJob(
      train: RatingSet(users: [0], items: [0], values: [3]), validation: RatingSet(), userCount: NeighbourSettings.maximumRows + 1,
      itemCount: 1, baseline: BiasBaseline(globalMean: 3, userBias: [Float](repeating: 0, count: NeighbourSettings.maximumRows + 1), itemBias: [0]),
      scale: RatingScale(minimum: 1, maximum: 5), compute: .serial)
    XCTAssertThrowsError(try settings.train(job)) { error in
      XCTAssertTrue("\(error)".contains("try --item-based"), "\(error)")
    }
  }
}
