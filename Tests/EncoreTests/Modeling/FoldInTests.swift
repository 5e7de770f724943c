import XCTest

@testable import Encore

final class FoldInTests: XCTestCase {
  static let prepared: (RatingData, DataSplit) = {
    var plan = DataPlan(source: .synthetic(.init(users: 120, items: 90, ratings: 4_000, seed: 21)))
    plan.seed = 2
    return try! plan.prepare()
  }()

  func trained(_ name: String, _ overrides: ModelOverrides = ModelOverrides()) throws -> TrainedModel {
    var o = overrides
    if try ModelFamilies.defaults(named: name).acceptedByModel.contains(.epochs) && o.epochs == nil { o.epochs = 15 }
    let (data, split) = Self.prepared
    return try ExperimentRun(spec: try ModelFamilies.testSpec(named: name, overrides: o)).run(data: data, split: split).model
  }

  /// The network alone, for tests that read it (the others fold into shrunk models too).
  static let unshrunk: ModelOverrides = {
    var o = ModelOverrides()
    o.shrink = false
    return o
  }()

  /// A user's training ratings, and a new user made of another user's ratings.
  func newUser(_ model: TrainedModel) -> UserRatings { model.trainingRatings(of: 3) }

  func testFoldingInChangesNoTrainedUsersPredictions() throws {
    for name in ModelFamilies.modelNames {
      let model = try trained(name)
      let test = Self.prepared.1.test
      let before = model.predictor().predict(test).values
      let folder = model.userFolder()
      let profile = folder.foldIn(newUser(model))
      _ = folder.scores(profile, compute: .automatic)
      XCTAssertEqual(model.predictor().predict(test).values, before, name)
    }
  }

  func testEveryFamilyFoldsInAndScoresInsideTheScale() throws {
    for name in ModelFamilies.modelNames {
      let model = try trained(name)
      let folder = model.userFolder()
      let profile = folder.foldIn(newUser(model))
      XCTAssertFalse(profile.isFallback, name)
      let scores = folder.scores(profile, compute: .automatic)
      XCTAssertEqual(scores.count, model.items.count)
      XCTAssertTrue(scores.allSatisfy { $0 >= model.scale.minimum && $0 <= model.scale.maximum && $0.isFinite }, name)
      // The ratings it was given are fitted better than the baseline's guess for a new user.
      let ratings = profile.ratings
      var fitted = 0.0, baseline = 0.0
      for (i, r) in zip(ratings.items, ratings.values) {
        fitted += Double((scores[Int(i)] - r) * (scores[Int(i)] - r))
        let b = model.scale.clip(model.baseline.predict(item: i))
        baseline += Double((b - r) * (b - r))
      }
      // (Not the global mean, nor truncated SVD, whose zero-filled fit predicts low everywhere.)
      if !["global-mean", "truncated-svd"].contains(name) { XCTAssertLessThan(fitted, baseline, name) }
    }
  }

  func testAnEmptyListFallsBackToTheBaseline() throws {
    let model = try trained("i-autorec")
    let folder = model.userFolder()
    let profile = folder.foldIn(UserRatings())
    XCTAssertTrue(profile.isFallback)
    XCTAssertEqual(folder.score(profile, item: 5), model.scale.clip(model.baseline.predict(item: 5)))
  }

  /// U-AutoRec's fold-in is one forward pass: a training user's own ratings give exactly the
  /// trained model's predictions (no input centring, as trained).
  func testUserBasedFoldInOfATrainingUserReproducesTheModel() throws {
    for name in ["u-autorec"] {
      let model = try trained(name)
      let folder = model.userFolder()
      let predictor = model.predictor()
      for user in [Int32(0), 7, 30] {
        let profile = folder.foldIn(model.trainingRatings(of: user))
        for item in Int32(0)..<Int32(model.items.count) {
          let (value, fallback) = predictor.predict(user: user, item: item)
          if !fallback { XCTAssertEqual(folder.score(profile, item: item), value, accuracy: 1e-5, "\(name) \(user) \(item)") }
        }
      }
    }
  }

  /// Deep autoencoder with users as rows: the same forward pass as its predictor.
  func testUserBasedDeepFoldInReproducesTheModel() throws {
    var overrides = ModelOverrides()
    overrides.itemBased = false
    overrides.epochs = 5
    let model = try trained("deep-ae", overrides)
    let folder = model.userFolder()
    let predictor = model.predictor()
    let profile = folder.foldIn(model.trainingRatings(of: 11))
    for item in Int32(0)..<Int32(model.items.count) {
      let (value, fallback) = predictor.predict(user: 11, item: item)
      if !fallback { XCTAssertEqual(folder.score(profile, item: item), value, accuracy: 1e-4) }
    }
  }

  /// BaselineOnly's user step: folding a training user in with their own ratings gives the
  /// trained b_u (the last ALS step computes it from the same item biases).
  func testBaselineFoldInReproducesTheTrainedUserBias() throws {
    let model = try trained("baseline")
    let folder = model.userFolder()
    for user in [Int32(1), 9, 50] {
      let profile = folder.foldIn(model.trainingRatings(of: user))
      XCTAssertEqual(profile.baselineBias, model.baseline.userBias[Int(user)], accuracy: 1e-4)
    }
  }

