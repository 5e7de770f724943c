import EncoreCommandLine
import FuzzSupport

/// The `encore` option parser: the input is a command line, arguments separated by NUL bytes
/// (the committed corpus holds one real command line per file). Parsing must never crash,
/// and every error must come out under the documented contract: one `error: …` line and exit
/// code 1 or 64. Nothing is run.
func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
  let bytes = UnsafeBufferPointer(start: data, count: size)
  let arguments = bytes.split(separator: 0, omittingEmptySubsequences: false).map { String(decoding: $0, as: UTF8.self) }
  do {
    _ = try EncoreCommand.parseAsRoot(arguments)
  } catch {
    if let report = EncoreCommand.oneLineReport(for: error) {
      precondition(report.line.hasPrefix("error: ") && !report.line.contains("\n"), "not one line: \(report.line)")
      precondition(report.exitCode == 1 || report.exitCode == 64, "exit code \(report.exitCode) for \(report.line)")
    }
  }
  return 0
}

FuzzDriver.run { data, size in fuzz(data ?? UnsafePointer(bitPattern: 1)!, size) }
