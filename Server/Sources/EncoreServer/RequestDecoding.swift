import Foundation

/// A request body the API accepts: its fields, so that a misspelt or unknown field is an
/// error that names it instead of being ignored.
protocol RequestBody: Decodable {
  /// The allowed keys of the body's objects, by path: "" for the top level, "ratings[]" for
  /// the objects in the `ratings` array.
  static var fields: [String: Set<String>] { get }
}

enum RequestDecoding {
  /// Decodes `data` as `T`, with errors that name the field: malformed JSON, an unknown
  /// field, a missing field or a value of the wrong type are all 400s.
  static func decode<T: RequestBody>(_ type: T.Type, from data: Data) throws -> T {
    guard !data.isEmpty else { throw APIError.badRequest("the request body is empty; send a JSON object") }
    let parsed: Any
    do {
      parsed = try JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed])
    } catch {
      throw APIError.badRequest("the request body is not valid JSON: \(Self.reason(error))")
    }
    guard parsed is [String: Any] else { throw APIError.badRequest("the request body must be a JSON object") }
    try checkFields(parsed, path: "", display: "", of: type)
    do {
      return try JSONDecoder().decode(type, from: data)
    } catch let error as DecodingError {
      throw APIError.badRequest(describe(error))
    } catch let error as APIError {
      throw error
    }
  }

  private static func checkFields<T: RequestBody>(_ value: Any, path: String, display: String, of type: T.Type) throws {
    if let object = value as? [String: Any] {
      guard let allowed = T.fields[path] else { return }
      for key in object.keys.sorted() {
        let name = display.isEmpty ? key : "\(display).\(key)"
        guard allowed.contains(key) else {
          throw APIError.badRequest("unknown field '\(name)'; allowed here: \(allowed.sorted().joined(separator: ", "))")
        }
        try checkFields(object[key]!, path: path.isEmpty ? key : "\(path).\(key)", display: name, of: type)
      }
    } else if let array = value as? [Any] {
      for (index, element) in array.enumerated() {
        try checkFields(element, path: path + "[]", display: "\(display)[\(index)]", of: type)
      }
    }
  }

  /// "ratings[2].rating: expected a number" from a DecodingError.
  static func describe(_ error: DecodingError) -> String {
    func path(_ codingPath: [any CodingKey]) -> String {
      var text = ""
      for key in codingPath {
        if let index = key.intValue { text += "[\(index)]" } else { text += text.isEmpty ? key.stringValue : ".\(key.stringValue)" }
      }
      return text
    }
    switch error {
    case .keyNotFound(let key, let context):
      let parent = path(context.codingPath)
      return "missing field '\(parent.isEmpty ? key.stringValue : parent + "." + key.stringValue)'"
    case .typeMismatch(let expected, let context):
      return "field '\(path(context.codingPath))' should be \(name(of: expected))"
    case .valueNotFound(let expected, let context):
      return "field '\(path(context.codingPath))' is null; it should be \(name(of: expected))"
    case .dataCorrupted(let context):
      let where_ = path(context.codingPath)
      return where_.isEmpty ? "the request body is not valid JSON" : "field '\(where_)': \(context.debugDescription)"
    @unknown default:
      return "the request body does not match the API"
    }
  }

  private static func name(of type: Any.Type) -> String {
    switch type {
    case is String.Type: return "a string"
    case is Double.Type, is Float.Type: return "a number"
    case is Int.Type, is Int64.Type: return "an integer"
    case is Bool.Type: return "true or false"
    default:
      let text = "\(type)"
      if text.hasPrefix("Array") { return "an array" }
      return text.hasPrefix("Dictionary") ? "an object" : "an object"
    }
  }

  private static func reason(_ error: Error) -> String {
    let text = (error as NSError).userInfo[NSDebugDescriptionErrorKey] as? String
    return text ?? "\(error.localizedDescription)"
  }
}

/// An ID given as a JSON string or number (MovieLens IDs are numbers, others are strings).
struct FlexibleID: Decodable, Sendable {
  var value: String
  init(from decoder: Decoder) throws {
    let container = try decoder.singleValueContainer()
    if let text = try? container.decode(String.self) {
      value = text
    } else if let number = try? container.decode(Int64.self) {
      value = String(number)
    } else {
      throw DecodingError.typeMismatch(String.self, .init(codingPath: decoder.codingPath, debugDescription: "expected a string or an integer ID"))
    }
  }
}
