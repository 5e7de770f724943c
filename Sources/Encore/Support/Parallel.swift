import Dispatch

/// Work-splitting helpers for the two cores (or however many there are). Work is cut into
/// fixed chunks whose boundaries depend only on the sizes, never on timing, and every output
/// element is owned by one chunk, so results are identical run to run.
public enum Parallel {
  /// Number of worker threads used by the kernels (the active processor count).
  public static var threadCount: Int { max(1, ProcessInfo_activeProcessorCount()) }

  /// Runs `body(lo, hi)` over `0..<count` split into contiguous chunks of at least `grain`.
  public static func forRanges(_ count: Int, grain: Int = 1, _ body: (Int, Int) -> Void) {
    guard count > 0 else { return }
    let maxChunks = threadCount * 4
    let chunks = max(1, min(maxChunks, count / max(1, grain)))
    if chunks == 1 {
      body(0, count)
      return
    }
    withoutActuallyEscaping(body) { body in
      let box = UncheckedSendable(body)
      DispatchQueue.concurrentPerform(iterations: chunks) { c in
        let lo = count * c / chunks
        let hi = count * (c + 1) / chunks
        if lo < hi { box.value(lo, hi) }
      }
    }
  }

  /// Like `forRanges`, but cuts `0..<count` so that each chunk holds about the same total
  /// `weight` (prefix sums in `prefix`, `prefix.count == count + 1`), for rows of uneven length.
  public static func forWeightedRanges(
    _ count: Int, prefix: UnsafeBufferPointer<Int>, minWeight: Int = 4096,
    _ body: (Int, Int) -> Void
  ) {
    guard count > 0 else { return }
    let total = prefix[count] - prefix[0]
    let chunks = max(1, min(threadCount * 4, total / max(1, minWeight), count))
    if chunks == 1 {
      body(0, count)
      return
    }
    var cuts = [Int](repeating: 0, count: chunks + 1)
    cuts[chunks] = count
    var r = 0
    for c in 1..<chunks {
      let target = prefix[0] + total * c / chunks
      while r < count && prefix[r] < target { r += 1 }
      cuts[c] = max(cuts[c - 1], r)
    }
    withoutActuallyEscaping(body) { body in
      let box = UncheckedSendable(body)
      cuts.withUnsafeBufferPointer { cutsBuffer in
        let cutsBox = UncheckedSendable(cutsBuffer)
        DispatchQueue.concurrentPerform(iterations: chunks) { c in
          let lo = cutsBox.value[c], hi = cutsBox.value[c + 1]
          if lo < hi { box.value(lo, hi) }
        }
      }
    }
  }
}

/// Carries a non-Sendable value (raw pointers, closures) into a concurrent region whose
/// callers guarantee that threads touch disjoint memory.
public struct UncheckedSendable<Value>: @unchecked Sendable {
  public let value: Value
  public init(_ value: Value) { self.value = value }
}
