/// A histogram of values as TensorBoard's HistogramProto holds it: count, sum, sum of squares,
/// extremes, and equal-width buckets given by their right edges, as numpy's
/// `histogram(values, bins)` that seed 003's `histo_summary` calls.
public struct Histogram: Sendable, Equatable {
  public var minimum = 0.0, maximum = 0.0, count = 0.0, sum = 0.0, sumOfSquares = 0.0
  /// The right edge of each bucket, ascending.
  public var bucketLimits: [Double] = []
  public var bucketCounts: [Double] = []

  /// The histogram of `values` in `bins` equal-width buckets from their minimum to maximum
  /// (one bucket when every value is equal).
  public init(_ values: UnsafeBufferPointer<Float>, bins: Int = 1000) {
    guard !values.isEmpty else { return }
    var lo = Double(values[0]), hi = lo
    for v in values {
      let d = Double(v)
      lo = min(lo, d)
      hi = max(hi, d)
      sum += d
      sumOfSquares += d * d
    }
    minimum = lo
    maximum = hi
    count = Double(values.count)
    let n = hi > lo ? max(1, bins) : 1
    let width = (hi - lo) / Double(n)
    bucketCounts = [Double](repeating: 0, count: n)
    bucketLimits = (1...n).map { $0 == n ? hi : lo + width * Double($0) }
    for v in values {
      let bucket = width > 0 ? min(n - 1, Int((Double(v) - lo) / width)) : 0
      bucketCounts[bucket] += 1
    }
  }
}

/// A parameter's summary at one logging step: its norm and its gradient's, and their
/// histograms when asked for.
public struct ParameterSummary: Sendable {
  /// DeepRecommender's name: Encode_W_0, Encode_b_0, Decode_W_0, Decode_b_0, …
  public var name: String
  public var norm: Double
  public var gradientNorm: Double
  public var histogram: Histogram?
  public var gradientHistogram: Histogram?
}

/// A view of one parameter and its last gradient, for summaries (valid during the call only).
struct ParameterView {
  var name: String
  var values: UnsafeBufferPointer<Float>
  var gradient: UnsafeBufferPointer<Float>

  init(_ name: String, _ values: StableBuffer<Float>, _ gradient: StableBuffer<Float>, gradientCount: Int? = nil) {
    self.name = name
    self.values = UnsafeBufferPointer(start: values.pointer, count: values.count)
    self.gradient = UnsafeBufferPointer(start: gradient.pointer, count: gradientCount ?? gradient.count)
  }
}
