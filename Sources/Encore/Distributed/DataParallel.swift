/// Data-parallel training over the ranks of a `Communicator`: every rank holds the whole
/// model, runs the same seeded shuffle, and computes the gradient of its own share of each
/// global batch; the shares' gradient sums are added over the ranks before the (identical)
/// update, so the ranks' parameters stay bit-identical and the shards add up to the one-process
/// batch. Counts the bytes it all-reduces, so the cost of communication can be measured.
public final class DataParallel: @unchecked Sendable {
  public let communicator: any Communicator
  public var rank: Int { communicator.rank }
  public var size: Int { communicator.size }
  public var isRoot: Bool { communicator.rank == 0 }
  /// Bytes this rank has contributed to all-reduces and broadcasts so far (the payload; what
  /// the wire carries depends on the algorithm, e.g. about twice this for a ring all-reduce).
  public private(set) var bytesReduced = 0
  /// Collective calls so far.
  public private(set) var collectives = 0
  /// Wall seconds spent inside collectives so far (waiting for the slowest rank included).
  public private(set) var secondsCommunicating = 0.0

  /// Runs one collective, counting its bytes and time.
  private func collective(bytes: Int, _ body: () -> Void) {
    let start = Platform.now()
    body()
    secondsCommunicating += Platform.now() - start
    bytesReduced += bytes
    collectives += 1
  }

  public init(_ communicator: any Communicator) {
    self.communicator = communicator
  }

  /// This rank's contiguous share of a global batch: rows lo..<hi with the batch cut into
  /// `size` parts whose lengths differ by at most one. Empty when the batch has fewer rows
  /// than ranks.
  public func shard(_ batch: ArraySlice<Int32>) -> ArraySlice<Int32> {
    let n = batch.count, r = rank, p = size
    let lo = batch.startIndex + n * r / p, hi = batch.startIndex + n * (r + 1) / p
    return batch[lo..<hi]
  }

  /// Sums `count` floats over the ranks, in place.
  public func sum(_ values: UnsafeMutablePointer<Float>, count: Int) {
    guard count > 0 else { return }
    collective(bytes: count * MemoryLayout<Float>.size) { communicator.sum(values, count: count) }
  }

  /// Sums a few doubles (errors, counts) over the ranks.
  public func sum(_ values: inout [Double]) {
    guard !values.isEmpty else { return }
    collective(bytes: values.count * MemoryLayout<Double>.size) {
      values.withUnsafeMutableBufferPointer { communicator.sum($0.baseAddress!, count: $0.count) }
    }
  }

  /// The union over the ranks of ascending column lists, as an ascending list: one OR of a
  /// bitmap of `columnCount` bits.
  public func union(of columns: [Int32], columnCount: Int) -> [Int32] {
    let words = (columnCount + 63) / 64
    var bits = [UInt64](repeating: 0, count: words)
    for c in columns { bits[Int(c) >> 6] |= 1 << UInt64(Int(c) & 63) }
    collective(bytes: words * MemoryLayout<UInt64>.size) {
      bits.withUnsafeMutableBufferPointer { communicator.bitwiseOr($0.baseAddress!, count: words) }
    }
    var result: [Int32] = []
    result.reserveCapacity(columns.count * size)
    for w in 0..<words {
      var word = bits[w]
      while word != 0 {
        result.append(Int32(w * 64 + word.trailingZeroBitCount))
        word &= word - 1
      }
    }
    return result
  }

  /// Copies rank 0's values of every buffer to the other ranks.
  public func broadcastFromRoot(_ buffers: [StableBuffer<Float>]) {
    for buffer in buffers where buffer.count > 0 {
      let bytes = buffer.count * MemoryLayout<Float>.size
      collective(bytes: bytes) { communicator.broadcast(UnsafeMutableRawPointer(buffer.pointer), count: bytes, from: 0) }
    }
  }

  /// Whether every rank holds the same bits in `buffers` (a 64-bit hash compared over the
  /// ranks). Data-parallel training keeps them equal by construction; this checks it.
  public func agree(on buffers: [StableBuffer<Float>]) -> Bool {
    var hash: UInt64 = 0xcbf2_9ce4_8422_2325
    for buffer in buffers {
      let words = UnsafeRawPointer(buffer.pointer).assumingMemoryBound(to: UInt32.self)
      for j in 0..<buffer.count { hash = (hash ^ UInt64(words[j])) &* 0x0000_0100_0000_01b3 }
    }
    var mine = hash
    collective(bytes: 8) { communicator.broadcast(&mine, count: 8, from: 0) }
    var differs: UInt64 = mine == hash ? 0 : 1
    collective(bytes: 8) { communicator.bitwiseOr(&differs, count: 1) }
    return differs == 0
  }
}
