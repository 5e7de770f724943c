import Foundation
import XCTest

@testable import Encore

/// Ensembles (`--ensemble N`, `--model ensemble`) and blends (`--model blend`): what they
/// train, how they combine, that a blend chooses nothing on test ratings, and that a model
/// file, fold-in and ONNX carry every member.
final class EnsembleTests: XCTestCase {
  static let prepared: (RatingData, DataSplit) = {
    var plan = DataPlan(source: .synthetic(.init(users: 90, items: 70, ratings: 2_500, seed: 5)))
    plan.seed = 4
    plan.validationFraction = 0.15
    return try! plan.prepare()
  }()

  func autoRec(hidden: Int = 8, epochs: Int = 5, ensemble: Int? = nil, shrink: Bool? = nil) throws -> ModelSpec {
    var o = ModelOverrides()
    o.shrink = shrink
    o.hidden = hidden
    o.epochs = epochs
    o.ensemble = ensemble
    return try ModelFamilies.spec(named: "i-autorec", overrides: o, seed: 7)
  }

  /// Member i trains from seed + i, member 0 is exactly the single model (training gives the
  /// same bits on any thread count), and the ensemble predicts the members' mean.
  func testAnEnsembleAveragesMembersTrainedFromConsecutiveSeeds() throws {
    let (data, split) = Self.prepared
    let spec = try autoRec(epochs: 60, ensemble: 3, shrink: false)
    let settings = try XCTUnwrap(spec.settings as? EnsembleSettings)
    XCTAssertEqual(settings.members.map(\.settings.seed), [7, 8, 9])
    XCTAssertEqual(settings.membersDescription, "i-autorec×3")
    let (trained, report) = try ExperimentRun(spec: spec).run(data: data, split: split)
    let ensemble = try XCTUnwrap(trained.model as? EnsembleModel)
    XCTAssertEqual(ensemble.combiner, .average(count: 3))
    XCTAssertEqual(report.model, "ensemble")
    let (single, singleReport) = try ExperimentRun(spec: try autoRec(epochs: 60, shrink: false)).run(data: data, split: split)
    let context = PredictionContext(baseline: trained.baseline, scale: trained.scale, rated: trained.rated, compute: .serial)
    let members = ensemble.members.map { $0.predictor(context) }
    XCTAssertEqual(
      split.test.users.indices.map { members[0].predict(user: split.test.users[$0], item: split.test.items[$0]).value },
      single.predictor().predict(split.test).values)
    let predicted = trained.predictor().predict(split.test).values
    for k in 0..<split.test.count {
      let (u, i) = (split.test.users[k], split.test.items[k])
      let parts = members.map { $0.predict(user: u, item: i) }
      let expected = parts.allSatisfy(\.fallback)
        ? trained.scale.clip(trained.baseline.predict(user: u, item: i))
        : trained.scale.clip(parts.map(\.value).reduce(0, +) / 3)
      XCTAssertEqual(predicted[k], expected, accuracy: 1e-6, "pair \(k)")
    }
    // Three seeds average out some of each network's noise.
    XCTAssertLessThan(report.testRMSE, singleReport.testRMSE)
    // Members after the first hold out validation parts of their own (of the same size).
    XCTAssertTrue(ensemble.sharesRatings(ensemble.members[0]))
    XCTAssertFalse(ensemble.sharesRatings(ensemble.members[1]))
    XCTAssertEqual(ensemble.members[1].storedRatings?.nonzeroCount, ensemble.members[0].storedRatings?.nonzeroCount)
  }

  /// Inside a blend an ensemble keeps the common validation part out of every member's
  /// training: the blend fits its weights on it.
  func testAnEnsembleInsideABlendLeavesTheValidationPartAlone() throws {
    let (data, split) = Self.prepared
    var o = ModelOverrides()
    o.members = [try autoRec(epochs: 10, ensemble: 2), try ModelFamilies.spec(named: "baseline")]
    let (trained, _) = try ExperimentRun(spec: try ModelFamilies.spec(named: "blend", overrides: o)).run(data: data, split: split)
    let inner = try XCTUnwrap((trained.model as? EnsembleModel)?.members[0] as? EnsembleModel)
    XCTAssertTrue(inner.members.allSatisfy { inner.sharesRatings($0) })
  }

