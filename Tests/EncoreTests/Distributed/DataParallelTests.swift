import XCTest

@testable import Encore

/// Data-parallel training, with the ranks as threads of one process (`ThreadGroup`): N ranks
/// must train the model one process trains, to float tolerance, whatever N; two runs with the
/// same N must agree bit for bit; and the communication must carry only touched rows.
final class DataParallelTests: XCTestCase {
  static let prepared = prepare(users: 150, items: 120, ratings: 4_000)
  /// Many users with few ratings each: a batch of items touches a small share of them.
  static let sparse = prepare(users: 1_500, items: 400, ratings: 6_000)

  static func prepare(users: Int, items: Int, ratings: Int) -> (RatingData, DataSplit) {
    var plan = DataPlan(source: .synthetic(.init(users: users, items: items, ratings: ratings, seed: 5)))
    plan.seed = 42
    return try! plan.prepare()
  }

  struct Trained: @unchecked Sendable {
    var parameters: [NamedTensor]
    var report: TrainingReport
  }

  /// Trains `spec` alone (ranks = 1, on two threads) or on `ranks` thread-ranks of one thread each.
  func train(
    _ spec: ModelSpec, ranks: Int, on prepared: (RatingData, DataSplit) = prepared, precision: ComputeContext.Precision = .fp32
  ) throws -> [Trained] {
    let (data, split) = prepared
    if ranks == 1 {
      let compute = try ComputeContext(threads: 2).with(precision: precision)
      let (model, report) = try ExperimentRun(spec: spec, compute: compute).run(data: data, split: split)
      return [Trained(parameters: model.model.namedParameters, report: report)]
    }
    let box = UncheckedSendable((spec, data, split))
    return try ThreadGroup(size: ranks).run { member in
      let (spec, data, split) = box.value
      var run = ExperimentRun(spec: spec, compute: try ComputeContext(threads: 1).with(precision: precision))
      run.replicas = DataParallel(member)
      let (model, report) = try run.run(data: data, split: split)
      return Trained(parameters: model.model.namedParameters, report: report)
    }
  }

  func spec(_ name: String, _ settings: (inout ModelOverrides) -> Void) throws -> ModelSpec {
    var overrides = ModelOverrides()
    settings(&overrides)
    return try ModelFamilies.spec(named: name, overrides: overrides, seed: 7)
  }

  /// The largest difference of a parameter relative to its tensor's largest magnitude:
  /// max over tensors of max|a − b| / max|b|.
  func largestRelativeDifference(_ a: [NamedTensor], _ b: [NamedTensor]) -> Float {
    var worst: Float = 0
    for (x, y) in zip(a, b) {
      XCTAssertEqual(x.name, y.name)
      let scale = max(y.values.map(abs).max() ?? 0, 1e-6)
      for (u, v) in zip(x.values, y.values) { worst = max(worst, abs(u - v) / scale) }
    }
    return worst
  }

  /// Checks that 2 and 3 ranks train what one process trains, that every rank ends with the
  /// same bits, and that a second 2-rank run repeats the first exactly.
  func checkMatchesOneProcess(
    _ spec: ModelSpec, tolerance: Float, precision: ComputeContext.Precision = .fp32, file: StaticString = #filePath, line: UInt = #line
  ) throws {
    let single = try train(spec, ranks: 1, precision: precision)[0]
    XCTAssertEqual(single.report.ranks, 1, file: file, line: line)
    for ranks in [2, 3] {
      let results = try train(spec, ranks: ranks, precision: precision)
      for other in results.dropFirst() {
        XCTAssertEqual(other.parameters.map(\.values), results[0].parameters.map(\.values), "ranks disagree", file: file, line: line)
      }
      let root = results[0]
      XCTAssertEqual(root.report.ranks, ranks, file: file, line: line)
      XCTAssertGreaterThan(root.report.bytesReducedPerEpoch ?? 0, 0, file: file, line: line)
      let difference = largestRelativeDifference(root.parameters, single.parameters)
      XCTAssertLessThan(difference, tolerance, "\(ranks) ranks against one process", file: file, line: line)
      XCTAssertEqual(root.report.testRMSE, single.report.testRMSE, accuracy: 1e-4, file: file, line: line)
      XCTAssertEqual(root.report.bestEpoch, single.report.bestEpoch, file: file, line: line)
    }
    let again = try train(spec, ranks: 2, precision: precision)
    let first = try train(spec, ranks: 2, precision: precision)
    XCTAssertEqual(again[0].parameters.map(\.values), first[0].parameters.map(\.values), "two 2-rank runs differ", file: file, line: line)
    XCTAssertEqual(again[0].report.testRMSE, first[0].report.testRMSE, file: file, line: line)
  }

