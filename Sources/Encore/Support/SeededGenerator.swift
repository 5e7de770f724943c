/// A small, fast, seedable random number generator (xoshiro256**), so that every random
/// choice in Encore (splits, shuffles, initial weights, synthetic data) repeats exactly
/// for the same seed on every machine.
public struct SeededGenerator: RandomNumberGenerator, Sendable {
  private var s0, s1, s2, s3: UInt64

  /// Seeds the four state words from `seed` through SplitMix64, as the xoshiro authors advise.
  public init(seed: UInt64) {
    var x = seed
    func next() -> UInt64 {
      x &+= 0x9E37_79B9_7F4A_7C15
      var z = x
      z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
      z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
      return z ^ (z >> 31)
    }
    s0 = next(); s1 = next(); s2 = next(); s3 = next()
  }

  /// A generator for a named sub-stream, so that independent consumers of one seed
  /// (for example the split and the weight initialisation) do not disturb each other.
  public init(seed: UInt64, stream: UInt64) {
    self.init(seed: seed &* 0x2545_F491_4F6C_DD1D ^ (stream &+ 0x1234_5678_9ABC_DEF1))
  }

  /// The four state words, to save a generator mid-stream (checkpoints).
  public var state: [UInt64] { [s0, s1, s2, s3] }

  /// A generator restored from `state`.
  public init(state: [UInt64]) {
    precondition(state.count == 4)
    (s0, s1, s2, s3) = (state[0], state[1], state[2], state[3])
  }

  public mutating func next() -> UInt64 {
    let result = ((s1 &* 5) << 7 | (s1 &* 5) >> 57) &* 9
    let t = s1 << 17
    s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3
    s2 ^= t
    s3 = (s3 << 45) | (s3 >> 19)
    return result
  }

  /// A uniform Float in [0, 1).
  public mutating func nextUnitFloat() -> Float {
    Float(next() >> 40) * (1.0 / Float(1 << 24))
  }

  /// A uniform Double in [0, 1).
  public mutating func nextUnitDouble() -> Double {
    Double(next() >> 11) * (1.0 / Double(UInt64(1) << 53))
  }

  /// A standard normal sample (Box–Muller).
  public mutating func nextGaussian() -> Double {
    var u = nextUnitDouble()
    if u < 1e-300 { u = 1e-300 }
    let v = nextUnitDouble()
    return (-2 * _log(u)).squareRoot() * _cos(2 * Double.pi * v)
  }
}

@inline(__always) func _log(_ x: Double) -> Double { Foundation_log(x) }
@inline(__always) func _cos(_ x: Double) -> Double { Foundation_cos(x) }

extension SeededGenerator {
  /// Shuffles `values` in place (Fisher–Yates, last index first): the one seeded permutation
  /// that splits and training shuffles use.
  public mutating func shuffle<T>(_ values: inout [T]) {
    guard values.count > 1 else { return }
    for i in stride(from: values.count - 1, to: 0, by: -1) { values.swapAt(i, Int(next() % UInt64(i + 1))) }
  }
}