  /// The ridge recovers an exact linear combination, shrinks with a larger ridge, and a
  /// singular system (one member twice) still gets finite weights.
  func testTheBlendRegressionRecoversKnownWeights() throws {
    var rng = SeededGenerator(seed: 3)
    let p1 = (0..<400).map { _ in Float(1 + 4 * rng.nextUnitDouble()) }
    let p2 = (0..<400).map { _ in Float(1 + 4 * rng.nextUnitDouble()) }
    let y = zip(p1, p2).map { 0.25 + 0.7 * $0 + 0.2 * $1 }
    let fit = BlendFit(predictions: [p1, p2], targets: y, seed: 1)
    XCTAssertEqual(fit.ridge, 0)
    XCTAssertEqual(fit.combiner.intercept, 0.25, accuracy: 1e-3)
    XCTAssertEqual(fit.combiner.weights[0], 0.7, accuracy: 1e-4)
    XCTAssertEqual(fit.combiner.weights[1], 0.2, accuracy: 1e-4)
    let shrunk = try XCTUnwrap(BlendFit.Moments([p1, p2], y, rows: Array(0..<400)).solve(alpha: 1))
    XCTAssertLessThan(abs(shrunk.weights[0]), 0.7)
    let twice = BlendFit(predictions: [p1, p1], targets: p1, seed: 1)
    XCTAssertTrue(twice.combiner.weights.allSatisfy(\.isFinite))
    XCTAssertEqual(twice.combiner.weights.reduce(0, +), 1, accuracy: 1e-3)
    XCTAssertEqual(BlendFit.choleskySolve([4, 2, 2, 3], [2, 5], size: 2)!.map { ($0 * 1e6).rounded() / 1e6 }, [-0.5, 2])
    XCTAssertNil(BlendFit.choleskySolve([1, 2, 2, 1], [1, 1], size: 2))
  }

  /// A blend's weights come from the validation part only: scrambling the test ratings
  /// changes no weight, and neither does the order of anything else.
  func testABlendChoosesNothingOnTheTestPart() throws {
    let (data, split) = Self.prepared
    let spec = try ModelFamilies.testSpec(named: "blend")
    let (first, report) = try ExperimentRun(spec: spec).run(data: data, split: split)
    var scrambled = split
    scrambled.test.values = split.test.values.map { 6 - $0 }
    let (second, _) = try ExperimentRun(spec: spec).run(data: data, split: scrambled)
    let a = try XCTUnwrap(first.model as? EnsembleModel), b = try XCTUnwrap(second.model as? EnsembleModel)
    XCTAssertEqual(a.combiner, b.combiner)
    XCTAssertEqual(a.combiner.weights.count, 4)
    XCTAssertNotEqual(a.combiner, .average(count: 4))
    XCTAssertEqual(report.model, "blend")
    XCTAssertLessThan(report.testRMSE, report.baselineTestRMSE + 0.05)
  }

  /// A refitted blend keeps the weights the validation part chose and then trains its members
  /// on every training rating: the networks on all but a 2% part of their own, the others on all.
  func testARefittedBlendKeepsItsWeightsAndRetrainsOnEveryRating() throws {
    let (data, split) = Self.prepared
    var o = ModelOverrides()
    o.members = [try autoRec(epochs: 10), try ModelFamilies.spec(named: "svd")]
    let (plain, _) = try ExperimentRun(spec: try ModelFamilies.spec(named: "blend", overrides: o)).run(data: data, split: split)
    o.refit = true
    let (refitted, _) = try ExperimentRun(spec: try ModelFamilies.spec(named: "blend", overrides: o)).run(data: data, split: split)
    let a = try XCTUnwrap(plain.model as? EnsembleModel), b = try XCTUnwrap(refitted.model as? EnsembleModel)
    XCTAssertEqual(a.combiner, b.combiner)
    XCTAssertTrue(b.settings.refit)
    let all = split.train.count + split.validation.count
    XCTAssertEqual(a.members[0].storedRatings?.nonzeroCount, split.train.count)
    XCTAssertEqual(b.members[0].storedRatings?.nonzeroCount, all - Int((Double(all) * DataPlan.defaultValidationFraction).rounded()))
    XCTAssertNotEqual(refitted.predictor().predict(split.test).values, plain.predictor().predict(split.test).values)
    o = ModelOverrides()
    o.refit = true
    o.members = [try autoRec()]
    XCTAssertThrowsError(try ModelFamilies.spec(named: "ensemble", overrides: o)) { error in
      XCTAssertTrue("\(error)".hasPrefix("--refit applies to a blend"), "\(error)")
    }
  }

