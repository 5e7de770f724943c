import Foundation
import Hummingbird

/// Counts and times every request by route (the pattern, e.g. /v1/users/{id}/recommendations,
/// not the path, so that label sets stay few), including the errors other middleware returns.
struct RequestMetricsMiddleware<Context: RequestContext>: RouterMiddleware {
  let metrics: ServerMetrics

  func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
    let start = DispatchTime.now().uptimeNanoseconds
    func record(_ status: HTTPResponse.Status) {
      let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
      metrics.request(route: context.endpointPath ?? "unmatched", method: request.method.rawValue, status: Int(status.code), seconds: seconds)
    }
    do {
      let response = try await next(request, context)
      record(response.status)
      return response
    } catch let error as any HTTPResponseError {
      record(error.status)
      throw error
    } catch {
      record(.internalServerError)
      throw error
    }
  }
}

/// Turns every error into the API's JSON error shape: Hummingbird's own (404 for an unknown
/// path, 413 for a body over the cap) and anything unexpected (a 500 that names no internals).
struct JSONErrorMiddleware<Context: RequestContext>: RouterMiddleware {
  /// The body cap, for the 413 message.
  let maxBodyBytes: Int
  func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
    do {
      return try await next(request, context)
    } catch let error as APIError {
      throw error
    } catch let error as any HTTPResponseError {
      var message = "\(error)"
      switch error.status {
      case .notFound: message = "no such endpoint: \(request.method.rawValue) \(request.uri.path)"
      case .methodNotAllowed: message = "\(request.method.rawValue) is not allowed on \(request.uri.path)"
      case .contentTooLarge: message = "the request body is larger than \(maxBodyBytes) bytes"
      default: if let http = error as? HTTPError, let text = http.body { message = text }
      }
      throw APIError(error.status, message, hint: error.status == .notFound ? "GET /openapi.yaml lists the endpoints" : nil)
    } catch {
      context.logger.error("unexpected error: \(error)")
      throw APIError(.internalServerError, "internal error")
    }
  }
}
