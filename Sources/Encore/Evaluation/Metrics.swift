/// Accuracy measures over predicted and actual ratings.
public enum Metrics {
  /// Root mean squared error √(Σ (p − a)² / n); 0 for no ratings.
  public static func rmse(predicted: [Float], actual: [Float]) -> Double {
    precondition(predicted.count == actual.count)
    guard !predicted.isEmpty else { return 0 }
    var s = 0.0
    for k in 0..<predicted.count {
      let e = Double(predicted[k]) - Double(actual[k])
      s += e * e
    }
    return (s / Double(predicted.count)).squareRoot()
  }

  /// Mean absolute error Σ |p − a| / n; 0 for no ratings.
  public static func mae(predicted: [Float], actual: [Float]) -> Double {
    precondition(predicted.count == actual.count)
    guard !predicted.isEmpty else { return 0 }
    var s = 0.0
    for k in 0..<predicted.count { s += abs(Double(predicted[k]) - Double(actual[k])) }
    return s / Double(predicted.count)
  }
}
