import ArgumentParser
import Encore
import Foundation

@main
struct EncoreCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "encore",
    abstract: "Autoencoder recommenders (AutoRec and friends): train, evaluate and recommend from explicit ratings.",
    subcommands: [DemoCommand.self, TrainCommand.self, EvaluateCommand.self, RecommendCommand.self, SimilarCommand.self, DataCommand.self, BenchCommand.self, CompareCommand.self, PredictCommand.self, ExportCommand.self, ServeCommand.self])

  /// Parses and runs the command line with Encore's error contract: exit 0 on success (and
  /// for --help), 1 with one `error: …` line for bad input, data or model files, and 64 with
  /// one `error: …` line naming the option for a command line that does not parse.
  static func main() {
    let command: ParsableCommand
    do {
      command = try parseAsRoot()
    } catch {
      exitWithOneLine(error)
    }
    do {
      var runnable = command
      try runnable.run()
    } catch {
      exitWithOneLine(error)
    }
  }

  private static func exitWithOneLine(_ error: Error) -> Never {
    let code = exitCode(for: error)
    if code == .success || error is ExitCode { exit(withError: error) }  // help, or already reported
    let lines = fullMessage(for: error).split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
    var first = lines.first ?? "\(error)"
    if first.hasPrefix("Error: ") { first.removeFirst("Error: ".count) }
    let help = lines.first { $0.hasPrefix("See '") }.flatMap { $0.split(separator: "'").dropFirst().first }.map { "; see '\($0)'" } ?? ""
    FileHandle.standardError.write(Data("error: \(first)\(help)\n".utf8))
    Foundation.exit(code.rawValue)
  }

  /// Runs a command body, turning Encore's errors into one clear line and exit code 1.
  static func guarded(_ body: () throws -> Void) throws {
    do {
      try body()
    } catch let error as EncoreError {
      FileHandle.standardError.write(Data("error: \(error.description)\n".utf8))
      throw ExitCode(1)
    }
  }
}
