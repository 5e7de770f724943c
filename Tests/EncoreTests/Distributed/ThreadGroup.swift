import Foundation

@testable import Encore

/// N ranks as N threads of one process, for testing data-parallel training without MPI: each
/// collective posts every rank's buffer, waits for all, lets each rank combine them in rank
/// order (so every rank gets the same bits, as MPI's all-reduce gives), and waits again
/// before anyone may reuse its buffer.
final class ThreadGroup: @unchecked Sendable {
  let size: Int
  private let condition = NSCondition()
  private var arrived = 0
  private var generation = 0
  private var posted: [UnsafeMutableRawPointer?]

  init(size: Int) {
    self.size = size
    posted = Array(repeating: nil, count: size)
  }

  /// One communicator per rank.
  var members: [Member] { (0..<size).map { Member(group: self, rank: $0) } }

  /// Runs `body(rank)` on `size` threads and returns the results in rank order.
  func run<T>(_ body: @escaping @Sendable (Member) throws -> T) throws -> [T] {
    let results = ResultBox<T>(count: size)
    let threads = members.map { member in
      Thread {
        do { results.set(member.rank, .success(try body(member))) } catch { results.set(member.rank, .failure(error)) }
      }
    }
    for t in threads {
      t.stackSize = 16 << 20
      t.start()
    }
    return try results.wait()
  }

  private func barrier() {
    condition.lock()
    let mine = generation
    arrived += 1
    if arrived == size {
      arrived = 0
      generation += 1
      condition.broadcast()
    } else {
      while generation == mine { condition.wait() }
    }
    condition.unlock()
  }

  /// Every rank's buffer combined by `combine(result, other)` in rank order, written to all.
  fileprivate func collective<T>(_ rank: Int, _ values: UnsafeMutablePointer<T>, count: Int, _ combine: (T, T) -> T) {
    condition.lock()
    posted[rank] = UnsafeMutableRawPointer(values)
    condition.unlock()
    barrier()
    var result = [T]()
    result.reserveCapacity(count)
    let first = posted[0]!.assumingMemoryBound(to: T.self)
    for j in 0..<count { result.append(first[j]) }
    for r in 1..<size {
      let other = posted[r]!.assumingMemoryBound(to: T.self)
      for j in 0..<count { result[j] = combine(result[j], other[j]) }
    }
    barrier()
    for j in 0..<count { values[j] = result[j] }
    barrier()
  }

  final class Member: Communicator, @unchecked Sendable {
    let group: ThreadGroup
    let rank: Int
    var size: Int { group.size }
    init(group: ThreadGroup, rank: Int) {
      self.group = group
      self.rank = rank
    }
    func sum(_ values: UnsafeMutablePointer<Float>, count: Int) { group.collective(rank, values, count: count, +) }
    func sum(_ values: UnsafeMutablePointer<Double>, count: Int) { group.collective(rank, values, count: count, +) }
    func bitwiseOr(_ values: UnsafeMutablePointer<UInt64>, count: Int) { group.collective(rank, values, count: count, |) }
    func broadcast(_ bytes: UnsafeMutableRawPointer, count: Int, from root: Int) {
      let typed = bytes.assumingMemoryBound(to: UInt8.self)
      group.collective(rank, typed, count: count) { mine, _ in mine }
      // The fold above keeps rank 0's bytes; any other root copies from its own post.
      precondition(root == 0, "the test group broadcasts from rank 0")
    }
  }
}

/// Results from threads, collected under a lock.
private final class ResultBox<T>: @unchecked Sendable {
  private let condition = NSCondition()
  private var results: [Result<T, Error>?]
  init(count: Int) { results = Array(repeating: nil, count: count) }
  func set(_ rank: Int, _ result: Result<T, Error>) {
    condition.lock()
    results[rank] = result
    condition.broadcast()
    condition.unlock()
  }
  func wait() throws -> [T] {
    condition.lock()
    while results.contains(where: { $0 == nil }) { condition.wait() }
    condition.unlock()
    return try results.map { try $0!.get() }
  }
}
