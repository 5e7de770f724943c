/// The shape of an AutoRec network (Sedhain et al., WWW 2015): h(r) = f(W·g(V·r + μ) + b).
public struct AutoRecConfiguration: Codable, Sendable, Equatable {
  /// Which vectors are encoded: an item's ratings by all users (I-AutoRec) or a user's
  /// ratings of all items (U-AutoRec).
  public enum Orientation: String, Codable, Sendable, CaseIterable {
    case itemBased = "i-autorec"
    case userBased = "u-autorec"
  }

  public var orientation: Orientation
  /// Units in the hidden layer (the paper's k; 500 is its headline setting).
  public var hiddenUnits: Int
  /// g, the hidden (encoder) activation. The paper's best: sigmoid.
  public var encoderActivation: Activation
  /// f, the output (decoder) activation. The paper's best: identity.
  public var decoderActivation: Activation
  /// λ in the objective Σ‖r − h(r)‖²_O + λ/2 (‖W‖² + ‖V‖²).
  public var lambda: Float
  /// Subtracted from every observed rating before it enters the encoder (missing ratings stay
  /// 0), so that "not rated" reads as "average" rather than as a very low rating. Targets are
  /// the raw ratings. 0 is the paper's plain AutoRec.
  public var inputOffset: Float = 0

  public init(
    orientation: Orientation = .itemBased, hiddenUnits: Int = 500,
    encoderActivation: Activation = .sigmoid, decoderActivation: Activation = .identity,
    lambda: Float = AutoRecConfiguration.defaultLambda
  ) {
    self.orientation = orientation
    self.hiddenUnits = hiddenUnits
    self.encoderActivation = encoderActivation
    self.decoderActivation = decoderActivation
    self.lambda = lambda
  }

  /// The default λ, chosen on MovieLens-100K validation data (see README, "Results").
  public static let defaultLambda: Float = 100
}
