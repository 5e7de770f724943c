import Foundation

/// Writes files whole: the bytes go to a temporary file in the same folder, are flushed, and
/// the temporary file is renamed over the target, so a crash never leaves half a file behind.
public enum AtomicFile {
  public static func write(_ data: Data, to path: String) throws {
    let url = URL(fileURLWithPath: path)
    let folder = url.deletingLastPathComponent().path
    if !FileManager.default.fileExists(atPath: folder) {
      throw EncoreError.io(path: path, reason: "folder \(folder) does not exist")
    }
    let temporary = folder + "/." + url.lastPathComponent + ".tmp-\(getpid())"
    guard FileManager.default.createFile(atPath: temporary, contents: nil) else {
      throw EncoreError.io(path: path, reason: "cannot create a file in \(folder)")
    }
    do {
      let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: temporary))
      try handle.write(contentsOf: data)
      try handle.synchronize()
      try handle.close()
      if rename(temporary, path) != 0 {
        throw EncoreError.io(path: path, reason: String(cString: strerror(errno)))
      }
    } catch let error as EncoreError {
      unlink(temporary)
      throw error
    } catch {
      unlink(temporary)
      throw EncoreError.io(path: path, reason: "\(error.localizedDescription)")
    }
  }

  /// Writes text (UTF-8) atomically.
  public static func write(_ text: String, to path: String) throws {
    try write(Data(text.utf8), to: path)
  }
}
