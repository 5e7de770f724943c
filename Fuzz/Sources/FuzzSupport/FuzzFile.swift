import Foundation

/// A scratch file per process (in /dev/shm when it exists) that each fuzz input is written
/// to, because Encore's readers take paths, as its users give them.
public struct FuzzFile: Sendable {
  public let folder: String

  public init(_ target: String) {
    let base = FileManager.default.fileExists(atPath: "/dev/shm") ? "/dev/shm" : NSTemporaryDirectory()
    folder = "\(base)/encore-fuzz-\(target)-\(getpid())"
    try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
  }

  /// Writes `size` bytes at `data` to `name` in the scratch folder and returns its path.
  public func write(_ data: UnsafePointer<UInt8>, _ size: Int, as name: String) -> String {
    let path = folder + "/" + name
    _ = FileManager.default.createFile(atPath: path, contents: Data(bytes: data, count: size))
    return path
  }
}
