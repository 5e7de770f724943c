#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// Checks an output path before any work starts, so that a typo costs a second, not a
/// training run, and so that no command writes over its own input. A file is refused when it
/// is an input of the same command (same device and inode, whatever the path says), when it
/// exists but is not a regular file (a folder, a device such as /dev/full, a pipe), or when
/// its folder is missing or not writable.
public enum OutputPath {
  /// Checks `path`, which `option` names (e.g. "save"), against the command's `inputs`.
  public static func check(_ path: String, option: String, inputs: [String] = []) throws {
    guard !path.isEmpty else { throw EncoreError.invalidSetting(option, "is an empty path") }
    var target = stat()
    if stat(path, &target) == 0 {
      guard (target.st_mode & S_IFMT) == S_IFREG else {
        throw EncoreError.io(path: path, reason: "is not a regular file (a folder, device or pipe); --\(option) writes a new file there")
      }
      for input in inputs {
        var source = stat()
        guard stat(input, &source) == 0 else { continue }
        if source.st_dev == target.st_dev && source.st_ino == target.st_ino {
          throw EncoreError.io(path: path, reason: "is also this command's input \(input); --\(option) would overwrite it")
        }
        // A folder input (MovieLens, Netflix): the rating and title files read from it.
        if (source.st_mode & S_IFMT) == S_IFDIR {
          var parent = stat()
          let name = URL(fileURLWithPath: path).lastPathComponent
          if stat(URL(fileURLWithPath: path).deletingLastPathComponent().path, &parent) == 0,
            parent.st_dev == source.st_dev, parent.st_ino == source.st_ino, Self.isDataFileName(name)
          {
            throw EncoreError.io(path: path, reason: "is a data file of this command's input folder \(input); --\(option) would overwrite it")
          }
        }
      }
    }
    let folder = URL(fileURLWithPath: path).deletingLastPathComponent().path
    var isFolder: ObjCBool = false
    guard FileManager.default.fileExists(atPath: folder, isDirectory: &isFolder), isFolder.boolValue else {
      throw EncoreError.io(path: path, reason: "folder \(folder) does not exist")
    }
    guard access(folder, W_OK) == 0 else { throw EncoreError.io(path: path, reason: "folder \(folder) is not writable") }
  }

  /// The names the loader reads from a data folder.
  static func isDataFileName(_ name: String) -> Bool {
    ["u.data", "ratings.dat", "ratings.csv", "u.item", "movies.dat", "movies.csv", "movie_titles.csv", "movie_titles.txt"].contains(name)
      || NetflixReader.isNetflixFile(name)
  }

  /// Checks a folder that a command fills (`--logdir`): an existing writable folder, or a
  /// path whose parent exists and is writable, so it can be created.
  public static func checkFolder(_ path: String, option: String) throws {
    guard !path.isEmpty else { throw EncoreError.invalidSetting(option, "is an empty path") }
    var isFolder: ObjCBool = false
    if FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) {
      guard isFolder.boolValue else { throw EncoreError.io(path: path, reason: "exists and is not a folder; --\(option) needs a folder") }
      guard access(path, W_OK) == 0 else { throw EncoreError.io(path: path, reason: "is not writable") }
      return
    }
    let parent = URL(fileURLWithPath: path).deletingLastPathComponent().path
    guard FileManager.default.fileExists(atPath: parent, isDirectory: &isFolder), isFolder.boolValue, access(parent, W_OK) == 0 else {
      throw EncoreError.io(path: path, reason: "cannot be created: folder \(parent) is missing or not writable")
    }
  }
}