  /// A support-weighted blend recovers weights that vary with the user's and item's
  /// supports, and combines members with them: the known answer of a combination made that way.
  func testASupportWeightedBlendRecoversWeightsThatVaryWithSupport() throws {
    var rng = SeededGenerator(seed: 9)
    let n = 3_000
    let p1 = (0..<n).map { _ in Float(1 + 4 * rng.nextUnitDouble()) }
    let p2 = (0..<n).map { _ in Float(1 + 4 * rng.nextUnitDouble()) }
    let supports = (0..<n).map { _ in (user: Int(rng.next() % 300), item: Int(rng.next() % 50)) }
    let s = SupportWeighting.standardisation(supports)
    let truth = SupportWeighting(
      userMean: s.userMean, userScale: s.userScale, itemMean: s.itemMean, itemScale: s.itemScale,
      intercept: SIMD8(0.1, -0.2, 0.05, 0, 0.03, 0, 0, 0),
      weights: [SIMD8(0.2, -0.1, 0, 0.05, 0, 0, 0, 0), SIMD8(-0.15, 0.1, 0.02, 0, -0.04, 0, 0, 0)])
    let exact = MemberCombiner(intercept: 0.3, weights: [0.6, 0.3], support: truth)
    let y = (0..<n).map { r in exact.combine(userSupport: supports[r].user, itemSupport: supports[r].item) { [p1[r], p2[r]][$0] } }
    let fit = BlendFit(predictions: [p1, p2], targets: y, supports: supports, seed: 2)
    let found = try XCTUnwrap(fit.combiner.support)
    XCTAssertEqual(fit.ridge, 0)
    XCTAssertEqual(fit.combiner.intercept, 0.3, accuracy: 1e-3)
    XCTAssertEqual(fit.combiner.weights[0], 0.6, accuracy: 1e-3)
    for k in 0..<SupportWeighting.featureCount {
      XCTAssertEqual(found.intercept[k], truth.intercept[k], accuracy: 2e-3, "intercept, feature \(k)")
      for m in 0..<2 { XCTAssertEqual(found.weights[m][k], truth.weights[m][k], accuracy: 1e-3, "member \(m), feature \(k)") }
    }
    XCTAssertEqual(SupportWeighting(flattened: found.flattened, members: 2), found)
    XCTAssertNil(SupportWeighting(flattened: found.flattened, members: 3))
    // Features: g_u, g_i, g_u·g_i, g_u², g_i² of the standardised log supports.
    let g = truth.features(userSupport: 20, itemSupport: 4)
    let gu = (Float(log1p(20.0)) - s.userMean) / s.userScale, gi = (Float(log1p(4.0)) - s.itemMean) / s.itemScale
    XCTAssertEqual(g, SIMD8(gu, gi, gu * gi, gu * gu, gi * gi, 0, 0, 0))
  }

