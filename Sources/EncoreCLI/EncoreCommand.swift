import ArgumentParser
import Encore
import Foundation

@main
struct EncoreCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "encore",
    abstract: "Autoencoder recommenders (AutoRec and friends): train, evaluate and recommend from explicit ratings.",
    subcommands: [DemoCommand.self, TrainCommand.self, EvaluateCommand.self, RecommendCommand.self, SimilarCommand.self, DataCommand.self, BenchCommand.self, CompareCommand.self, PredictCommand.self, ExportCommand.self, ServeCommand.self])

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
