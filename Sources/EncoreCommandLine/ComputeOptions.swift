import ArgumentParser
import Encore
import Foundation

/// How much of the machine a command may use; shared by every command that trains or predicts.
struct ComputeOptions: ParsableArguments {
  @Option(parsing: .unconditional, help: "Worker threads (default: every core). Results are identical for every count.")
  var threads: Int?

  @Option(help: "GEMM library for deep-ae: builtin (same as auto, the default) or openblas (libopenblas.so.0; its sums depend on its thread count, so results do too).")
  var gemm: ComputeContext.GEMMChoice?

  @Option(help: "Precision of deep-ae's dense products: fp32, or bf16 (inputs rounded to bfloat16, fp32 sums and weights, as PyTorch's CPU autocast) on CPUs with AVX512_BF16; elsewhere bf16 runs in fp32 and says so.")
  var precision: ComputeContext.Precision = .fp32

  /// The context the command runs on. Under an MPI launcher the default is this machine's
  /// cores divided by the ranks sharing it, so that N local ranks never oversubscribe it.
  func context() throws -> ComputeContext {
    let shared = MPICommunicator.Launch.detect().map { max(1, ComputeContext.processorCount / $0.localSize) }
    return try ComputeContext(threads: threads ?? shared, gemm: gemm ?? .automatic, precision: precision)
  }
}

extension ComputeContext.GEMMChoice: ExpressibleByArgument {}
extension ComputeContext.Precision: ExpressibleByArgument {}
extension UnseenPolicy: ExpressibleByArgument {}
