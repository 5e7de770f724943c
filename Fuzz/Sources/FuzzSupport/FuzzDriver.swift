#if canImport(Glibc)
import Glibc
#endif
@_exported import CFuzzDriver

/// Runs libFuzzer with this process's arguments, calling `body` for every input. SwiftPM
/// gives each executable its own `main`, so the targets call libFuzzer's driver instead of
/// linking libFuzzer's `main`.
public enum FuzzDriver {
  public static func run(_ body: @convention(c) (UnsafePointer<UInt8>?, Int) -> Int32) -> Never {
    var argc = CommandLine.argc
    var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
    exit(LLVMFuzzerRunDriver(&argc, &argv, body))
  }
}
