#if canImport(Glibc)
import Glibc
#endif
import CEncoreKernels
import Synchronization

/// OpenBLAS loaded at run time with dlopen, so building and running never require it.
///
/// Debian's OpenBLAS 0.3.21 does not recognise recent CPUs and falls back to SSE3 kernels
/// ("Prescott"), about 5× slower; the core type is therefore chosen from the CPU's features and
/// set in `OPENBLAS_CORETYPE` before the library loads, unless the user has set it (the one
/// environment change Encore makes: OpenBLAS reads the variable only while it loads).
/// Whether a run uses it at all is the `ComputeContext`'s choice.
public final class BLASLibrary: Sendable {
  typealias SgemmFunction = @convention(c) (
    Int32, Int32, Int32, Int32, Int32, Int32, Float, UnsafePointer<Float>?, Int32, UnsafePointer<Float>?, Int32, Float,
    UnsafeMutablePointer<Float>?, Int32
  ) -> Void
  typealias SetThreadsFunction = @convention(c) (Int32) -> Void
  typealias CoreNameFunction = @convention(c) () -> UnsafeMutablePointer<CChar>?

  let sgemmFunction: SgemmFunction
  let setThreadsFunction: SetThreadsFunction?
  /// OpenBLAS's thread count is one setting for the whole process: the count last set.
  let threadSetting = Mutex(0)
  /// The library file and the core type OpenBLAS reports.
  public let path: String
  public let coreName: String

  /// The library loaded into this process on first use, or nil when OpenBLAS is absent.
  static let available: BLASLibrary? = BLASLibrary.load()

  static func load() -> BLASLibrary? {
    #if os(Linux)
    if getenv("OPENBLAS_CORETYPE") == nil {
      let isa = String(cString: ek_isa())
      setenv("OPENBLAS_CORETYPE", isa == "avx512" ? "SkylakeX" : (isa == "avx2" ? "Haswell" : "Prescott"), 1)
    }
    for name in ["libopenblas.so.0", "libopenblas.so"] {
      guard let handle = dlopen(name, RTLD_NOW | RTLD_LOCAL), let symbol = dlsym(handle, "cblas_sgemm") else { continue }
      let threads = dlsym(handle, "openblas_set_num_threads").map { unsafeBitCast($0, to: SetThreadsFunction.self) }
      var core = "unknown"
      if let coreSymbol = dlsym(handle, "openblas_get_corename"), let text = unsafeBitCast(coreSymbol, to: CoreNameFunction.self)() {
        core = String(cString: text)
      }
      return BLASLibrary(
        function: unsafeBitCast(symbol, to: SgemmFunction.self), setThreads: threads, path: name, coreName: core)
    }
    #endif
    return nil
  }

  init(function: SgemmFunction, setThreads: SetThreadsFunction?, path: String, coreName: String) {
    sgemmFunction = function
    setThreadsFunction = setThreads
    self.path = path
    self.coreName = coreName
  }

  /// cblas_sgemm, row-major: C = op(A)·op(B) + beta·C, on `threads` OpenBLAS threads.
  public func sgemm(
    transA: Bool, transB: Bool, m: Int, n: Int, k: Int, a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>,
    ldb: Int, c: UnsafeMutablePointer<Float>, ldc: Int, beta: Float, threads: Int
  ) {
    if let setThreadsFunction {
      threadSetting.withLock { current in
        if current != threads {
          setThreadsFunction(Int32(threads))
          current = threads
        }
      }
    }
    sgemmFunction(
      101, transA ? 112 : 111, transB ? 112 : 111, Int32(m), Int32(n), Int32(k), 1, a, Int32(lda), b, Int32(ldb), beta, c,
      Int32(ldc))
  }
}