  /// A support-weighted blend predicts with weights that follow the pair's supports, loads
  /// from its file with them, folds a user in with the user's folded-in support, and refuses
  /// ONNX export by name (the graph would not compute the supports).
  func testASupportWeightedBlendPredictsSavesAndFoldsInWithItsSupports() throws {
    let (data, split) = Self.prepared
    var o = ModelOverrides()
    o.members = [try autoRec(hidden: 6, epochs: 10), try ModelFamilies.spec(named: "baseline")]
    o.stackFolds = 2
    o.supportWeighted = true
    let (trained, _) = try ExperimentRun(spec: try ModelFamilies.spec(named: "blend", overrides: o)).run(data: data, split: split)
    let ensemble = try XCTUnwrap(trained.model as? EnsembleModel)
    let support = try XCTUnwrap(ensemble.combiner.support)
    XCTAssertNotEqual(support.weights, [SIMD8<Float>](repeating: .zero, count: 2))
    let context = PredictionContext(baseline: trained.baseline, scale: trained.scale, rated: trained.rated, compute: .serial)
    let members = ensemble.members.map { $0.predictor(context) }
    let counts = SupportCounts(trained.rated)
    let predicted = trained.predictor().predict(split.test).values
    for k in 0..<split.test.count {
      let (u, i) = (split.test.users[k], split.test.items[k])
      let parts = members.map { $0.predict(user: u, item: i) }
      guard !parts.allSatisfy(\.fallback) else { continue }
      let expected = ensemble.combiner.combine(userSupport: counts.user(u), itemSupport: counts.item(i)) { parts[$0].value }
      XCTAssertEqual(predicted[k], trained.scale.clip(expected), accuracy: 1e-5, "pair \(k)")
    }
    let dir = TemporaryFolder()
    try ModelFile.save(trained, to: dir.path + "/weighted.safetensors")
    let loaded = try ModelFile.load(dir.path + "/weighted.safetensors")
    XCTAssertEqual((loaded.model as? EnsembleModel)?.combiner, ensemble.combiner)
    XCTAssertEqual(loaded.predictor().predict(split.test).values, predicted)
    let ratings = trained.trainingRatings(of: 11)
    let folder = trained.userFolder(compute: .serial)
    let profile = folder.foldIn(ratings)
    let memberFolders = ensemble.members.map { $0.userFolder(context) }
    let memberProfiles = memberFolders.map { $0.foldIn(ratings) }
    let batch = folder.scores([profile], compute: .serial)[0]
    for item in Int32(0)..<Int32(trained.items.count) where folder.knows(item) {
      let expected = ensemble.combiner.combine(userSupport: ratings.items.count, itemSupport: counts.item(item)) {
        memberFolders[$0].score(memberProfiles[$0], item: item)
      }
      XCTAssertEqual(folder.score(profile, item: item), trained.scale.clip(expected), accuracy: 1e-5, "item \(item)")
      XCTAssertEqual(batch[Int(item)], trained.scale.clip(expected), accuracy: 1e-5, "item \(item), batch")
    }
    XCTAssertThrowsError(try ONNXExporter.export(trained)) { error in XCTAssertTrue("\(error)".contains("--support-weighted"), "\(error)") }
  }

  /// A stacked blend's out-of-fold prediction of a rating comes from members trained on the
  /// other folds only: a bias-baseline member gives exactly the baseline fitted on them.
  func testAStackedBlendPredictsEachRatingFromTheOtherFolds() throws {
    let (data, split) = Self.prepared
    var o = ModelOverrides()
    o.members = [try ModelFamilies.spec(named: "baseline"), try autoRec(hidden: 20, epochs: 80)]
    o.stackFolds = 3
    let spec = try ModelFamilies.spec(named: "blend", overrides: o)
    let settings = try XCTUnwrap(spec.settings as? EnsembleSettings)
    let (userCount, itemCount) = (data.users.count, data.items.count)
    let baseline = BiasBaseline(fitting: split.train, userCount: userCount, itemCount: itemCount)
    let job = TrainingJob(
      train: split.train, validation: split.validation, userCount: userCount, itemCount: itemCount, baseline: baseline,
      scale: RatingScale(of: split.train.values), compute: .serial)
    let (predictions, targets, supports) = try settings.outOfFoldPredictions(job)
    var pool = split.train
    pool.append(split.validation)
    XCTAssertEqual(targets, pool.values)
    let fold = EnsembleSettings.stackingFolds(count: pool.count, folds: 3, seed: settings.seed)
    let sizes = (0..<3).map { k in fold.filter { $0 == k }.count }
    XCTAssertEqual(sizes.reduce(0, +), pool.count)
    XCTAssertLessThanOrEqual(sizes.max()! - sizes.min()!, 1)
    var checked = 0
    for k in 0..<3 {
      let others = pool.subset((0..<pool.count).filter { fold[$0] != k })
      let fitted = BiasBaseline(fitting: others, userCount: userCount, itemCount: itemCount)
      let seenUsers = Set(others.users), seenItems = Set(others.items)
      // A rating's supports count the ratings its members learned from.
      for r in 0..<pool.count where fold[r] == k {
        XCTAssertEqual(supports[r].user, others.users.filter { $0 == pool.users[r] }.count, "rating \(r)")
        XCTAssertEqual(supports[r].item, others.items.filter { $0 == pool.items[r] }.count, "rating \(r)")
      }
      for r in 0..<pool.count where fold[r] == k && seenUsers.contains(pool.users[r]) && seenItems.contains(pool.items[r]) {
        XCTAssertEqual(predictions[0][r], job.scale.clip(fitted.predict(user: pool.users[r], item: pool.items[r])), accuracy: 1e-6, "rating \(r)")
        checked += 1
      }
    }
    XCTAssertGreaterThan(checked, pool.count * 9 / 10)
    // The network's out-of-fold errors are those of unseen ratings: far above its error on the
    // ratings it trained on, and like its error on the test part.
    let (trained, _) = try ExperimentRun(spec: try autoRec(hidden: 20, epochs: 80, shrink: false)).run(data: data, split: split)
    let inSample = Metrics.rmse(predicted: trained.predictor().predict(split.train).values, actual: split.train.values)
    let outOfFold = Metrics.rmse(predicted: predictions[1], actual: targets)
    XCTAssertGreaterThan(outOfFold, inSample + 0.05)
  }

