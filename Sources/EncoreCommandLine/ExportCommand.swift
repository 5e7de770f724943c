import ArgumentParser
import Encore
import Foundation

struct ExportCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "export", abstract: "Export a saved model for other runtimes.", subcommands: [ExportONNXCommand.self])
}

struct ExportONNXCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "onnx",
    abstract: "Write an ONNX model (Gemm + activations, dynamic batch, tied weights shared, no dropout).")

  @Option(help: "A model saved by 'encore train --save' (i-autorec, u-autorec or deep-ae).") var model: String
  @Option(help: "The ONNX file to write (atomically).") var out: String
  @Option(help: "Also write Encore's inputs and raw outputs for a few rows to this JSON file, to check other runtimes against.")
  var sample: String?
  @Option(parsing: .unconditional, help: "Rows in --sample.") var sampleRows: Int = 8
  @OptionGroup var computeOptions: ComputeOptions

  func run() throws {
    try EncoreCommand.guarded {
      try OutputPath.check(out, option: "out", inputs: [model])
      if let sample { try OutputPath.check(sample, option: "sample", inputs: [model, out]) }
      let trained = try ModelFile.load(model)
      try AtomicFile.write(try ONNXExporter.export(trained), to: out)
      if let sample {
        let encoded = try JSONEncoder().encode(try ReconstructionSample(trained, rows: sampleRows, compute: try computeOptions.context()))
        try AtomicFile.write(encoded, to: sample)
      }
      print("wrote \(out) (\(trained.name), opset \(ONNXExporter.opset))" + (sample.map { "; sample outputs in \($0)" } ?? ""))
    }
  }
}
