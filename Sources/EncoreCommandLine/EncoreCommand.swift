import ArgumentParser
import Encore
import Foundation

/// The `encore` command line: the root command and its subcommands. It lives in a library so
/// that the option parser can be exercised without running anything (the fuzz target
/// FuzzOptionParser); the `encore` executable only calls `EncoreCommand.main()`.
public struct EncoreCommand: ParsableCommand {
  public init() {}

  public static let configuration = CommandConfiguration(
    commandName: "encore",
    abstract: "Autoencoder recommenders (AutoRec and friends): train, evaluate and recommend from explicit ratings.",
    subcommands: [DemoCommand.self, TrainCommand.self, EvaluateCommand.self, RecommendCommand.self, SimilarCommand.self, DataCommand.self, BenchCommand.self, CompareCommand.self, TuneCommand.self, PredictCommand.self, ExportCommand.self, ServeCommand.self])

  /// Parses and runs the command line with Encore's error contract: exit 0 on success (and
  /// for --help), 1 with one `error: …` line for bad input, data or model files, and 64 with
  /// one `error: …` line naming the option for a command line that does not parse.
  public static func main() {
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
    guard let report = oneLineReport(for: error) else { exit(withError: error) }  // help, or already reported
    FileHandle.standardError.write(Data((report.line + "\n").utf8))
    Foundation.exit(report.exitCode)
  }

  /// The error contract for `error`: one `error: …` line (naming the option and the help
  /// command where the parser gives them) and its exit code, or nil when the error is help or
  /// version output, or was already reported by the command.
  public static func oneLineReport(for error: Error) -> (line: String, exitCode: Int32)? {
    let code = exitCode(for: error)
    if code == .success || error is ExitCode { return nil }
    // Any line break ends a line: "\r\n" is one Character, not "\n" (an argument echoed in an
    // error may hold one; fuzz finding of 2026-12-05, in Fuzz/Corpus/FuzzOptionParser).
    let lines = fullMessage(for: error).split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }
    var first = lines.first { !$0.isEmpty } ?? "\(error)"
    if first.hasPrefix("Error: ") { first.removeFirst("Error: ".count) }
    let help = lines.first { $0.hasPrefix("See '") }.flatMap { $0.split(separator: "'").dropFirst().first }.map { "; see '\($0)'" } ?? ""
    return ("error: \(first)\(help)", code.rawValue)
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