  /// Truncated SVD's projection of a training user's row is their p_u = (UΣ)_u = (R·V)_u
  /// (exact decomposition: 85 components of a 90-item matrix).
  func testTruncatedSVDProjectionReproducesTheUserFactors() throws {
    var overrides = ModelOverrides()
    overrides.factors = 85
    let model = try trained("truncated-svd", overrides)
    let factors = try XCTUnwrap(model.model as? FactorRatingModel).factors
    let folder = model.userFolder()
    let profile = folder.foldIn(model.trainingRatings(of: 4))
    let f = factors.factorCount
    for c in 0..<f { XCTAssertEqual(profile.vector[c], factors.userFactors[4 * f + c], accuracy: 1e-3) }
  }

  /// I-AutoRec's new output row minimises its own objective: the gradient
  /// Σ (ŷ − r)·[h_i, 1] + λ/2·[w, b] is zero at the fitted row (identity output, decayed biases).
  func testItemBasedFoldInSolvesTheRowObjective() throws {
    let model = try trained("i-autorec", Self.unshrunk)
    let network = try XCTUnwrap(model.autoRec)
    let folder = model.userFolder()
    let ratings = newUser(model)
    let profile = folder.foldIn(ratings)
    let k = network.hiddenUnits, codes = network.codes(on: .automatic)
    let halfLambda = Double(network.configuration.lambda / 2)
    var gradient = (0...k).map { j in halfLambda * Double(profile.vector[j]) }
    for (i, r) in zip(ratings.items, ratings.values) {
      var z = Double(profile.vector[k])
      for j in 0..<k { z += Double(codes[Int(i) * k + j]) * Double(profile.vector[j]) }
      let e = z - Double(r)
      for j in 0..<k { gradient[j] += e * Double(codes[Int(i) * k + j]) }
      gradient[k] += e
    }
    XCTAssertLessThan(gradient.map(abs).max()!, 1e-2)
  }

  func testBatchedScoresAndTrainedProfilesAgreeWithOneAtATime() throws {
    for name in ModelFamilies.modelNames {
      let model = try trained(name)
      let folder = model.userFolder(compute: .serial)
      var profiles = [folder.foldIn(newUser(model)), folder.foldIn(UserRatings()), folder.foldIn(model.trainingRatings(of: 9))]
      if let own = folder.trainedProfile(of: 5) { profiles.append(own) }
      let batched = folder.scores(profiles, compute: .automatic)
      for (p, profile) in profiles.enumerated() {
        let single = folder.scores(profile, compute: .serial)
        for i in single.indices { XCTAssertEqual(batched[p][i], single[i], accuracy: 1e-4, "\(name) profile \(p) item \(i)") }
      }
    }
    // I-AutoRec's own row for a training user scores exactly as its predictor.
    let model = try trained("i-autorec", Self.unshrunk)
    let folder = model.userFolder(compute: .serial)
    let own = try XCTUnwrap(folder.trainedProfile(of: 5))
    let predictor = model.predictor(compute: .serial)
    for item in 0..<Int32(model.items.count) {
      XCTAssertEqual(folder.score(own, item: item), predictor.predict(user: 5, item: item).value, "item \(item)")
    }
    XCTAssertNil(try trained("svd").userFolder().trainedProfile(of: 5))
  }

  func testKnownUserRatingsAreUpdatedByNewOnes() {
    let old = UserRatings(items: [1, 4, 9], values: [3, 4, 5])
    let merged = old.updated(with: UserRatings(items: [4, 2], values: [1, 2]))
    XCTAssertEqual(merged, UserRatings(items: [1, 2, 4, 9], values: [3, 2, 1, 5]))
  }

  func testRatingsFileErrorsNameTheLine() throws {
    let model = try trained("baseline")
    let file = try UserRatingsFile.parse("item,rating\n1,4\n2, 5\n\nnot-an-item,3\n", source: "new.csv")
    XCTAssertEqual(file.entries.map(\.line), [2, 3, 5])
    let (ratings, unknown) = try model.userRatings(file)
    XCTAssertEqual(ratings.count, 2)
    XCTAssertEqual(unknown, ["not-an-item"])
    XCTAssertThrowsEncoreError(
      .malformedLine(file: "new.csv", line: 3, reason: "item 1 is rated again (first at line 1)"),
      try UserRatingsFile.parse("1,4\n2,3\n1,5\n", source: "new.csv"))
    XCTAssertThrowsEncoreError(
      .malformedLine(file: "new.csv", line: 2, reason: "rating 'x' is not a finite number"),
      try UserRatingsFile.parse("1,4\n2,x\n", source: "new.csv"))
    let outside = try UserRatingsFile.parse("1\t9\n", source: "new.tsv")
    XCTAssertThrowsError(try model.userRatings(outside)) { error in
      XCTAssertTrue("\(error)".hasPrefix("new.tsv:1: rating 9.0 is outside the model's scale"), "\(error)")
    }
  }

  func testSimilarItemsByCosine() {
    let vectors = ItemVectors(width: 2, values: [1, 0, 0.9, 0.1, 0, 1, -1, 0, 5, 5], present: [true, true, true, true, false], kind: "test")
    let nearest = vectors.nearest(to: 0, count: 3, compute: .serial)
    XCTAssertEqual(nearest.map(\.item), [1, 2, 3])
    XCTAssertEqual(nearest[0].similarity, 0.9 / (0.81 + 0.01 as Float).squareRoot(), accuracy: 1e-6)
  }
}
