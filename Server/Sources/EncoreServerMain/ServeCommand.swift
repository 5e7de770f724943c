import ArgumentParser
import EncoreServer
import Foundation
import Hummingbird
import Logging

/// `encore serve` (which runs this program) and `encore-server`.
@main
struct ServeCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "encore serve",
    abstract: "Serve a trained model over HTTP: recommendations (with fold-in of stored or sent ratings), predictions, similar items, a durable rating store, metrics and a web page.")

  @Option(help: "A model saved by 'encore train --save'. POST /v1/admin/reload or SIGHUP reloads this path.")
  var model: String

  @Option(help: "The SQLite rating store (created when missing); 'encore train --data STORE' or '--add-ratings STORE' retrains on it.")
  var store = "ratings.sqlite"

  @Option(help: "The address to listen on; loopback unless you say otherwise.")
  var host = "127.0.0.1"

  @Option(help: "The port (0 picks a free one and prints it).")
  var port = 8080

  @Option(help: "Largest request body in bytes.")
  var maxBodyBytes = 1 << 20

  @Option(help: "Largest batch of ratings or pairs per request.")
  var maxBatch = 10_000

  @Option(help: "Log level: trace, debug, info, notice, warning, error.")
  var logLevel = "info"

  func run() async throws {
    var configuration = ServerConfiguration(modelPath: model, storePath: store)
    configuration.host = host
    configuration.port = port
    configuration.limits.maxBodyBytes = maxBodyBytes
    configuration.limits.maxBatch = maxBatch
    var logger = Logger(label: "encore.serve")
    logger.logLevel = Logger.Level(rawValue: logLevel) ?? .info
    let server: EncoreServer
    do {
      server = try EncoreServer(configuration, logger: logger)
    } catch {
      FileHandle.standardError.write(Data("error: \(error)\n".utf8))
      throw ExitCode.failure
    }
    let hangup = server.reloadOnHangup()
    defer { hangup.cancel() }
    let banner = "encore serve: \(server.modelVersion) on http://\(host):PORT/ (store \(store))\n"
    let app = server.application { port in
      FileHandle.standardOutput.write(Data(banner.replacingOccurrences(of: "PORT", with: String(port)).utf8))
    }
    try await app.runService()
  }
}
