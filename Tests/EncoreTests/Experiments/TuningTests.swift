import XCTest

@testable import Encore

/// `encore tune`: the grid's syntax, random search, and cross-validation on the ratings given.
final class TuningTests: XCTestCase {
  func testGridCombinationsAndValuesWithCommas() throws {
    let grid = try ParameterGrid(parsing: "lambda=50,100,200; hidden=300,500")
    XCTAssertEqual(grid.combinations.count, 6)
    XCTAssertEqual(grid.combinations[1].map(\.1), ["50", "500"])
    let layers = try ParameterGrid(parsing: "layers=512,512|256,256;dropout=0,0.5")
    XCTAssertEqual(layers.axes[0].values, ["512,512", "256,256"])
    for (text, message) in [
      ("lamda=1,2", "is not SETTING=VALUE"), ("hidden=many", "takes a whole number"), ("hidden=1;hidden=2", "twice"),
      ("", "names no setting"), ("hidden=", "is not SETTING=VALUE"),
    ] {
      XCTAssertThrowsError(try ParameterGrid(parsing: text), text) { error in
        XCTAssertTrue("\(error)".contains(message), "\(text): \(error)")
      }
    }
  }

  func testEveryCandidateIsCrossValidatedAndTheBestComesFirst() throws {
    let data = SyntheticRatings(shape: .init(users: 80, items: 50, ratings: 1_600, seed: 3)).generate()
    var tuning = Tuning(model: "knn-baseline", grid: try ParameterGrid(parsing: "neighbours=1,10,40;similarity=msd,pearson-baseline"))
    tuning.folds = 4
    let results = try tuning.run(data: data, ratings: data.ratings)
    XCTAssertEqual(results.count, 6)
    XCTAssertTrue(results.allSatisfy { $0.foldRMSEs.count == 4 })
    XCTAssertEqual(results.map(\.rmse.mean), results.map(\.rmse.mean).sorted())
    // One neighbour is worse than forty here: the search sees a real difference.
    let one = results.first { $0.settings["neighbours"] == "1" && $0.settings["similarity"] == "msd" }!
    let forty = results.first { $0.settings["neighbours"] == "40" && $0.settings["similarity"] == "msd" }!
    XCTAssertGreaterThan(one.rmse.mean, forty.rmse.mean)
    // The same seed gives the same scores; random search visits the number of trials asked.
    XCTAssertEqual(try tuning.run(data: data, ratings: data.ratings).map(\.rmse.mean), results.map(\.rmse.mean))
    tuning.trials = 2
    XCTAssertEqual(tuning.candidates().count, 2)
    XCTAssertEqual(try tuning.run(data: data, ratings: data.ratings).count, 2)
  }
}
