import ArgumentParser
import Encore
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// `encore serve`: runs the server program, `encore-server`, with the same arguments. The
/// server lives in its own package (Server/) so that the core and this command line never
/// build Hummingbird, GRDB or Prometheus; this command only finds it and hands over.
struct ServeCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "serve",
    abstract: "Serve a model over HTTP (runs encore-server; build it once with: swift build -c release --package-path Server).",
    discussion: "Every argument goes to encore-server: encore serve --model FILE [--store ratings.sqlite] [--host 127.0.0.1] [--port 8080]. 'encore-server --help' lists them all.")

  @Argument(parsing: .captureForPassthrough, help: "Arguments for encore-server.")
  var arguments: [String] = []

  func run() throws {
    try EncoreCommand.guarded {
      guard let server = Self.findServer() else {
        throw EncoreError.invalidArgument(
          "the server is built separately so the core stays light: run 'swift build -c release --package-path Server' in the Encore checkout (or put encore-server on PATH), then try again")
      }
      let argv = [server] + arguments
      var cArguments = argv.map { strdup($0) } + [nil]
      execv(server, &cArguments)
      throw EncoreError.io(path: server, reason: "cannot run it: \(String(cString: strerror(errno)))")
    }
  }

  /// encore-server beside this program, in the checkout's Server/.build (release first), or
  /// on PATH.
  static func findServer() -> String? {
    let me = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
    let binFolder = me.deletingLastPathComponent()
    var candidates = [binFolder.appendingPathComponent("encore-server").path]
    // .build/<config>/encore → the checkout is two folders up (three through the triple folder).
    for up in [2, 3] {
      var root = binFolder
      for _ in 0..<up { root = root.deletingLastPathComponent() }
      for configuration in ["release", "debug"] {
        candidates.append(root.appendingPathComponent("Server/.build/\(configuration)/encore-server").path)
      }
    }
    for folder in (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":") {
      candidates.append("\(folder)/encore-server")
    }
    return candidates.first { FileManager.default.isExecutableFile(atPath: $0) }
  }
}
