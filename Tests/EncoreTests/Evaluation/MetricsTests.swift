import XCTest

@testable import Encore

final class MetricsTests: XCTestCase {
  func testRMSEAndMAEAgainstHandComputedValues() {
    // errors: 1, -2, 0.5, 0 → squared 1, 4, 0.25, 0 → mean 1.3125
    let predicted: [Float] = [4, 1, 3.5, 2]
    let actual: [Float] = [3, 3, 3, 2]
    XCTAssertEqual(Metrics.rmse(predicted: predicted, actual: actual), 1.3125.squareRoot(), accuracy: 1e-12)
    XCTAssertEqual(Metrics.mae(predicted: predicted, actual: actual), 3.5 / 4, accuracy: 1e-12)
    XCTAssertEqual(Metrics.rmse(predicted: [], actual: []), 0)
  }

  func testBiasBaselineMatchesHandComputedALS() {
    // Two users, two items; one epoch of surprise's ALS by hand with reg_u = reg_i = 1.
    let r = RatingSet(users: [0, 0, 1], items: [0, 1, 0], values: [5, 3, 4])
    let b = BiasBaseline(fitting: r, userCount: 2, itemCount: 2, epochs: 1, userRegularization: 1, itemRegularization: 1)
    // μ = 4; b_i0 = (1 + 0)/(1+2) = 1/3, b_i1 = (-1)/(1+1) = -1/2
    // b_u0 = ((5-4-1/3) + (3-4+1/2))/(1+2) = (2/3 - 1/2)/3 = 1/18; b_u1 = (4-4-1/3)/(1+1) = -1/6
    XCTAssertEqual(b.globalMean, 4)
    XCTAssertEqual(b.itemBias[0], 1.0 / 3, accuracy: 1e-6)
    XCTAssertEqual(b.itemBias[1], -0.5, accuracy: 1e-6)
    XCTAssertEqual(b.userBias[0], 1.0 / 18, accuracy: 1e-6)
    XCTAssertEqual(b.userBias[1], -1.0 / 6, accuracy: 1e-6)
    XCTAssertEqual(b.predict(user: 5, item: 0), 4 + 1.0 / 3, accuracy: 1e-6)  // unknown user: no bias
  }
}
