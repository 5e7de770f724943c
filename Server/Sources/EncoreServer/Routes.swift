import Encore
import Foundation
import Hummingbird

extension EncoreServer {
  /// Every endpoint of the API; `openapi.yaml` documents the same list.
  func makeRouter() -> Router<BasicRequestContext> {
    let router = Router()
    router.add(middleware: RequestMetricsMiddleware(metrics: metrics))
    router.add(middleware: JSONErrorMiddleware(maxBodyBytes: configuration.limits.maxBodyBytes))
    let service = self.service
    let limits = configuration.limits

    router.get("/") { _, _ in Response.text(EmbeddedFiles.indexHTML, contentType: "text/html; charset=utf-8") }
    router.get("/openapi.yaml") { _, _ in Response.text(EmbeddedFiles.openAPI, contentType: "application/yaml; charset=utf-8") }
    router.get("/healthz") { _, _ in try Response.json(["status": "ok"]) }
    router.get("/readyz") { _, _ in
      let model = service.slot.model
      let writable = await service.log.isWritable()
      let answer = ReadyAnswer(status: writable ? "ready" : "store not writable", modelVersion: model.version, modelSHA256: model.sha256, storeWritable: writable)
      return try Response.json(answer, status: writable ? .ok : .serviceUnavailable)
    }
    router.get("/metrics") { _, _ in Response.text(self.metrics.text, contentType: "text/plain; version=0.0.4; charset=utf-8") }
    router.get("/v1/model") { _, _ in try Response.json(service.modelInfo()) }

    router.get("/v1/users/{id}/recommendations") { request, context in
      let user = try context.parameters.require("id")
      let query = QueryParameters(request)
      let n = try service.checkCount(try query.integer("n"))
      let exclude = try query.boolean("exclude_rated") ?? true
      try query.allowOnly(["n", "exclude_rated"])
      return try Response.json(try await service.recommendations(user: user, n: n, excludeRated: exclude))
    }
    router.post("/v1/recommendations") { request, _ in
      let body = try await RequestDecoding.decode(RecommendRequest.self, from: Self.body(request, limit: limits.maxBodyBytes))
      return try Response.json(try await service.recommendations(for: body))
    }
    router.post("/v1/predictions") { request, _ in
      let body = try await RequestDecoding.decode(PredictRequest.self, from: Self.body(request, limit: limits.maxBodyBytes))
      return try Response.json(try service.predictions(for: body))
    }
    router.get("/v1/items/{id}/similar") { request, context in
      let item = try context.parameters.require("id")
      let query = QueryParameters(request)
      let n = try service.checkCount(try query.integer("n"))
      try query.allowOnly(["n"])
      return try Response.json(try service.similar(item: item, n: n))
    }
    router.get("/v1/items") { request, _ in
      let query = QueryParameters(request)
      let n = try service.checkCount(try query.integer("n"))
      try query.allowOnly(["query", "n"])
      return try Response.json(service.items(query: query.string("query"), n: n))
    }
    router.post("/v1/ratings") { request, _ in
      let body = try await RequestDecoding.decode(RatingsBatch.self, from: Self.body(request, limit: limits.maxBodyBytes))
      return try Response.json(try await service.store(body), status: .created)
    }
    router.post("/v1/admin/reload") { _, _ in
      let (status, answer) = await self.reload()
      switch status {
      case .ok: return try Response.json(answer!)
      default: throw APIError(status, self.lastReloadMessage(), hint: "the previous model is still serving")
      }
    }
    return router
  }

  /// The request body, up to `limit` bytes (413 beyond).
  static func body(_ request: Request, limit: Int) async throws -> Data {
    var request = request
    do {
      let buffer = try await request.collectBody(upTo: limit)
      return Data(buffer.readableBytesView)
    } catch let error as HTTPError where error.status == .contentTooLarge {
      throw APIError(.contentTooLarge, "the request body is larger than \(limit) bytes")
    }
  }
}

/// A request's query string, read strictly: a malformed number or an unknown parameter is a
/// 400 that names it.
struct QueryParameters {
  let values: [String: String]
  init(_ request: Request) {
    var values: [String: String] = [:]
    for (key, value) in request.uri.queryParameters { values[String(key)] = String(value) }
    self.values = values
  }
  func string(_ name: String) -> String? { values[name] }
  func integer(_ name: String) throws -> Int? {
    guard let text = values[name] else { return nil }
    guard let value = Int(text) else { throw APIError.badRequest("query parameter \(name) must be an integer, not '\(text)'") }
    return value
  }
  func boolean(_ name: String) throws -> Bool? {
    guard let text = values[name] else { return nil }
    switch text.lowercased() {
    case "true", "1", "yes": return true
    case "false", "0", "no": return false
    default: throw APIError.badRequest("query parameter \(name) must be true or false, not '\(text)'")
    }
  }
  func allowOnly(_ names: Set<String>) throws {
    if let unknown = values.keys.sorted().first(where: { !names.contains($0) }) {
      throw APIError.badRequest("unknown query parameter '\(unknown)'; allowed: \(names.sorted().joined(separator: ", "))")
    }
  }
}
