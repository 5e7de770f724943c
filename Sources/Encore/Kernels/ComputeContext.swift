import Dispatch
import Synchronization

/// How much of the machine one piece of work may use: the number of worker threads and the
/// library that runs dense matrix products. Every parallel kernel takes one, so two runs in
/// one process (or one run per core beside other processes) each keep to their own share.
///
/// Work is cut into fixed chunks whose boundaries depend only on the sizes and the thread
/// count, and every output element is owned by one chunk, so results are identical run to
/// run and for every thread count.
public struct ComputeContext: Sendable {
  /// Which library runs the dense matrix products (GEMM) of the deep autoencoders.
  public enum GEMMChoice: String, Sendable, CaseIterable, Codable {
    /// The built-in kernel. (OpenBLAS used to be preferred when installed; the built-in
    /// kernel now matches it on the autoencoders' shapes, and its sums, unlike OpenBLAS's, do
    /// not depend on the thread count.)
    case automatic = "auto"
    /// The built-in packed, register-tiled kernel of `CEncoreKernels`.
    case builtin
    /// OpenBLAS, or an error when it cannot be loaded.
    case openBLAS = "openblas"
  }

  /// The number format of the dense matrix products' inputs (PyTorch's CPU autocast) and of
  /// the weight rows AutoRec's sparse gathers read.
  public enum Precision: String, Sendable, CaseIterable, Codable {
    /// fp32 inputs and sums.
    case fp32
    /// Dense products: inputs rounded to bfloat16, sums in fp32, on AVX512_BF16 (on a CPU
    /// without it they run in fp32). AutoRec: the gathers read bf16 copies of the weight rows,
    /// on any CPU. Parameters, gradients and optimiser state stay fp32.
    case bf16
  }

  /// Worker threads the kernels may use (at least 1).
  public let threads: Int
  /// The loaded OpenBLAS, or nil for the built-in GEMM.
  public let blas: BLASLibrary?
  /// The precision asked for; `usesBF16` says whether the CPU can honour bf16.
  public let precision: Precision

  /// Whether dense products run in bf16: asked for, and the CPU has AVX512_BF16. They then
  /// run on the built-in bf16 kernel, OpenBLAS or not.
  public var usesBF16: Bool { precision == .bf16 && DenseKernels.hasBF16 }

  /// Whether dense products run on the built-in kernels: no OpenBLAS, or bf16 (which only
  /// they offer). Only the built-in kernels fuse Adam steps into a product.
  public var usesBuiltinGemm: Bool { blas == nil || usesBF16 }

  /// A context with `threads` workers (nil: every active core), the chosen GEMM library and
  /// precision. Throws `invalidSetting` for a thread count below 1 or OpenBLAS asked for but absent.
  public init(threads: Int? = nil, gemm: GEMMChoice = .automatic, precision: Precision = .fp32) throws {
    let count = threads ?? Self.processorCount
    guard count >= 1 else { throw EncoreError.invalidSetting("threads", "must be at least 1 (got \(count))") }
    switch gemm {
    case .automatic, .builtin: blas = nil
    case .openBLAS:
      guard let library = BLASLibrary.available else {
        throw EncoreError.invalidSetting("gemm", "openblas was asked for but libopenblas.so.0 cannot be loaded (apt-get install libopenblas0)")
      }
      blas = library
    }
    self.threads = count
    self.precision = precision
  }

  private init(threads: Int, blas: BLASLibrary?, precision: Precision = .fp32) {
    self.threads = threads
    self.blas = blas
    self.precision = precision
  }

  /// Every active core and the built-in GEMM: what a standalone run wants.
  public static var automatic: ComputeContext { ComputeContext(threads: processorCount, blas: nil) }

  /// One thread and the built-in GEMM: for work that must not compete with its neighbours.
  public static var serial: ComputeContext { ComputeContext(threads: 1, blas: nil) }

  /// This context with another thread count (at least 1).
  public func with(threads: Int) -> ComputeContext { ComputeContext(threads: max(1, threads), blas: blas, precision: precision) }

  /// This context with another precision for dense products.
  public func with(precision: Precision) -> ComputeContext { ComputeContext(threads: threads, blas: blas, precision: precision) }

  /// The number of cores this process may run on.
  public static var processorCount: Int { max(1, ProcessInfo_activeProcessorCount()) }

  /// "openblas (Haswell)", "builtin" or "builtin bf16", for reports; a bf16 request the CPU
  /// cannot honour in its dense products says so.
  public var gemmDescription: String {
    if usesBF16 { return "builtin bf16 (AVX512_BF16)" }
    let library = blas.map { "openblas (\($0.coreName))" } ?? "builtin"
    return precision == .bf16
      ? library + ", fp32 products: this CPU lacks AVX512_BF16 (AutoRec's bf16 weight rows need no such CPU)" : library
  }

  /// Runs `body(lo, hi)` over `0..<count` split into contiguous chunks of at least `grain`.
  public func forRanges(_ count: Int, grain: Int = 1, _ body: (Int, Int) -> Void) {
    guard count > 0 else { return }
    let chunks = max(1, min(threads * 4, count / max(1, grain)))
    run(chunks: chunks, body: body) { c in (count * c / chunks, count * (c + 1) / chunks) }
  }

  /// Like `forRanges`, but cuts `0..<count` so that each chunk holds about the same total
  /// `weight` (prefix sums in `prefix`, `prefix.count == count + 1`), for rows of uneven length.
  public func forWeightedRanges(
    _ count: Int, prefix: UnsafeBufferPointer<Int>, minWeight: Int = 4096, _ body: (Int, Int) -> Void
  ) {
    guard count > 0 else { return }
    let total = prefix[count] - prefix[0]
    let chunks = max(1, min(threads * 4, total / max(1, minWeight), count))
    var cuts = [Int](repeating: 0, count: chunks + 1)
    cuts[chunks] = count
    var r = 0
    for c in 1..<chunks {
      let target = prefix[0] + total * c / chunks
      while r < count && prefix[r] < target { r += 1 }
      cuts[c] = max(cuts[c - 1], r)
    }
    run(chunks: chunks, body: body) { c in (cuts[c], cuts[c + 1]) }
  }

  /// Runs every chunk once: inline for one chunk or one thread; else on `threads` workers of
  /// the dispatch pool, each taking the next unclaimed chunk until none is left.
  private func run(chunks: Int, body: (Int, Int) -> Void, bounds: (Int) -> (Int, Int)) {
    if chunks == 1 || threads == 1 {
      for c in 0..<chunks {
        let (lo, hi) = bounds(c)
        if lo < hi { body(lo, hi) }
      }
      return
    }
    let next = Atomic(0)
    withoutActuallyEscaping(body) { body in
      withoutActuallyEscaping(bounds) { bounds in
        let box = UncheckedSendable((body, bounds))
        DispatchQueue.concurrentPerform(iterations: min(threads, chunks)) { _ in
          let (body, bounds) = box.value
          while true {
            let c = next.wrappingAdd(1, ordering: .relaxed).oldValue
            guard c < chunks else { return }
            let (lo, hi) = bounds(c)
            if lo < hi { body(lo, hi) }
          }
        }
      }
    }
  }
}
