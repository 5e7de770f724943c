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
    var existing = stat()
    if stat(path, &existing) == 0 && (existing.st_mode & S_IFMT) != S_IFREG {
      throw EncoreError.io(path: path, reason: "is not a regular file (a folder, device or pipe); refusing to replace it")
    }
    removeStaleTemporaries(in: folder)
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

  /// Deletes temporaries that this naming scheme left behind (`.NAME.tmp-PID`) when the
  /// process that wrote them no longer runs: a killed run must not leave 15 MB files forever.
  static func removeStaleTemporaries(in folder: String) {
    guard let names = try? FileManager.default.contentsOfDirectory(atPath: folder) else { return }
    for name in names where name.hasPrefix(".") {
      guard let range = name.range(of: ".tmp-", options: .backwards), let pid = Int32(name[range.upperBound...]), pid > 0 else {
        continue
      }
      if pid != getpid() && kill(pid, 0) != 0 && errno == ESRCH { unlink(folder + "/" + name) }
    }
  }

  /// Writes text (UTF-8) atomically.
  public static func write(_ text: String, to path: String) throws {
    try write(Data(text.utf8), to: path)
  }
}
