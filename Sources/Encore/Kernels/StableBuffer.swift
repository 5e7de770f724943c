/// A fixed-size, heap-allocated buffer with a stable address: model parameters, optimiser
/// state and training workspaces live in these, so hot loops take raw pointers once and never
/// pay for copy-on-write or exclusivity checks (see docs/ARCHITECTURE.md, "Kernels").
public final class StableBuffer<Element>: @unchecked Sendable {
  public let count: Int
  public let pointer: UnsafeMutablePointer<Element>

  public init(repeating value: Element, count: Int) {
    self.count = count
    pointer = .allocate(capacity: max(count, 1))
    pointer.initialize(repeating: value, count: count)
  }

  public init(_ elements: [Element]) {
    count = elements.count
    pointer = .allocate(capacity: max(count, 1))
    elements.withUnsafeBufferPointer { source in
      if let base = source.baseAddress { pointer.initialize(from: base, count: count) }
    }
  }

  deinit {
    pointer.deinitialize(count: count)
    pointer.deallocate()
  }

  @inline(__always) public subscript(index: Int) -> Element {
    get { pointer[index] }
    set { pointer[index] = newValue }
  }

  public var buffer: UnsafeMutableBufferPointer<Element> { UnsafeMutableBufferPointer(start: pointer, count: count) }
  public var array: [Element] { Array(buffer) }

  /// Copies `other`'s elements (same count) into this buffer.
  public func assign(from other: StableBuffer<Element>) {
    precondition(other.count == count)
    pointer.update(from: other.pointer, count: count)
  }

  /// A new buffer with the same elements.
  public func copy() -> StableBuffer<Element> {
    let result = StableBuffer(repeating: pointer.pointee, count: count)
    result.pointer.update(from: pointer, count: count)
    return result
  }
}

extension StableBuffer where Element == Float {
  public convenience init(zeros count: Int) { self.init(repeating: 0, count: count) }
  public func fill(_ value: Float) { pointer.update(repeating: value, count: count) }

  /// `fill` on every thread of `compute` (a large gradient cleared before each step).
  public func fill(_ value: Float, on compute: ComputeContext) {
    let p = UncheckedSendable(pointer)
    compute.forRanges(count, grain: 1 << 16) { lo, hi in (p.value + lo).update(repeating: value, count: hi - lo) }
  }

  /// Moves every value toward `other`'s: x ← keep·x + (1 − keep)·y (a moving average).
  public func blend(toward other: StableBuffer<Float>, keeping keep: Float, on compute: ComputeContext) {
    let box = UncheckedSendable((pointer, other.pointer))
    compute.forRanges(count, grain: 1 << 15) { lo, hi in
      let (x, y) = box.value
      for j in lo..<hi { x[j] = keep * x[j] + (1 - keep) * y[j] }
    }
  }
}
