import ArgumentParser
import Encore
import Foundation

/// How much of the machine a command may use; shared by every command that trains or predicts.
struct ComputeOptions: ParsableArguments {
  @Option(parsing: .unconditional, help: "Worker threads (default: every core). Results are identical for every count.")
  var threads: Int?

  @Option(help: "GEMM library for deep-ae: auto (OpenBLAS when installed), builtin or openblas (default auto; ENCORE_BLAS=off means builtin).")
  var gemm: ComputeContext.GEMMChoice?

  @Option(help: "Precision of deep-ae's dense products: fp32, or bf16 (inputs rounded to bfloat16, fp32 sums and weights, as PyTorch's CPU autocast) on CPUs with AVX512_BF16; elsewhere bf16 runs in fp32 and says so.")
  var precision: ComputeContext.Precision = .fp32

  /// The context the command runs on. Under an MPI launcher the default is this machine's
  /// cores divided by the ranks sharing it, so that N local ranks never oversubscribe it.
  func context() throws -> ComputeContext {
    let fallback: ComputeContext.GEMMChoice = ProcessInfo.processInfo.environment["ENCORE_BLAS"] == "off" ? .builtin : .automatic
    let shared = MPICommunicator.Launch.detect().map { max(1, ComputeContext.processorCount / $0.localSize) }
    return try ComputeContext(threads: threads ?? shared, gemm: gemm ?? fallback, precision: precision)
  }
}

extension ComputeContext.GEMMChoice: ExpressibleByArgument {}
extension ComputeContext.Precision: ExpressibleByArgument {}
extension UnseenPolicy: ExpressibleByArgument {}
