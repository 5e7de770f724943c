/// Everything a trainer needs, beyond the network's parameters, to continue a run exactly as
/// if it had never stopped: optimiser state, the best and averaged parameters, the step count,
/// the history and the dropout generator. Saved inside a model file (`ModelFile.save`).
public struct TrainingCheckpoint: Sendable, Equatable {
  public struct State: Codable, Sendable, Equatable {
    /// The last finished epoch.
    public var epoch: Int
    public var stepNumber: Int
    public var bestScore: Double
    public var bestEpoch: Int
    public var firstLoss: Double?
    /// The learning-rate factor and the epoch of its last cut (absent in older checkpoints).
    public var learningRateScale: Float?
    public var lastDecayEpoch: Int?
    public var history: [EpochRecord]
    /// The dropout generator's state words, as decimal strings (JSON has no 64-bit integers).
    public var generator: [String]
  }

  public var state: State
  /// Named float tensors: optimiser moments, best and averaged parameters.
  public var tensors: [String: [Float]]

  public init(state: State, tensors: [String: [Float]]) {
    self.state = state
    self.tensors = tensors
  }

  var generatorState: [UInt64] { state.generator.compactMap(UInt64.init) }

  /// The tensor `name`, or an error naming it.
  func tensor(_ name: String, count: Int) throws -> [Float] {
    guard let t = tensors[name] else { throw EncoreError.invalidArgument("the checkpoint lacks \(name)") }
    guard t.count == count else { throw EncoreError.invalidArgument("the checkpoint's \(name) has \(t.count) values, expected \(count)") }
    return t
  }
}

/// When to write checkpoints during training, and how.
public struct CheckpointPolicy {
  /// Write after every `every` epochs (0: never).
  public var every: Int
  public var write: (TrainingCheckpoint, Int) throws -> Void

  public init(every: Int, write: @escaping (TrainingCheckpoint, Int) throws -> Void) {
    self.every = every
    self.write = write
  }
}
