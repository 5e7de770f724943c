import Foundation
import XCTest

@testable import Encore

/// A fresh temporary folder per test, removed afterwards.
final class TemporaryFolder {
  let path: String
  init() {
    path = NSTemporaryDirectory() + "encore-tests-" + UUID().uuidString
    try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
  }
  deinit { try? FileManager.default.removeItem(atPath: path) }

  @discardableResult
  func write(_ name: String, _ text: String, encoding: String.Encoding = .utf8) -> String {
    let file = path + "/" + name
    let folder = (file as NSString).deletingLastPathComponent
    try! FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    precondition(FileManager.default.createFile(atPath: file, contents: text.data(using: encoding)!), "could not write \(file)")
    return file
  }
}

/// Asserts that `body` throws exactly `expected`.
func XCTAssertThrowsEncoreError<T>(_ expected: EncoreError, _ body: @autoclosure () throws -> T, file: StaticString = #filePath, line: UInt = #line) {
  do {
    _ = try body()
    XCTFail("expected \(expected)", file: file, line: line)
  } catch let error as EncoreError {
    XCTAssertEqual(error, expected, file: file, line: line)
  } catch {
    XCTFail("unexpected error \(error)", file: file, line: line)
  }
}

/// A small random rating set with every user and item rated at least once.
func smallRatings(users: Int, items: Int, perUser: Int, seed: UInt64) -> RatingSet {
  var rng = SeededGenerator(seed: seed)
  var set = RatingSet()
  for u in 0..<users {
    var chosen = Set<Int>()
    chosen.insert(u % items)
    while chosen.count < perUser { chosen.insert(Int(rng.next() % UInt64(items))) }
    for i in chosen.sorted() {
      set.append(user: Int32(u), item: Int32(i), value: Float(1 + rng.next() % 5))
    }
  }
  for i in 0..<items where !set.items.contains(Int32(i)) {
    set.append(user: Int32(i % users), item: Int32(i), value: 3)
  }
  return set
}

/// The activations in double precision, for the gradient-check references.
func referenceActivation(_ a: Activation, _ z: Double) -> Double {
  switch a {
  case .identity: return z
  case .sigmoid: return 1 / (1 + exp(-z))
  case .relu: return max(z, 0)
  case .relu6: return min(max(z, 0), 6)
  case .lrelu: return z > 0 ? z : 0.01 * z
  case .selu: return 1.0507009873554805 * (z > 0 ? z : 1.6732632423543772 * (exp(z) - 1))
  case .elu: return z > 0 ? z : exp(z) - 1
  case .tanh: return Foundation.tanh(z)
  case .swish: return z / (1 + exp(-z))
  }
}

extension ExperimentRun {
  /// A run as the tests before the model-spec redesign built it: AutoRec kinds with the given
  /// shape and options (orientation from the name); other models with their defaults and the
  /// options' seed.
  init(testModel name: String, configuration: AutoRecConfiguration = AutoRecConfiguration(), options: TrainingOptions = TrainingOptions()) {
    if let orientation = AutoRecConfiguration.Orientation(rawValue: name) {
      var c = configuration
      c.orientation = orientation
      // These runs test training and read the network itself: unshrunk unless the options say
      // (BaselineShrinkTests covers the shrink).
      var o = options
      if o.shrink == nil { o.shrink = false }
      self.init(spec: AutoRecSettings(configuration: c, training: o).spec)
    } else {
      self.init(spec: try! ModelFamilies.testSpec(named: name, seed: options.seed))
    }
  }
}

extension TrainedModel {
  /// The AutoRec network, when the model is one.
  var autoRec: AutoRec? { (model as? AutoRecModel)?.network }
  /// The deep autoencoder, when the model is one.
  var deep: DeepAutoencoder? { (model as? DeepAutoencoderModel)?.network }
}

extension ModelFamilies {
  /// The members the tests that go through every model name give the ensemble family (whose
  /// defaults have none): networks of both orientations for "ensemble"; a refitted network,
  /// a factor model, a neighbourhood model and the bias baseline for "blend".
  static func testMembers(for name: String) -> [ModelSpec]? {
    func member(_ name: String, _ settings: (inout ModelOverrides) -> Void) -> ModelSpec {
      var o = ModelOverrides()
      settings(&o)
      return try! spec(named: name, overrides: o)
    }
    switch name {
    case "ensemble":
      return [
        // Unshrunk, so that the members rotate their validation parts (an average of
        // shrinking networks shrinks as a whole: BaselineShrinkTests).
        member("i-autorec") { $0.hidden = 40; $0.epochs = 30; $0.shrink = false },
        member("u-autorec") { $0.hidden = 40; $0.epochs = 30; $0.shrink = false },
      ]
    case "blend":
      return [
        member("i-autorec") { $0.hidden = 8; $0.epochs = 60; $0.refit = true },
        member("svd") { $0.epochs = 5; $0.factors = 4 },
        member("knn-baseline") { $0.neighbours = 5 },
        member("baseline") { _ in },
      ]
    default: return nil
    }
  }

  /// `spec(named:overrides:seed:)` with `testMembers` for the ensemble family.
  static func testSpec(named name: String, overrides: ModelOverrides = ModelOverrides(), seed: UInt64 = 42) throws -> ModelSpec {
    var o = overrides
    if o.members == nil, let members = testMembers(for: name) { o.members = members }
    return try spec(named: name, overrides: o, seed: seed)
  }
}

/// `smallRatings` with ID maps "0", "1", … for every user and item.
func smallData(users: Int, items: Int, perUser: Int, seed: UInt64) -> RatingData {
  var userMap = IDMap(), itemMap = IDMap()
  for u in 0..<users { _ = userMap.insert(String(u)) }
  for i in 0..<items { _ = itemMap.insert(String(i)) }
  return RatingData(
    ratings: smallRatings(users: users, items: items, perUser: perUser, seed: seed), users: userMap, items: itemMap, sourceDescription: "small")
}