  /// A stacked blend chooses nothing on the test part, trains its members on every training
  /// and validation rating, needs no validation part, and is refused where it means nothing.
  func testAStackedBlendFitsOnEveryRatingAndNotOnTheTestPart() throws {
    let (data, split) = Self.prepared
    var o = ModelOverrides()
    o.members = [try autoRec(epochs: 10), try ModelFamilies.spec(named: "svd"), try ModelFamilies.spec(named: "baseline")]
    o.stackFolds = 3
    let spec = try ModelFamilies.spec(named: "blend", overrides: o)
    let (first, report) = try ExperimentRun(spec: spec).run(data: data, split: split)
    var scrambled = split
    scrambled.test.values = split.test.values.map { 6 - $0 }
    let (second, _) = try ExperimentRun(spec: spec).run(data: data, split: scrambled)
    let a = try XCTUnwrap(first.model as? EnsembleModel), b = try XCTUnwrap(second.model as? EnsembleModel)
    XCTAssertEqual(a.combiner, b.combiner)
    XCTAssertEqual(a.settings.stackFolds, 3)
    XCTAssertTrue(a.settings.trainsMembersOnEveryRating)
    XCTAssertNil(report.validationRMSE)
    let all = split.train.count + split.validation.count
    XCTAssertEqual(a.members[0].storedRatings?.nonzeroCount, all - Int((Double(all) * DataPlan.defaultValidationFraction).rounded()))
    XCTAssertLessThan(report.testRMSE, report.baselineTestRMSE)
    // Saved and loaded, it keeps its fold count and predicts the same.
    let dir = TemporaryFolder()
    try ModelFile.save(first, to: dir.path + "/stacked.safetensors")
    let loaded = try ModelFile.load(dir.path + "/stacked.safetensors")
    XCTAssertEqual((loaded.model as? EnsembleModel)?.settings.stackFolds, 3)
    XCTAssertEqual(loaded.predictor().predict(split.test).values, first.predictor().predict(split.test).values)
    // No validation part is needed: the folds are carved from the training ratings.
    var noValidation = split
    noValidation.train.append(split.validation)
    noValidation.validation = RatingSet()
    XCTAssertNoThrow(try ExperimentRun(spec: spec).run(data: data, split: noValidation))
    o.stackFolds = 1
    XCTAssertThrowsError(try ModelFamilies.spec(named: "blend", overrides: o)) { error in
      XCTAssertEqual("\(error)", "--stack-folds must be at least 2")
    }
    o.stackFolds = 3
    o.members = [try autoRec()]
    XCTAssertThrowsError(try ModelFamilies.spec(named: "ensemble", overrides: o)) { error in
      XCTAssertTrue("\(error)".hasPrefix("--stack-folds applies to a blend"), "\(error)")
    }
  }

