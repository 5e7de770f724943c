import Foundation
import XCTest
import Synchronization

@testable import Encore

final class ComputeContextTests: XCTestCase {
  func testEveryIndexIsVisitedOnceForEveryThreadCount() throws {
    for threads in 1...5 {
      let compute = try ComputeContext(threads: threads)
      for count in [0, 1, 7, 100, 10_000] {
        let hits = StableBuffer<Int32>(repeating: 0, count: max(count, 1))
        let box = UncheckedSendable(hits.pointer)
        compute.forRanges(count, grain: 3) { lo, hi in for i in lo..<hi { box.value[i] += 1 } }
        XCTAssertEqual(Array(UnsafeBufferPointer(start: hits.pointer, count: count)), [Int32](repeating: 1, count: count))
        // Rows of uneven weight.
        let prefix = (0...count).map { $0 * ($0 % 7 + 1) }
        let sorted = prefix.reduce(into: [Int]()) { $0.append(($0.last ?? 0) + $1) }
        hits.pointer.update(repeating: 0, count: max(count, 1))
        sorted.withUnsafeBufferPointer { p in
          compute.forWeightedRanges(count, prefix: p, minWeight: 50) { lo, hi in for i in lo..<hi { box.value[i] += 1 } }
        }
        XCTAssertEqual(Array(UnsafeBufferPointer(start: hits.pointer, count: count)), [Int32](repeating: 1, count: count), "threads \(threads)")
      }
    }
  }

  func testOneThreadNeverLeavesTheCallingThread() throws {
    let caller = pthread_self()
    let others = Mutex(0)
    ComputeContext.serial.forRanges(1000, grain: 1) { _, _ in
      if pthread_equal(pthread_self(), caller) == 0 { others.withLock { $0 += 1 } }
    }
    XCTAssertEqual(others.withLock { $0 }, 0)
  }

  func testBadChoicesAreErrorsNamingTheSetting() {
    XCTAssertThrowsEncoreError(.invalidSetting("threads", "must be at least 1 (got 0)"), try ComputeContext(threads: 0))
    XCTAssertNil(try ComputeContext(gemm: .builtin).blas)
    XCTAssertEqual(try ComputeContext(threads: 3, gemm: .builtin).threads, 3)
  }

  /// Chunks own their outputs, so training and prediction give the same bits on 1, 2 or 3 threads.
  func testTrainingGivesIdenticalResultsOnEveryThreadCount() throws {
    var plan = DataPlan(source: .synthetic(.init(users: 120, items: 90, ratings: 3_000, seed: 8)))
    plan.seed = 3
    let (data, split) = try plan.prepare()
    for name in ["i-autorec", "u-autorec", "deep-ae"] {
      var overrides = ModelOverrides()
      overrides.epochs = 3
      let spec = try ModelFamilies.spec(named: name, overrides: overrides)
      var results: [[Float]] = []
      for threads in [1, 2, 3] {
        let compute = try ComputeContext(threads: threads, gemm: .builtin)
        let (model, _) = try ExperimentRun(spec: spec, compute: compute).run(data: data, split: split)
        results.append(model.predictor(compute: compute).predict(split.test).values)
      }
      XCTAssertEqual(results[0], results[1], name)
      XCTAssertEqual(results[0], results[2], name)
    }
  }

  /// Two single-threaded runs side by side in one process match a run on its own.
  func testSingleThreadedRunsSideBySideMatchARunAlone() throws {
    var plan = DataPlan(source: .synthetic(.init(users: 120, items: 90, ratings: 3_000, seed: 9)))
    plan.seed = 4
    let (data, split) = try plan.prepare()
    var overrides = ModelOverrides()
    overrides.epochs = 4
    let specs = [try ModelFamilies.spec(named: "i-autorec", overrides: overrides), try ModelFamilies.spec(named: "deep-ae", overrides: overrides)]
    func predictions(_ spec: ModelSpec) throws -> [Float] {
      let (model, _) = try ExperimentRun(spec: spec, compute: .serial).run(data: data, split: split)
      return model.predictor(compute: .serial).predict(split.test).values
    }
    let alone = try specs.map(predictions)
    let together = Mutex([[Float]](repeating: [], count: 2))
    let box = UncheckedSendable((specs, predictions))
    DispatchQueue.concurrentPerform(iterations: 2) { i in
      let values = (try? box.value.1(box.value.0[i])) ?? []
      together.withLock { $0[i] = values }
    }
    XCTAssertEqual(together.withLock { $0 }, alone)
  }
}
