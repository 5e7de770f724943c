import CEncoreKernels

/// A dense matrix's rows as the sparse gathers read them: fp32, or a bf16 copy whose rows
/// cost half the memory traffic (`--precision bf16` for AutoRec, whose epoch is mostly rows
/// gathered at random from matrices far larger than the caches).
public enum WeightRows {
  case fp32(UnsafePointer<Float>)
  /// Each element the upper half of a float's bits, as `BF16RowCopy` writes it.
  case bf16(UnsafePointer<UInt16>)
}

/// A bf16 copy of a row-major fp32 matrix (the master, which the optimiser steps), for the
/// gathers to read through `rows`. Whoever steps the master refreshes the rows it stepped, so
/// the copy always holds the master rounded to bf16 (nearest even, as `DenseKernels.roundedToBF16`).
public final class BF16RowCopy: @unchecked Sendable {
  public let rowCount: Int
  public let width: Int
  private let buffer: StableBuffer<UInt16>

  /// A copy of every row of `master` (rowCount × width).
  public init(of master: UnsafePointer<Float>, rowCount: Int, width: Int, on compute: ComputeContext) {
    self.rowCount = rowCount
    self.width = width
    buffer = StableBuffer(repeating: 0, count: rowCount * width)
    refresh(from: master, on: compute)
  }

  /// The copy, for the gathers.
  public var rows: WeightRows { .bf16(UnsafePointer(buffer.pointer)) }

  /// Element `index` (row-major) as the float the gathers see.
  public subscript(index: Int) -> Float { Float(bitPattern: UInt32(buffer[index]) << 16) }

  /// Rounds the listed rows of `master` into the copy (every row when `list` is nil).
  public func refresh(from master: UnsafePointer<Float>, rows list: UnsafePointer<Int32>? = nil, count: Int? = nil, on compute: ComputeContext) {
    let n = list == nil ? rowCount : count ?? 0
    let args = UncheckedSendable((list, master, buffer.pointer))
    let width = self.width
    compute.forRanges(n, grain: max(1, 32_768 / max(1, width))) { lo, hi in
      let (list, master, copy) = args.value
      ek_round_rows_bf16(lo, hi, list, master, width, copy, width, width)
    }
  }
}