  /// Saved and loaded, an ensemble predicts, recommends and folds in exactly as before; a
  /// member refitted on validation ratings keeps its own rating matrix in the file.
  func testASavedBlendLoadsWithEveryMember() throws {
    let (data, split) = Self.prepared
    for name in ["ensemble", "blend"] {
      let (trained, _) = try ExperimentRun(spec: try ModelFamilies.testSpec(named: name)).run(data: data, split: split)
      let dir = TemporaryFolder()
      let path = dir.path + "/\(name).safetensors"
      try ModelFile.save(trained, to: path)
      let loaded = try ModelFile.load(path)
      XCTAssertNil(try loaded.spec.firstDifference(from: trained.spec), name)
      XCTAssertEqual(loaded.predictor().predict(split.test).values, trained.predictor().predict(split.test).values, name)
      let ensemble = try XCTUnwrap(trained.model as? EnsembleModel)
      XCTAssertEqual((loaded.model as? EnsembleModel)?.combiner, ensemble.combiner)
      let tensors = try SafeTensors.decode(Data(contentsOf: URL(fileURLWithPath: path)), path: path).tensors
      // A member that learned from other ratings than the ensemble's training part keeps its
      // own matrix: the blend's refitted I-AutoRec (member 0, training + validation) and the
      // average's second member (its own validation part); the others share the file's.
      XCTAssertEqual(tensors["member0.input.row_start"] != nil, name == "blend", name)
      XCTAssertEqual(tensors["member1.input.row_start"] != nil, name == "ensemble", name)
      let user = loaded.trainingRatings(of: 4)
      let before = trained.userFolder(), after = loaded.userFolder()
      XCTAssertEqual(after.scores(after.foldIn(user), compute: .serial), before.scores(before.foldIn(user), compute: .serial), name)
    }
  }

  /// Folding a user into an ensemble folds them into every member and combines the members'
  /// scores with the ensemble's weights.
  func testFoldInCombinesTheMembersFoldIns() throws {
    let (data, split) = Self.prepared
    let (trained, _) = try ExperimentRun(spec: try ModelFamilies.testSpec(named: "blend")).run(data: data, split: split)
    let ensemble = try XCTUnwrap(trained.model as? EnsembleModel)
    let context = PredictionContext(baseline: trained.baseline, scale: trained.scale, rated: trained.rated, compute: .serial)
    let folder = trained.userFolder(compute: .serial)
    let ratings = trained.trainingRatings(of: 11)
    let profile = folder.foldIn(ratings)
    XCTAssertEqual(profile.members.count, 4)
    let members = ensemble.members.map { $0.userFolder(context) }
    let memberProfiles = members.map { $0.foldIn(ratings) }
    for item in Int32(0)..<Int32(trained.items.count) where folder.knows(item) {
      let parts = zip(members, memberProfiles).map { $0.score($1, item: item) }
      let expected = trained.scale.clip(ensemble.combiner.combine { parts[$0] })
      XCTAssertEqual(folder.score(profile, item: item), expected, accuracy: 1e-5, "item \(item)")
    }
    XCTAssertTrue(folder.foldIn(UserRatings()).isFallback)
  }

  /// An ensemble of networks reading the same rows is one network: its reconstruction is the
  /// members' combined; members of other families or orientations are refused by name.
  func testAnEnsembleOfNetworksExportsAsOneNetwork() throws {
    let (data, split) = Self.prepared
    let (trained, _) = try ExperimentRun(spec: try autoRec(hidden: 6, epochs: 3, ensemble: 2, shrink: false)).run(data: data, split: split)
    let sample = try ReconstructionSample(trained, rows: 4, compute: .serial)
    let ensemble = try XCTUnwrap(trained.model as? EnsembleModel)
    XCTAssertFalse(ensemble.sharesRatings(ensemble.members[1]))  // its own validation part
    // Every member reads the same input vector (the sample's), as the ONNX graph feeds them:
    // sigmoid(x·Vᵀ + μ), then the identity decoder, written out from the PyTorch-layout tensors.
    for (r, x) in sample.inputs.enumerated() {
      var expected = [Float](repeating: 0, count: x.count)
      for member in ensemble.members {
        let p = Dictionary(uniqueKeysWithValues: member.namedParameters.map { ($0.name, $0) })
        let k = p["encoder.bias"]!.values.count, d = x.count
        let hidden = (0..<k).map { h in
          1 / (1 + exp(-(p["encoder.bias"]!.values[h] + (0..<d).reduce(Float(0)) { $0 + x[$1] * p["encoder.weight"]!.values[h * d + $1] })))
        }
        for c in 0..<d {
          expected[c] += 0.5 * (p["decoder.bias"]!.values[c] + (0..<k).reduce(Float(0)) { $0 + hidden[$1] * p["decoder.weight"]!.values[c * k + $1] })
        }
      }
      for c in [0, 5, 17] { XCTAssertEqual(sample.outputs[r][c], expected[c], accuracy: 1e-4, "row \(r) column \(c)") }
    }
    XCTAssertFalse(try ONNXExporter.export(trained).isEmpty)
    for (name, reason) in [("blend", "has a member that is not a network (svd)"), ("ensemble", "read different vectors")] {
      let (mixed, _) = try ExperimentRun(spec: try ModelFamilies.testSpec(named: name)).run(data: data, split: split)
      XCTAssertThrowsError(try ONNXExporter.export(mixed)) { error in XCTAssertTrue("\(error)".contains(reason), "\(error)") }
    }
  }

