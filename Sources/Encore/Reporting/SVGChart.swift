import Foundation

/// Small, dependency-free SVG charts: learning curves for `encore train --plot` and the RMSE of
/// each model for `encore compare --plot`.
public enum SVGChart {
  static let width = 720.0, height = 420.0
  static let left = 70.0, right = 20.0, top = 40.0, bottom = 55.0

  /// Train and validation RMSE per epoch, best epoch marked.
  public static func learningCurves(_ history: [EpochRecord], title: String) -> String {
    let train = history.map { ($0.epoch, $0.trainRMSE) }
    let valid = history.compactMap { r in r.validationRMSE.map { (r.epoch, $0) } }
    // Scale to the curves after the first 10% of epochs (the first epochs' RMSE would flatten
    // everything else); earlier points are clipped at the top.
    let skip = history.count >= 10 ? history.count / 10 : 0
    let values = train.dropFirst(skip).map(\.1) + valid.dropFirst(skip).map(\.1)
    let (lo, hi) = niceRange(values.min() ?? 0, values.max() ?? 1)
    let maxEpoch = max(history.last?.epoch ?? 1, 2)
    func x(_ e: Int) -> Double { left + Double(e - 1) / Double(maxEpoch - 1) * (width - left - right) }
    func y(_ v: Double) -> Double { top + (hi - min(v, hi)) / (hi - lo) * (height - top - bottom) }
    var svg = header(title)
    svg += axes(yLow: lo, yHigh: hi, y: y, xLabel: "epoch", yLabel: "RMSE")
    for e in xTicks(maxEpoch) {
      svg += "<line x1='\(f(x(e)))' y1='\(f(height - bottom))' x2='\(f(x(e)))' y2='\(f(height - bottom + 5))' stroke='#333'/>"
      svg += "<text x='\(f(x(e)))' y='\(f(height - bottom + 20))' text-anchor='middle'>\(e)</text>"
    }
    func path(_ points: [(Int, Double)], _ color: String) -> String {
      guard !points.isEmpty else { return "" }
      let d = points.enumerated().map { "\($0.offset == 0 ? "M" : "L")\(f(x($0.element.0))),\(f(y($0.element.1)))" }.joined(separator: " ")
      return "<path d='\(d)' fill='none' stroke='\(color)' stroke-width='2'/>"
    }
    svg += path(train, "#1f77b4") + path(valid, "#d62728")
    if let best = valid.min(by: { $0.1 < $1.1 }) {
      svg += "<circle cx='\(f(x(best.0)))' cy='\(f(y(best.1)))' r='5' fill='none' stroke='#d62728' stroke-width='2'/>"
      svg += "<text x='\(f(x(best.0) + 8))' y='\(f(y(best.1) + 20))' fill='#d62728'>best \(String(format: "%.4f", best.1)) (epoch \(best.0))</text>"
    }
    svg += legend([("train RMSE", "#1f77b4")] + (valid.isEmpty ? [] : [("validation RMSE", "#d62728")]))
    return svg + "</svg>\n"
  }

  /// One bar per model (mean RMSE) with ± one standard deviation whiskers.
  public static func comparison(_ summaries: [ComparisonSummary], title: String) -> String {
    let means = summaries.map(\.rmse.mean), stds = summaries.map(\.rmse.std)
    let (lo, hi) = niceRange((zip(means, stds).map { $0 - $1 }.min() ?? 0) * 0.98, (zip(means, stds).map { $0 + $1 }.max() ?? 1) * 1.01)
    func y(_ v: Double) -> Double { top + (hi - v) / (hi - lo) * (height - top - bottom) }
    var svg = header(title)
    svg += axes(yLow: lo, yHigh: hi, y: y, xLabel: "model", yLabel: "test RMSE (mean ± std)")
    let slot = (width - left - right) / Double(max(summaries.count, 1))
    let colors = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22"]
    for (i, s) in summaries.enumerated() {
      let cx = left + slot * (Double(i) + 0.5), w = slot * 0.6
      svg += "<rect x='\(f(cx - w / 2))' y='\(f(y(s.rmse.mean)))' width='\(f(w))' height='\(f(height - bottom - y(s.rmse.mean)))' fill='\(colors[i % colors.count])'/>"
      if s.rmse.std > 0 {
        svg += "<line x1='\(f(cx))' y1='\(f(y(s.rmse.mean - s.rmse.std)))' x2='\(f(cx))' y2='\(f(y(s.rmse.mean + s.rmse.std)))' stroke='#000' stroke-width='1.5'/>"
      }
      svg += "<text x='\(f(cx))' y='\(f(y(s.rmse.mean + s.rmse.std) - 6))' text-anchor='middle'>\(String(format: "%.4f", s.rmse.mean))</text>"
      svg += "<text x='\(f(cx))' y='\(f(height - bottom + 20))' text-anchor='middle'>\(escape(s.model))</text>"
    }
    return svg + "</svg>\n"
  }

  static func header(_ title: String) -> String {
    "<svg xmlns='http://www.w3.org/2000/svg' width='\(Int(width))' height='\(Int(height))' font-family='sans-serif' font-size='12'>"
      + "<rect width='100%' height='100%' fill='white'/>"
      + "<text x='\(f(width / 2))' y='24' text-anchor='middle' font-size='15'>\(escape(title))</text>"
  }

  static func axes(yLow: Double, yHigh: Double, y: (Double) -> Double, xLabel: String, yLabel: String) -> String {
    var s = "<line x1='\(f(left))' y1='\(f(top))' x2='\(f(left))' y2='\(f(height - bottom))' stroke='#333'/>"
    s += "<line x1='\(f(left))' y1='\(f(height - bottom))' x2='\(f(width - right))' y2='\(f(height - bottom))' stroke='#333'/>"
    for k in 0...5 {
      let v = yLow + (yHigh - yLow) * Double(k) / 5
      s += "<line x1='\(f(left))' y1='\(f(y(v)))' x2='\(f(width - right))' y2='\(f(y(v)))' stroke='#eee'/>"
      s += "<text x='\(f(left - 6))' y='\(f(y(v) + 4))' text-anchor='end'>\(String(format: "%.3f", v))</text>"
    }
    s += "<text x='\(f((left + width - right) / 2))' y='\(f(height - 12))' text-anchor='middle'>\(xLabel)</text>"
    s += "<text transform='translate(16,\(f((top + height - bottom) / 2))) rotate(-90)' text-anchor='middle'>\(escape(yLabel))</text>"
    return s
  }

  static func legend(_ entries: [(String, String)]) -> String {
    var s = ""
    for (i, (label, color)) in entries.enumerated() {
      let yy = top + 10 + Double(i) * 18
      s += "<line x1='\(f(width - right - 150))' y1='\(f(yy))' x2='\(f(width - right - 125))' y2='\(f(yy))' stroke='\(color)' stroke-width='2'/>"
      s += "<text x='\(f(width - right - 120))' y='\(f(yy + 4))'>\(label)</text>"
    }
    return s
  }

  static func xTicks(_ maxEpoch: Int) -> [Int] {
    let step = max(1, Int((Double(maxEpoch) / 8).rounded(.up)))
    return Array(stride(from: 1, through: maxEpoch, by: step))
  }

  static func niceRange(_ a: Double, _ b: Double) -> (Double, Double) {
    let span = max(b - a, 1e-3)
    return (a - span * 0.05, b + span * 0.05)
  }

  static func f(_ v: Double) -> String { String(format: "%.1f", v) }
  static func escape(_ s: String) -> String {
    s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
  }
}
