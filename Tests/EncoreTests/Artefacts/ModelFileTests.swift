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
      XCTAssertEqual(loaded.name, kind)
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
