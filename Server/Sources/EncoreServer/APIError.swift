import Foundation
import Hummingbird

/// An answer that is not a success: an HTTP status and a message that names what was wrong
/// (the field, the user, the item), plus an optional hint on what to do instead. Every error
/// the API gives has this JSON shape: `{"error": {"status": 400, "message": "...", "hint": "..."}}`.
public struct APIError: Error, HTTPResponseError, CustomStringConvertible {
  public var status: HTTPResponse.Status
  public var message: String
  public var hint: String?

  public init(_ status: HTTPResponse.Status, _ message: String, hint: String? = nil) {
    self.status = status
    self.message = message
    self.hint = hint
  }

  public var description: String { "\(status.code) \(message)" }

  static func badRequest(_ message: String, hint: String? = nil) -> APIError { APIError(.badRequest, message, hint: hint) }
  static func notFound(_ message: String, hint: String? = nil) -> APIError { APIError(.notFound, message, hint: hint) }

  struct Body: Encodable {
    struct Detail: Encodable {
      var status: Int
      var message: String
      var hint: String?
    }
    var error: Detail
  }

  /// The error as JSON.
  public var json: Data {
    (try? JSONOutput.encoder.encode(Body(error: .init(status: Int(status.code), message: message, hint: hint)))) ?? Data("{}".utf8)
  }

  public func response(from request: Request, context: some RequestContext) throws -> Response {
    var response = Response.json(json, status: status)
    if status == .serviceUnavailable { response.headers[.retryAfter] = "1" }
    return response
  }
}

/// The one JSON style of every answer: snake_case keys as written in `CodingKeys`, sorted.
enum JSONOutput {
  static let encoder: JSONEncoder = {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
    return encoder
  }()
}

extension Response {
  /// A JSON answer.
  static func json(_ data: Data, status: HTTPResponse.Status = .ok) -> Response {
    Response(
      status: status, headers: [.contentType: "application/json; charset=utf-8"],
      body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
  }

  /// `value` encoded as JSON.
  static func json<T: Encodable>(_ value: T, status: HTTPResponse.Status = .ok) throws -> Response {
    json(try JSONOutput.encoder.encode(value), status: status)
  }

  /// A text answer of `contentType`.
  static func text(_ text: String, contentType: String, status: HTTPResponse.Status = .ok) -> Response {
    Response(status: status, headers: [.contentType: contentType], body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
  }
}