  func testShardsAddUpToTheBatch() {
    let batch = Array(Int32(0)..<Int32(10))[2..<9]
    for size in 1...9 {
      let group = ThreadGroup(size: size)
      let shards = group.members.map { DataParallel($0).shard(batch) }
      XCTAssertEqual(shards.flatMap { $0 }, Array(batch), "\(size) ranks")
      XCTAssertLessThanOrEqual(shards.map(\.count).max()! - shards.map(\.count).min()!, 1)
    }
  }

  func testUnionAndSumsAgreeOnEveryRank() throws {
    let lists: [[Int32]] = [[0, 5, 64, 200], [5, 63, 199], [1]]
    let results = try ThreadGroup(size: 3).run { member -> ([Int32], [Float], Int) in
      let parallel = DataParallel(member)
      let union = parallel.union(of: lists[member.rank], columnCount: 201)
      var values: [Float] = [Float(member.rank), 1, 0.5]
      values.withUnsafeMutableBufferPointer { parallel.sum($0.baseAddress!, count: 3) }
      return (union, values, parallel.bytesReduced)
    }
    for (union, values, bytes) in results {
      XCTAssertEqual(union, [0, 1, 5, 63, 64, 199, 200])
      XCTAssertEqual(values, [3, 3, 1.5])
      XCTAssertEqual(bytes, 4 * 8 + 3 * 4)
    }
  }

  func testItemAutoRecWithDropoutMatchesOneProcess() throws {
    try checkMatchesOneProcess(
      try spec("i-autorec") { $0.hidden = 24; $0.epochs = 12; $0.batchSize = 16; $0.inputDropout = 0.2; $0.hiddenDropout = 0.1 },
      tolerance: 1e-3)
  }

  func testUserAutoRecMatchesOneProcess() throws {
    try checkMatchesOneProcess(try spec("u-autorec") { $0.hidden = 24; $0.epochs = 10; $0.batchSize = 32 }, tolerance: 1e-3)
  }

  /// With bf16 weight rows every rank refreshes the union of touched rows after the summed
  /// step, so the ranks' copies, and their parameters, stay identical.
  func testItemAutoRecWithBF16RowsMatchesOneProcess() throws {
    try checkMatchesOneProcess(
      try spec("i-autorec") { $0.hidden = 24; $0.epochs = 8; $0.batchSize = 16; $0.inputDropout = 0.2 }, tolerance: 1e-3,
      precision: .bf16)
  }

  func testFullBatchRpropMatchesOneProcess() throws {
    try checkMatchesOneProcess(try spec("i-autorec") { $0.hidden = 16; $0.epochs = 15; $0.optimizer = .rprop }, tolerance: 1e-3)
  }

  func testDeepAutoencoderWithRefeedingAndDropoutMatchesOneProcess() throws {
    try checkMatchesOneProcess(
      try spec("deep-ae") { $0.layers = [32, 16]; $0.epochs = 6; $0.batchSize = 16; $0.dropout = 0.3; $0.refeed = 1; $0.noise = 0.1 },
      tolerance: 1e-3)
  }

  /// Only touched rows travel: a batch of a few users sends far less than the dense gradient.
  func testOnlyTouchedRowsAreReduced() throws {
    let results = try train(try spec("i-autorec") { $0.hidden = 24; $0.epochs = 2; $0.batchSize = 8; $0.patience = 0 }, ranks: 2, on: Self.sparse)
    let (data, split) = Self.sparse
    let rows = Set(split.train.items).count, steps = (rows + 7) / 8
    let columns = data.users.count, k = 24
    let dense = Double(steps * (2 * columns * k + columns + k) * 4)
    let sent = results[0].report.bytesReducedPerEpoch!
    XCTAssertLessThan(sent, dense / 4, "bytes per epoch \(sent), dense \(dense)")
  }

  func testFamiliesWithoutDataParallelTrainingAreRefused() throws {
    let svd = try spec("svd") { $0.epochs = 2 }
    XCTAssertThrowsError(try train(svd, ranks: 2)) { error in
      XCTAssertTrue("\(error)".contains("does not train data-parallel"), "\(error)")
    }
  }

  func testLaunchIsReadFromTheLaunchersVariables() {
    XCTAssertNil(MPICommunicator.Launch.detect([:]))
    XCTAssertEqual(
      MPICommunicator.Launch.detect(["OMPI_COMM_WORLD_SIZE": "4", "OMPI_COMM_WORLD_RANK": "2", "OMPI_COMM_WORLD_LOCAL_SIZE": "2"]),
      .init(rank: 2, size: 4, localSize: 2, byOpenMPI: true))
    XCTAssertEqual(
      MPICommunicator.Launch.detect(["PMI_SIZE": "3", "PMI_RANK": "0", "MPI_LOCALNRANKS": "3"]), .init(rank: 0, size: 3, localSize: 3, byOpenMPI: false))
  }
}
