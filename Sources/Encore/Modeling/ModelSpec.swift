import Foundation

/// A model's family and settings: what `encore train --model NAME` and its options build,
/// what a model file stores (as `{"family": ..., "settings": {...}}`), and what a resumed
/// run is checked against. Decoding needs the list of families (`ModelFamilies`).
public struct ModelSpec: Sendable {
  /// The family's settings.
  public let settings: any ModelSettings

  public init(_ settings: any ModelSettings) { self.settings = settings }

  /// The model's name as the command line spells it.
  public var name: String { settings.name }

  /// The family's name.
  public var family: String { type(of: settings).family }

  /// The settings as a flat list of (dotted path, JSON value), for comparing two specs.
  public func flattened() throws -> [(String, String)] {
    let data = try JSONEncoder.sorted.encode(AnyEncodable(settings))
    var out: [(String, String)] = [("family", family)]
    func walk(_ value: Any, _ path: String) {
      if let d = value as? [String: Any] {
        for key in d.keys.sorted() { walk(d[key]!, path.isEmpty ? key : path + "." + key) }
      } else if let a = value as? [Any], a.contains(where: { $0 is [String: Any] || $0 is [Any] }) {
        // An ensemble's members: one path per member ("members.0.settings.seed").
        for (i, element) in a.enumerated() { walk(element, path + ".\(i)") }
      } else if let a = value as? [Any] {
        out.append((path, a.map { "\($0)" }.joined(separator: ",")))
      } else {
        out.append((path, "\(value)"))
      }
    }
    walk(try JSONSerialization.jsonObject(with: data), "")
    return out
  }

  /// The first setting whose value differs from `other`'s, ignoring `ignoring` paths.
  public func firstDifference(from other: ModelSpec, ignoring: Set<String> = []) throws -> (setting: String, mine: String, theirs: String)? {
    let a = Dictionary(try flattened(), uniquingKeysWith: { x, _ in x })
    let b = Dictionary(try other.flattened(), uniquingKeysWith: { x, _ in x })
    for key in Set(a.keys).union(b.keys).sorted() where !ignoring.contains(key) {
      if a[key] != b[key] { return (key, a[key] ?? "(none)", b[key] ?? "(none)") }
    }
    return nil
  }
}

extension ModelSpec: Encodable {
  enum CodingKeys: String, CodingKey { case family, settings }

  public func encode(to encoder: Encoder) throws {
    var c = encoder.container(keyedBy: CodingKeys.self)
    try c.encode(family, forKey: .family)
    try c.encode(AnyEncodable(settings), forKey: .settings)
  }
}

/// Encodes an existential value.
struct AnyEncodable: Encodable {
  let value: any Encodable
  init(_ value: any Encodable) { self.value = value }
  func encode(to encoder: Encoder) throws { try value.encode(to: encoder) }
}

extension JSONEncoder {
  /// An encoder with sorted keys, so equal values encode to equal bytes.
  static var sorted: JSONEncoder {
    let e = JSONEncoder()
    e.outputFormatting = [.sortedKeys]
    return e
  }
}
