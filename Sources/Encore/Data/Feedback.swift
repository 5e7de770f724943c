/// The two kinds of data Encore learns from, and what each implies for training and reports.
///
/// Explicit ratings (stars on a scale) are predicted and scored by RMSE, lower is better, with
/// predictions clipped to the scale and a bias baseline for users or items without ratings.
/// Implicit interactions (clicks, plays, purchases, or ratings above a threshold) say only that
/// a user chose an item: models rank items, validation and reports lead with NDCG@100 (higher
/// is better), and a user without history gets the most popular items.
public enum Feedback: String, Codable, Sendable, CaseIterable {
  case explicit
  case implicit

  /// The metric validation selects on, as reports name it.
  public var validationMetric: String { self == .explicit ? "RMSE" : "NDCG@100" }
  /// Whether a larger value of `validationMetric` is better.
  public var higherIsBetter: Bool { self == .implicit }
  /// Whether `a` is a better validation figure than `b` for this kind of feedback.
  public func isBetter(_ a: Double, than b: Double) -> Bool { higherIsBetter ? a > b : a < b }
  /// What the data is, in a sentence for errors.
  public var dataDescription: String {
    self == .explicit ? "explicit ratings" : "implicit feedback (user,item interactions)"
  }
}
