import Foundation
import XCTest

@testable import Encore

final class ModelFileTests: XCTestCase {
  func trained(_ kind: String) throws -> (TrainedModel, DataSplit) {
    let plan = DataPlan(source: .synthetic(.init(users: 80, items: 60, ratings: 1_500, seed: 2)))
    let (data, split) = try plan.prepare()
    var options = TrainingOptions()
    options.epochs = 3
    let (model, _) = try ExperimentRun(testModel: kind, configuration: AutoRecConfiguration(hiddenUnits: 12), options: options).run(data: data, split: split)
    return (model, split)
  }

  func testRoundTripGivesIdenticalPredictionsAndRecommendations() throws {
    let dir = TemporaryFolder()
    for kind in ModelFamilies.modelNames {
      let (model, split) = try trained(kind)
      let path = dir.path + "/\(kind).safetensors"
      try ModelFile.save(model, to: path)
      let loaded = try ModelFile.load(path)
      XCTAssertEqual(loaded.name, model.name)  // a network shrunk toward the baseline is a blend
      XCTAssertNil(try loaded.spec.firstDifference(from: model.spec))
      XCTAssertEqual(loaded.users, model.users)
      XCTAssertEqual(loaded.items, model.items)
      XCTAssertEqual(loaded.scale, model.scale)
      XCTAssertEqual(loaded.titles, model.titles)
      XCTAssertEqual(loaded.rated, model.rated)
      XCTAssertEqual(loaded.predictor().predict(split.test).values, model.predictor().predict(split.test).values)
      XCTAssertEqual(try loaded.recommend(user: "5", count: 7), try model.recommend(user: "5", count: 7))
      // No temporary file is left behind.
      XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasPrefix(".") }, [])
    }
  }

  /// A bias model fitted with other epochs than the fallback baseline keeps its own biases.
  func testABaselineWithItsOwnEpochsReloadsItsOwnBiases() throws {
    let plan = DataPlan(source: .synthetic(.init(users: 80, items: 60, ratings: 1_500, seed: 2)))
    let (data, split) = try plan.prepare()
    var o = ModelOverrides()
    o.epochs = 1
    let (model, _) = try ExperimentRun(spec: try ModelFamilies.spec(named: "baseline", overrides: o)).run(data: data, split: split)
    XCTAssertNotEqual((model.model as? BaselineModel)?.baseline.userBias, model.baseline.userBias)
    let dir = TemporaryFolder()
    try ModelFile.save(model, to: dir.path + "/b.safetensors")
    let loaded = try ModelFile.load(dir.path + "/b.safetensors")
    XCTAssertEqual(loaded.predictor().predict(split.test).values, model.predictor().predict(split.test).values)
    let user = model.trainingRatings(of: 3)
    XCTAssertEqual(loaded.userFolder().scores(loaded.userFolder().foldIn(user), compute: .serial),
                   model.userFolder().scores(model.userFolder().foldIn(user), compute: .serial))
  }

  func testPyTorchNamesAndShapes() throws {
    let (model, _) = try trained("i-autorec")
    let dir = TemporaryFolder()
    let path = dir.path + "/m.safetensors"
    try ModelFile.save(model, to: path)
    let (tensors, metadata) = try SafeTensors.decode(try Data(contentsOf: URL(fileURLWithPath: path)), path: path)
    let d = model.users.count
    XCTAssertEqual(tensors["encoder.weight"]?.shape, [12, d])
    XCTAssertEqual(tensors["decoder.weight"]?.shape, [d, 12])
    XCTAssertEqual(tensors["encoder.bias"]?.shape, [12])
    XCTAssertEqual(tensors["decoder.bias"]?.shape, [d])
    XCTAssertEqual(metadata["format"], "pt")
    // encoder.weight[h, j] is V[j, h].
    let e = tensors["encoder.weight"]!.floats
    XCTAssertEqual(e[3 * d + 7], model.autoRec!.encoderWeight[7 * 12 + 3])
  }

  /// Factor models' tensors have fixed names and row-major shapes [users or items, factors], and
  /// the file's numbers alone reproduce SVD's estimate μ + b_u + b_i + p_u·q_i.
  func testFactorTensorNamesShapesAndLayout() throws {
    let dir = TemporaryFolder()
    for kind in ["svd", "svdpp"] {
      let (model, _) = try trained(kind)
      let factors = try XCTUnwrap((model.model as? FactorRatingModel)?.factors, kind)
      let path = dir.path + "/\(kind).safetensors"
      try ModelFile.save(model, to: path)
      let (tensors, _) = try SafeTensors.decode(try Data(contentsOf: URL(fileURLWithPath: path)), path: path)
      let users = model.users.count, items = model.items.count, f = factors.factorCount
      XCTAssertGreaterThan(f, 1, kind)
      XCTAssertNotEqual(users, items, "equal sizes would hide a transposition")
      XCTAssertEqual(tensors["factors.user"]?.shape, [users, f], kind)
      XCTAssertEqual(tensors["factors.item"]?.shape, [items, f], kind)
      XCTAssertEqual(tensors["factors.user_bias"]?.shape, [users], kind)
      XCTAssertEqual(tensors["factors.item_bias"]?.shape, [items], kind)
      XCTAssertEqual(tensors["factors.implicit"]?.shape, kind == "svdpp" ? [items, f] : nil, kind)
      let p = tensors["factors.user"]!.floats, q = tensors["factors.item"]!.floats
      let bu = tensors["factors.user_bias"]!.floats, bi = tensors["factors.item_bias"]!.floats
      XCTAssertEqual(p[3 * f + 1], factors.userFactors[3 * f + 1], kind)
      XCTAssertEqual(q[5 * f + 2], factors.itemFactors[5 * f + 2], kind)
      guard kind == "svd" else { continue }
      for (u, i) in [(3, 5), (0, items - 1), (users - 1, 0)] {
        var dot = 0.0
        for k in 0..<f { dot += Double(p[u * f + k]) * Double(q[i * f + k]) }
        let fromFile = Double(factors.globalMean) + Double(bu[u]) + Double(bi[i]) + dot
        let estimate = factors.userVectors(rated: model.rated).withUnsafeBufferPointer {
          factors.estimate(user: u, item: i, userVectors: $0.baseAddress!)
        }
        XCTAssertEqual(Double(estimate), fromFile, accuracy: 1e-5, "svd (\(u), \(i))")
      }
    }
  }

  /// A tensor whose byte range disagrees with its shape is refused, whether the range is short
  /// or long, and however plausible the rest of the file is.
  func testSafeTensorsByteCountMustMatchShape() throws {
    func file(shape: [Int], bytes: Int) -> Data {
      let header = "{\"x\":{\"dtype\":\"F32\",\"shape\":\(shape),\"data_offsets\":[0,\(bytes)]}}"
      var data = Data()
      withUnsafeBytes(of: UInt64(header.utf8.count).littleEndian) { data.append(contentsOf: $0) }
      data.append(contentsOf: Array(header.utf8))
      data.append(Data(count: bytes))
      return data
    }
    XCTAssertEqual(try SafeTensors.decode(file(shape: [3], bytes: 12), path: "ok").tensors["x"]?.floats, [0, 0, 0])
    for (shape, bytes) in [([3], 8), ([1], 8), ([2, 2], 12), ([0], 4)] {
      XCTAssertThrowsError(try SafeTensors.decode(file(shape: shape, bytes: bytes), path: "f"), "\(shape) in \(bytes) bytes") { error in
        XCTAssertTrue("\(error)".contains("wrong size"), "\(error)")
      }
    }
  }

  func testCorruptTruncatedAndForeignFilesGiveClearErrors() throws {
    let (model, _) = try trained("i-autorec")
    let dir = TemporaryFolder()
    let path = dir.path + "/m.safetensors"
    try ModelFile.save(model, to: path)
    let bytes = try Data(contentsOf: URL(fileURLWithPath: path))
    let cases: [(String, Data, String)] = [
      ("truncated", bytes.prefix(bytes.count / 2), "truncated"),
      ("tiny", bytes.prefix(5), "too short"),
      ("garbage", Data((0..<4096).map { UInt8(truncatingIfNeeded: $0 &* 7919) }), "does not fit"),
      ("foreign", try SafeTensors.encode(["x": .float([1, 2], shape: [2])], metadata: [:]), "another program"),
    ]
    for (name, data, expected) in cases {
      let file = dir.path + "/" + name
      try data.write(to: URL(fileURLWithPath: file))
      XCTAssertThrowsError(try ModelFile.load(file), name) { error in
        guard case EncoreError.badModelFile(let p, let reason) = error else { return XCTFail("\(name): \(error)") }
        XCTAssertEqual(p, file)
        XCTAssertTrue(reason.contains(expected), "\(name): \(reason)")
      }
    }
    XCTAssertThrowsError(try ModelFile.load(dir.path + "/missing"))
  }

  func testAtomicWriteRefusesMissingFolder() {
    XCTAssertThrowsError(try AtomicFile.write("x", to: "/nonexistent-folder/file"))
  }
}