  /// A network that does worse than the bias baseline on validation, left unshrunk, is
  /// reported as such (the command line then says so and suggests a blend with the baseline);
  /// one that does better is not.
  func testANetworkThatLosesToTheBaselineOnValidationIsReported() throws {
    let (data, split) = Self.prepared
    let (_, untrained) = try ExperimentRun(spec: try autoRec(epochs: 1, shrink: false)).run(data: data, split: split)
    XCTAssertTrue(untrained.losesToBaselineOnValidation)
    XCTAssertGreaterThan(try XCTUnwrap(untrained.validationRMSE), try XCTUnwrap(untrained.baselineValidationRMSE))
    let json = try JSONSerialization.jsonObject(with: JSONEncoder().encode(untrained)) as? [String: Any]
    XCTAssertEqual(json?["loses_to_baseline_on_validation"] as? Bool, true)
    let (_, blended) = try ExperimentRun(spec: try ModelFamilies.testSpec(named: "blend")).run(data: data, split: split)
    XCTAssertFalse(blended.losesToBaselineOnValidation)
    // An ensemble whose members rotated their validation parts (unshrunk: a shrinking one
    // keeps them all out) is judged by its first member, which never trained on those
    // ratings: exactly the single network's figure.
    let (_, single) = try ExperimentRun(spec: try autoRec(epochs: 20, shrink: false)).run(data: data, split: split)
    let (_, ensemble) = try ExperimentRun(spec: try autoRec(epochs: 20, ensemble: 3, shrink: false)).run(data: data, split: split)
    XCTAssertEqual(try XCTUnwrap(ensemble.validationRMSE), try XCTUnwrap(single.validationRMSE))
    var o = ModelOverrides()
    o.members = [try autoRec(epochs: 5), try ModelFamilies.spec(named: "baseline")]
    o.refit = true
    let (_, refitted) = try ExperimentRun(spec: try ModelFamilies.spec(named: "blend", overrides: o)).run(data: data, split: split)
    XCTAssertNil(refitted.validationRMSE)
    XCTAssertFalse(refitted.losesToBaselineOnValidation)
  }

  func testSettingsThatCannotMakeAnEnsembleAreRefusedByName() throws {
    let (data, split) = Self.prepared
    var o = ModelOverrides()
    o.ensemble = 3
    XCTAssertThrowsError(try ModelFamilies.spec(named: "baseline", overrides: o)) { error in
      XCTAssertTrue("\(error)".hasPrefix("--ensemble applies to models whose training depends on the seed (i-autorec, u-autorec, svd, svdpp, deep-ae)"), "\(error)")
    }
    o.ensemble = 0
    XCTAssertThrowsError(try ModelFamilies.spec(named: "svd", overrides: o)) { error in XCTAssertEqual("\(error)", "--ensemble must be at least 1") }
    o.ensemble = 1
    XCTAssertEqual(try ModelFamilies.spec(named: "svd", overrides: o).name, "svd")
    XCTAssertThrowsError(try ModelFamilies.spec(named: "blend")) { error in XCTAssertTrue("\(error)".hasPrefix("--members names no model"), "\(error)") }
    o = ModelOverrides()
    o.hidden = 10
    o.members = ModelFamilies.testMembers(for: "blend")
    XCTAssertThrowsError(try ModelFamilies.spec(named: "blend", overrides: o)) { error in
      XCTAssertTrue("\(error)".hasPrefix("--hidden does not apply to blend"), "\(error)")
    }
    var noValidation = split
    noValidation.train.append(split.validation)
    noValidation.validation = RatingSet()
    XCTAssertThrowsError(try ExperimentRun(spec: try ModelFamilies.testSpec(named: "blend")).run(data: data, split: noValidation)) { error in
      XCTAssertTrue("\(error)".contains("a blend fits its weights on the validation part, which is empty"), "\(error)")
    }
    XCTAssertThrowsError(try ComparedModel.list("svd,blend:members=svd")) { error in
      XCTAssertTrue("\(error)".contains("--members is given on its own"), "\(error)")
    }
  }
}
