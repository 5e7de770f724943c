import XCTest

@testable import Encore

/// The epoch bookkeeping shared by the trainers: best epoch, early stopping and the
/// reduce-on-plateau learning-rate schedule.
final class TrainingProgressTests: XCTestCase {
  /// Feeds validation scores epoch by epoch, cutting on plateaus as the trainers do, and
  /// returns the learning-rate factor in force during each epoch.
  func scales(_ scores: [Double], factor: Float, patience: Int) -> [Float] {
    var progress = TrainingProgress(seed: 1, stream: 1, resume: nil)
    var used: [Float] = []
    for score in scores {
      progress.epoch += 1
      used.append(progress.learningRateScale)
      _ = progress.finishEpoch(trainRMSE: 1, validationRMSE: score, seconds: 0)
      progress.reduceOnPlateau(factor: factor, patience: patience)
    }
    return used
  }

  func testPlateauCutsAfterPatienceAndWaitsAgainAfterEachCut() {
    // Best at epoch 2; epochs 3 and 4 stall, so epoch 5 runs at half; 5 and 6 stall again, so
    // epoch 7 runs at a quarter; epoch 7 improves, which restarts the wait.
    let used = scales([1.0, 0.9, 0.95, 0.95, 0.95, 0.95, 0.8, 0.85, 0.85], factor: 0.5, patience: 2)
    XCTAssertEqual(used, [1, 1, 1, 1, 0.5, 0.5, 0.25, 0.25, 0.25])
  }

  func testFactorOneNeverCuts() {
    XCTAssertEqual(scales([1, 1, 1, 1, 1], factor: 1, patience: 1), [1, 1, 1, 1, 1])
  }

  func testEarlyStoppingCountsFromTheBestEpoch() {
    var progress = TrainingProgress(seed: 1, stream: 1, resume: nil)
    for (i, score) in [0.9, 0.8, 0.85, 0.86].enumerated() {
      progress.epoch = i + 1
      _ = progress.finishEpoch(trainRMSE: 1, validationRMSE: score, seconds: 0)
    }
    XCTAssertEqual(progress.bestEpoch, 2)
    XCTAssertTrue(progress.shouldStop(patience: 2, validating: true))
    XCTAssertFalse(progress.shouldStop(patience: 3, validating: true))
    XCTAssertFalse(progress.shouldStop(patience: 2, validating: false))
    XCTAssertFalse(progress.shouldStop(patience: 0, validating: true))
  }
}
