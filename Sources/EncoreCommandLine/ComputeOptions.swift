import ArgumentParser
import Encore
import Foundation

/// How much of the machine a command may use; shared by every command that trains or predicts.
struct ComputeOptions: ParsableArguments {
  @Option(parsing: .unconditional, help: "Worker threads (default: every core). Results are identical for every count.")
  var threads: Int?

  @Option(help: "GEMM library for deep-ae: builtin (same as auto, the default) or openblas (libopenblas.so.0; its sums depend on its thread count, so results do too).")
  var gemm: ComputeContext.GEMMChoice?

  @Option(help: "fp32, or bf16: deep-ae's dense products round their inputs to bfloat16 with fp32 sums and weights (PyTorch's CPU autocast) on CPUs with AVX512_BF16, elsewhere they run in fp32 and say so; i-autorec and u-autorec gather bf16 copies of their weight rows (any CPU), the weights, gradients and steps staying fp32.")
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
