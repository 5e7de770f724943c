import Dispatch
import Encore
import Foundation
import Hummingbird
import Logging
import Synchronization

/// Where the server listens, what it serves and its caps.
public struct ServerConfiguration: Sendable {
  /// The model file ('encore train --save'); reloads read the same path again.
  public var modelPath: String
  /// The SQLite rating store (created when missing).
  public var storePath: String
  public var host = "127.0.0.1"
  /// 0 picks a free port (the tests' choice).
  public var port = 8080
  public var limits = ServerLimits()

  public init(modelPath: String, storePath: String) {
    self.modelPath = modelPath
    self.storePath = storePath
  }
}

/// `encore serve`: the model, the rating store, the metrics and the HTTP API over them.
public final class EncoreServer: Sendable {
  public let configuration: ServerConfiguration
  let metrics = ServerMetrics()
  let service: RecommendationService
  let logger: Logger
  private let lastReloadFailure = Mutex("")

  /// Loads the model and opens the store; a bad model file or store is an error here, before
  /// anything listens.
  public init(_ configuration: ServerConfiguration, logger: Logger = Logger(label: "encore.serve")) throws {
    self.configuration = configuration
    self.logger = logger
    let slot = try ModelSlot(path: configuration.modelPath)
    let log = try RatingLog(path: configuration.storePath)
    service = RecommendationService(slot: slot, log: log, limits: configuration.limits, counters: metrics)
    metrics.modelServing(slot.model.version, previous: nil)
  }

  /// The version of the model now serving.
  public var modelVersion: String { service.slot.model.version }

  /// The Hummingbird application; `onRunning` gets the bound port (useful with port 0).
  public func application(onRunning: @escaping @Sendable (Int) async -> Void = { _ in }) -> some ApplicationProtocol {
    Application(
      router: makeRouter(),
      configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "encore"),
      onServerRunning: { channel in await onRunning(channel.localAddress?.port ?? 0) },
      logger: logger)
  }

  /// Loads the model file again off the request threads and swaps it in; a file that does
  /// not load leaves the old model serving (then the status is 422 and the reason is kept).
  func reload() async -> (HTTPResponse.Status, ReloadAnswer?) {
    let slot = service.slot
    let outcome = await withCheckedContinuation { (done: CheckedContinuation<ModelSlot.ReloadOutcome, Never>) in
      Thread { done.resume(returning: slot.reload()) }.start()
    }
    switch outcome {
    case .reloaded(let old, let new):
      metrics.reloadsSucceeded.increment()
      metrics.modelServing(new.version, previous: old.version)
      logger.info("reloaded \(slot.path): \(old.version) → \(new.version)")
      return (.ok, ReloadAnswer(reloaded: true, modelVersion: new.version, previousVersion: old.version))
    case .failed(let old, let reason):
      metrics.reloadsFailed.increment()
      lastReloadFailure.withLock { $0 = "reload failed, still serving \(old.version): \(reason)" }
      logger.error("reload of \(slot.path) failed, still serving \(old.version): \(reason)")
      return (.unprocessableContent, nil)
    case .busy:
      lastReloadFailure.withLock { $0 = "a reload is already running" }
      return (.conflict, nil)
    }
  }

  func lastReloadMessage() -> String { lastReloadFailure.withLock { $0 } }

  /// Reloads the model on every SIGHUP, as daemons do.
  public func reloadOnHangup() -> any DispatchSourceSignal {
    signal(SIGHUP, SIG_IGN)
    let source = DispatchSource.makeSignalSource(signal: SIGHUP, queue: .global())
    source.setEventHandler { [self] in Task { _ = await self.reload() } }
    source.resume()
    return source
  }
}
