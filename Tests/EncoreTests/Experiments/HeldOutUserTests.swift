import XCTest

@testable import Encore

/// The strong-generalisation protocol: whole users held out, folded in, scored.
final class HeldOutUserTests: XCTestCase {
  func testHeldOutUsersAreNeverTrainedOn() throws {
    var plan = DataPlan(source: .synthetic(.init(users: 120, items: 90, ratings: 4_000, seed: 21)))
    plan.userHoldout = UserHoldout(fraction: 0.1, foldInFraction: 0.8)
    let (_, split) = try plan.prepare()
    let held = try XCTUnwrap(split.heldOutUsers)
    XCTAssertEqual(held.users.count, 12)
    let heldSet = Set(held.users)
    for part in [split.train, split.validation, split.test] { XCTAssertTrue(part.users.allSatisfy { !heldSet.contains($0) }) }
    XCTAssertEqual(Set(held.foldIn.users), heldSet)
    XCTAssertEqual(Set(held.scored.users), heldSet)
    let ratio = Double(held.foldIn.count) / Double(held.foldIn.count + held.scored.count)
    XCTAssertEqual(ratio, 0.8, accuracy: 0.03)
    // The same seed holds out the same users; the retrain variant trains on the fold-in parts.
    plan.userHoldout?.trainOnFoldIn = true
    let (_, again) = try plan.prepare()
    XCTAssertEqual(again.heldOutUsers?.users, held.users)
    XCTAssertEqual(again.train.count + again.validation.count, split.train.count + split.validation.count + held.foldIn.count)
  }

  func testHeldOutUserReportComparesFoldInWithTheBaseline() throws {
    var plan = DataPlan(source: .synthetic(.init(users: 200, items: 120, ratings: 8_000, seed: 4)))
    plan.userHoldout = UserHoldout()
    let (data, split) = try plan.prepare()
    var overrides = ModelOverrides()
    overrides.epochs = 40
    let (_, report) = try ExperimentRun(spec: try ModelFamilies.spec(named: "i-autorec", overrides: overrides)).run(data: data, split: split)
    let held = try XCTUnwrap(report.heldOutUsers)
    XCTAssertEqual(held.mode, "fold-in")
    XCTAssertEqual(held.users, 20)
    XCTAssertLessThan(held.rmse, held.baselineRMSE)
  }

  func testComparisonReportsHeldOutUsersForEveryRun() throws {
    let folder = TemporaryFolder()
    let data = SyntheticRatings(shape: .init(users: 150, items: 80, ratings: 5_000, seed: 3)).generate()
    var text = "userId,movieId,rating,timestamp\n"
    for k in 0..<data.ratings.count {
      text += "\(data.users.rawIDs[Int(data.ratings.users[k])]),\(data.items.rawIDs[Int(data.ratings.items[k])]),\(data.ratings.values[k]),0\n"
    }
    let path = folder.write("ratings.csv", text)
    var comparison = try Comparison(modelNames: ["baseline", "svd"])
    comparison.userHoldout = UserHoldout()
    comparison.k = 5
    comparison.threshold = 4
    let results = try comparison.runAll(.data(path, folds: 2), seeds: 1)
    XCTAssertEqual(results.count, 4)
    XCTAssertTrue(results.allSatisfy { $0.heldOutUsers?.users == 15 })
    XCTAssertTrue(results.allSatisfy { $0.heldOutUsers?.ranking.k == 5 && $0.heldOutUsers?.ranking.threshold == 4 })
    let summary = comparison.summaries(results)
    XCTAssertNotNil(summary[1].heldOutRMSE)
    XCTAssertTrue(Comparison.csv(results).contains("held_out_rmse"))
  }
}
