import Encore
import Foundation
import Dispatch
import Synchronization

/// One loaded model file with everything its answers need, built once at load and then only
/// read: the fold-in folder (item codes), item vectors, a serial predictor, title search and
/// popularity. A reload builds a new one and swaps it in; requests that started on the old
/// one finish on it.
final class ServedModel: Sendable {
  let trained: TrainedModel
  let folder: any UserFolder
  let itemVectors: ItemVectors?
  let predictor: RatingPredictor
  /// `name@first 12 hex digits of the SHA-256`: changes whenever the file's bytes do.
  let version: String
  let sha256: String
  let path: String
  let loadedAt: Date
  /// Training ratings per item, and the items most rated first (for an empty title search).
  let ratingCounts: [Int]
  let popularItems: [Int32]
  /// Lowercased titles, by item index, for search.
  let searchTitles: [String]
  /// Whether the model can score each item (it had training ratings): the recommendable ones.
  let recommendable: [Bool]

  /// Every request computes on one thread: concurrency comes from concurrent requests.
  static let compute = ComputeContext.serial

  /// Loads and prepares the model file at `path`; any problem with the file is an error that
  /// names it, and nothing is swapped in.
  init(path: String) throws {
    let bytes: Data
    guard FileManager.default.fileExists(atPath: path) else { throw EncoreError.io(path: path, reason: "no such model file") }
    do {
      bytes = try Data(contentsOf: URL(fileURLWithPath: path))
    } catch {
      throw EncoreError.io(path: path, reason: "cannot read the model file (\(error.localizedDescription))")
    }
    // Hash on a second thread while the model loads (the two are about equally long for a
    // large file).
    let digest = Mutex<String?>(nil)
    let hashed = DispatchSemaphore(value: 0)
    let hasher = Thread {
      digest.withLock { $0 = bytes.withUnsafeBytes { SHA256.hex($0) } }
      hashed.signal()
    }
    hasher.start()
    defer { hashed.wait() }
    let trained = try ModelFile.load(path)
    self.trained = trained
    self.path = path
    loadedAt = Date()
    // Building the folder, vectors and predictor encodes every item: use every core for it.
    let folder = trained.userFolder(compute: .automatic)
    self.folder = folder
    recommendable = (0..<trained.items.count).map { folder.knows(Int32($0)) }
    itemVectors = trained.itemVectors(compute: .automatic)
    predictor = trained.predictor(compute: .automatic)
    var counts = [Int](repeating: 0, count: trained.items.count)
    for c in trained.rated.columns where Int(c) < counts.count { counts[Int(c)] += 1 }
    ratingCounts = counts
    popularItems = (0..<Int32(counts.count)).sorted { counts[Int($0)] != counts[Int($1)] ? counts[Int($0)] > counts[Int($1)] : $0 < $1 }
    searchTitles = (0..<trained.items.count).map { (trained.titles[Int32($0)] ?? "").lowercased() }
    hashed.wait()
    hashed.signal()  // for the deferred wait
    sha256 = digest.withLock { $0 }!
    version = "\(trained.name)@\(sha256.prefix(12))"
  }

  func title(_ item: Int32) -> String? { trained.titles[item] }
  func rawID(_ item: Int32) -> String { trained.items.rawIDs[Int(item)] }
}

/// The model being served, swapped atomically on reload.
final class ModelSlot: Sendable {
  private let current: Mutex<ServedModel>
  /// Reloads run one at a time (a second waits for the first).
  private let reloading = Mutex(false)
  let path: String

  init(path: String) throws {
    self.path = path
    current = Mutex(try ServedModel(path: path))
  }

  /// The model now serving; hold on to it for the whole request.
  var model: ServedModel { current.withLock { $0 } }

  enum ReloadOutcome {
    case reloaded(old: ServedModel, new: ServedModel)
    case failed(old: ServedModel, reason: String)
    case busy
  }

  /// Loads the model file again and swaps it in. A file that does not load leaves the old
  /// model serving, and the outcome says why.
  func reload() -> ReloadOutcome {
    let started = reloading.withLock { busy -> Bool in
      if busy { return false }
      busy = true
      return true
    }
    guard started else { return .busy }
    defer { reloading.withLock { $0 = false } }
    let old = model
    do {
      let new = try ServedModel(path: path)
      current.withLock { $0 = new }
      return .reloaded(old: old, new: new)
    } catch {
      return .failed(old: old, reason: "\(error)")
    }
  }
}
