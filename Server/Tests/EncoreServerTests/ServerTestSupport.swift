import Encore
import Foundation
import Hummingbird
import HummingbirdTesting
import XCTest

@testable import EncoreServer

/// A small trained model and a store in a fresh folder, and helpers to call a live server
/// over HTTP on loopback.
final class ServerFixture: Sendable {
  let folder: String
  let modelPath: String
  let storePath: String
  let trained: TrainedModel

  /// Trains `model` on synthetic ratings (seeded, so every run is the same) and saves it.
  init(model: String = "i-autorec", seed: UInt64 = 42) throws {
    folder = NSTemporaryDirectory() + "encore-server-tests-" + UUID().uuidString
    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    modelPath = folder + "/model.safetensors"
    storePath = folder + "/ratings.sqlite"
    trained = try Self.train(model: model, seed: seed)
    try ModelFile.save(trained, to: modelPath)
  }

  static func train(model: String, seed: UInt64) throws -> TrainedModel {
    let data = SyntheticRatings(shape: .init(users: 120, items: 60, ratings: 3_000, seed: 11)).generate()
    let (train, test) = try Splitter.split(data.ratings, .holdout(testFraction: 0.1), seed: seed)
    var overrides = ModelOverrides()
    if model == "i-autorec" {
      overrides.hidden = 16
      overrides.epochs = 30
    }
    let spec = try ModelFamilies.spec(named: model, overrides: overrides, seed: seed)
    var split = DataSplit(train: train, validation: RatingSet(), test: test, description: "test")
    if spec.settings.stopsOnValidation {
      (split.train, split.validation) = Splitter.carveValidation(train, fraction: 0.1, seed: seed)
    }
    return try ExperimentRun(spec: spec, compute: .serial).run(data: data, split: split, keepHistory: false).model
  }

  deinit { try? FileManager.default.removeItem(atPath: folder) }

  func server(limits: ServerLimits = ServerLimits()) throws -> EncoreServer {
    var configuration = ServerConfiguration(modelPath: modelPath, storePath: storePath)
    configuration.port = 0
    configuration.limits = limits
    return try EncoreServer(configuration)
  }
}

/// One answer: status and JSON body.
struct Answer {
  var status: HTTPResponse.Status
  var body: Data
  var headers: HTTPFields
  var json: [String: Any] { (try? JSONSerialization.jsonObject(with: body)) as? [String: Any] ?? [:] }
  var text: String { String(decoding: body, as: UTF8.self) }
  var errorMessage: String { ((json["error"] as? [String: Any])?["message"] as? String) ?? "" }
}

extension TestClientProtocol {
  func call(_ method: HTTPRequest.Method, _ uri: String, json: String? = nil) async throws -> Answer {
    let body = json.map { ByteBuffer(string: $0) }
    return try await execute(uri: uri, method: method, headers: [.contentType: "application/json"], body: body) { response in
      Answer(status: response.status, body: Data(response.body.readableBytesView), headers: response.headers)
    }
  }
}
