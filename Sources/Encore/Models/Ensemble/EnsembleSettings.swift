import Foundation

/// Several trained models answering as one: an *ensemble* averages its members (`--ensemble N`
/// trains one model from N consecutive seeds; `--model ensemble --members LIST` averages any
/// models), a *blend* weights them by ridge regression fitted on the validation part only, in
/// the Netflix Prize style (`--model blend --members i-autorec,deep-ae,svdpp,knn-baseline`).
///
/// The family composes the others, so it sits beside `ModelFamilies` rather than below it:
/// members are any family's specifications, trained side by side on the job's threads.
public struct EnsembleSettings: ModelSettings {
  /// How the members' predictions are combined.
  public enum Combination: String, Codable, Sendable {
    /// The mean of the members' predictions.
    case average
    /// An intercept plus a weight per member, fitted by ridge regression on validation ratings.
    case ridge
  }

  public var combination: Combination
  /// A blend only: once the weights are fitted, train every member again on the training and
  /// validation ratings together (each network stopping early on a 2% part of its own), as
  /// Netflix Prize blends were retrained after the probe set chose their weights. The
  /// validation part then costs the final members nothing, so it can be large.
  public var refit = false
  /// A blend only: with K ≥ 2, fit the weights on out-of-fold predictions of every training
  /// and validation rating instead of the validation part alone (stacking): the ratings are cut
  /// into K folds, and members trained on all but one fold predict that fold. The members are
  /// then trained on every rating, as with `refit`. It costs K + 1 trainings of the members,
  /// and the weights rest on every rating rather than on a 2% part. 0: off.
  public var stackFolds = 0
  /// A blend only: let the intercept and each member's weight vary with the user's and the
  /// item's numbers of training ratings (feature-weighted linear stacking, `SupportWeighting`).
  /// It fits six times the weights, so it wants many ratings to fit on: use it with `stackFolds`.
  public var supportWeighted = false
  /// True for a network shrunk toward its baseline (`BaselineShrink`): a fixed two-member
  /// blend that answers to the network's name, since the user trained that network.
  public var isShrunkNetwork = false
  /// The members' specifications, seeds included (see `seed`).
  public private(set) var members: [ModelSpec]
  /// The run's seed. An average's member i trains from seed + i, so that members of one model
  /// differ; a blend's members all train from the seed (they differ by family already).
  public var seed: UInt64 {
    didSet { members = Self.seeded(members, seed: seed, combination: combination) }
  }

  enum CodingKeys: String, CodingKey { case combination, refit, stackFolds, supportWeighted, isShrunkNetwork = "shrunkNetwork", members, seed }

  public init(from decoder: Decoder) throws {
    let c = try decoder.container(keyedBy: CodingKeys.self)
    combination = try c.decode(Combination.self, forKey: .combination)
    refit = try c.decodeIfPresent(Bool.self, forKey: .refit) ?? false
    stackFolds = try c.decodeIfPresent(Int.self, forKey: .stackFolds) ?? 0
    supportWeighted = try c.decodeIfPresent(Bool.self, forKey: .supportWeighted) ?? false
    isShrunkNetwork = try c.decodeIfPresent(Bool.self, forKey: .isShrunkNetwork) ?? false
    members = try c.decode([ModelSpec].self, forKey: .members)
    seed = try c.decode(UInt64.self, forKey: .seed)
  }

  public func encode(to encoder: Encoder) throws {
    var c = encoder.container(keyedBy: CodingKeys.self)
    try c.encode(combination, forKey: .combination)
    try c.encode(refit, forKey: .refit)
    if stackFolds > 0 { try c.encode(stackFolds, forKey: .stackFolds) }
    if supportWeighted { try c.encode(supportWeighted, forKey: .supportWeighted) }
    if isShrunkNetwork { try c.encode(isShrunkNetwork, forKey: .isShrunkNetwork) }
    try c.encode(members, forKey: .members)
    try c.encode(seed, forKey: .seed)
  }

  public init(combination: Combination, members: [ModelSpec], seed: UInt64 = 42, refit: Bool = false, stackFolds: Int = 0, supportWeighted: Bool = false) {
    self.combination = combination
    self.refit = refit
    self.stackFolds = stackFolds
    self.supportWeighted = supportWeighted
    self.seed = seed
    self.members = Self.seeded(members, seed: seed, combination: combination)
  }

  static func seeded(_ members: [ModelSpec], seed: UInt64, combination: Combination) -> [ModelSpec] {
    members.enumerated().map { i, member in
      var settings = member.settings
      settings.seed = combination == .average ? seed &+ UInt64(i) : seed
      return ModelSpec(settings)
    }
  }

  /// These settings with the members' specifications replaced by the trained members' own
  /// (which record what training chose, such as AutoRec's input offset).
  func with(trainedMembers specs: [ModelSpec]) -> EnsembleSettings {
    var s = self
    s.members = specs
    return s
  }

  public static let family = "ensemble"
  public static let modelNames = ["ensemble", "blend"]
  public static func defaults(named name: String) -> EnsembleSettings? {
    switch name {
    case "ensemble": return EnsembleSettings(combination: .average, members: [])
    case "blend": return EnsembleSettings(combination: .ridge, members: [])
    default: return nil
    }
  }
  public static let acceptedSettings: Set<ModelSetting> = [.members, .refit, .stackFolds, .supportWeighted]
  public var acceptedByModel: Set<ModelSetting> { combination == .ridge ? Self.acceptedSettings : [.members] }
  public static func legacySettings(kind: String, description: Data) -> EnsembleSettings? { nil }

  public var name: String {
    if isShrunkNetwork, let network = members.first { return network.name }
    return combination == .average ? "ensemble" : "blend"
  }
  /// A blend needs the validation part to fit its weights; an average needs it when a member does.
  public var stopsOnValidation: Bool { combination == .ridge || members.contains { $0.settings.stopsOnValidation } }
  public var trainsFromSeed: Bool { members.contains { $0.settings.trainsFromSeed } }
  /// bf16 when any member trains in bf16.
  public func trainingPrecision(on compute: ComputeContext) -> ComputeContext.Precision {
    members.contains { $0.settings.trainingPrecision(on: compute) == .bf16 } ? .bf16 : .fp32
  }
  /// An average of networks that would each shrink toward the baseline (`--ensemble N` of a
  /// default network) shrinks as a whole: its members then all keep out of the validation
  /// part, where the average's weight is fitted (`ExperimentRun` reserves it). Unshrunk, such
  /// an average lost to the baseline by 0.05–0.07 RMSE on sparse data (README).
  public var shrinksTowardBaseline: Bool {
    combination == .average && !members.isEmpty && members.allSatisfy { $0.settings.shrinksTowardBaseline }
  }
  public var maxEpochs: Int { members.map(\.settings.maxEpochs).max() ?? 1 }
  /// The orientation of the first member, so that an ensemble of one network stores its
  /// ratings once, as the member would.
  public var storesItemRows: Bool { members.first?.settings.storesItemRows ?? false }
  public var summary: SettingsSummary { members.first?.settings.summary ?? SettingsSummary() }

  /// A one-line description: "i-autorec×5" or "i-autorec+deep-ae+svd".
  public var membersDescription: String {
    if combination == .average, let first = members.first, members.allSatisfy({ $0.name == first.name }) {
      return "\(first.name)×\(members.count)"
    }
    return members.map(\.name).joined(separator: "+")
  }

  public func applying(_ overrides: ModelOverrides) throws -> EnsembleSettings {
    var s = self
    if let m = overrides.members { s.members = Self.seeded(m, seed: seed, combination: combination) }
    if let r = overrides.refit {
      guard combination == .ridge else { throw EncoreError.invalidSetting("refit", "applies to a blend (an ensemble's members refit on their own)") }
      s.refit = r
    }
    if let k = overrides.stackFolds {
      guard combination == .ridge else { throw EncoreError.invalidSetting("stack-folds", "applies to a blend (an ensemble averages its members)") }
      s.stackFolds = k
    }
    if let w = overrides.supportWeighted {
      guard combination == .ridge else { throw EncoreError.invalidSetting("support-weighted", "applies to a blend (an ensemble averages its members)") }
      s.supportWeighted = w
    }
    return s
  }

  public func validate() throws {
    guard !members.isEmpty else {
      throw EncoreError.invalidSetting(
        "members", "names no model: \(name) needs --members, e.g. --members i-autorec,deep-ae,svd (settings as in encore compare --models)")
    }
    if stackFolds != 0 { try SettingCheck.atLeast(stackFolds, 2, .stackFolds) }
    for member in members { try member.settings.validate() }
  }

  /// Whether the final members learn from the validation part too (`refit`, or stacking).
  public var trainsMembersOnEveryRating: Bool { combination == .ridge && (refit || stackFolds > 1) }

  public func parameterCount(users: Int, items: Int) -> Double {
    members.map { $0.settings.parameterCount(users: users, items: items) }.reduce(0, +)
  }

  /// A blend needs ratings to fit its weights on; an average needs none.
  public func train(_ job: TrainingJob) throws -> TrainingOutcome {
    guard job.resume == nil else {
      throw EncoreError.invalidSetting("resume", "does not apply to \(name)s; resume each member on its own")
    }
    guard job.checkpoints == nil else {
      throw EncoreError.invalidSetting("save-every", "does not apply to \(name)s (their members train side by side)")
    }
    if combination == .ridge && stackFolds > 1 { return try trainStacked(job) }
    if combination == .ridge && job.validation.isEmpty {
      throw EncoreError.invalidSetting(
        "members", "a blend fits its weights on the validation part, which is empty; give --validation-fraction above 0")
    }
    // A blend keeps its validation part out of every member's training; an average passes on
    // what its own job says.
    let reserve = combination == .ridge || job.validationIsReserved
    // Members are not shrunk toward the baseline one by one: shrinking each member of an
    // average on its own 2% part made the average worse (README, "Ensembles, blends and tuned
    // baselines"); an average shrinks as a whole (`shrinksTowardBaseline`), and a blend weighs
    // its members (and any baseline among them) itself.
    let outcomes = try EnsembleTrainer(job: job, reserveValidation: reserve).train(members)
    let models = outcomes.map(\.model)
    let rated = SparseMatrix(job.train, userCount: job.userCount, itemCount: job.itemCount, itemsAsRows: false)
    let context = PredictionContext(baseline: job.baseline, scale: job.scale, rated: rated, compute: job.compute)
    let combiner: MemberCombiner
    switch combination {
    case .average:
      combiner = .average(count: models.count)
    case .ridge:
      let predictions = models.map { RatingPredictor($0.predictor(context), compute: job.compute).predict(job.validation).values }
      let supports = supportWeighted ? Self.supports(of: job.validation, counts: SupportCounts(rated)) : nil
      combiner = BlendFit(predictions: predictions, targets: job.validation.values, supports: supports, seed: seed).combiner
    }
    var final = models
    if combination == .ridge && refit {
      // The weights are fixed; the members now learn from every training rating.
      final = try trainOnEveryRating(job).map(\.model)
    }
    return packaged(final, combiner: combiner, rated: rated, outcomes: outcomes)
  }

  /// The model file's ensemble: trained members, their weights and the job's training ratings.
  func packaged(_ members: [any RatingModel], combiner: MemberCombiner, rated: SparseMatrix, outcomes: [TrainingOutcome]) -> TrainingOutcome {
    let ratings = storesItemRows ? rated.transposed() : rated
    let model = EnsembleModel(
      settings: with(trainedMembers: members.map(\.spec)), members: members, combiner: combiner, ratings: ratings)
    let first = outcomes[0]
    return TrainingOutcome(model: model, history: [], bestEpoch: first.bestEpoch, epochsRun: outcomes.map(\.epochsRun).max() ?? 1)
  }

  /// The members trained on the training and validation ratings together, each network
  /// stopping early on a 2% part of its own.
  func trainOnEveryRating(_ job: TrainingJob) throws -> [TrainingOutcome] {
    var pool = job.train
    pool.append(job.validation)
    let (fit, own) = Splitter.carveValidation(pool, fraction: DataPlan.defaultValidationFraction, seed: seed &+ 0x5EF1)
    let refitJob = TrainingJob(
      train: fit, validation: own, userCount: job.userCount, itemCount: job.itemCount, baseline: job.baseline, scale: job.scale,
      compute: job.compute, progress: job.progress)
    return try EnsembleTrainer(job: refitJob, reserveValidation: false).train(members)
  }

  /// A stacked blend: weights fitted on every rating's out-of-fold predictions, then the
  /// members trained on every rating.
  func trainStacked(_ job: TrainingJob) throws -> TrainingOutcome {
    let (predictions, targets, supports) = try outOfFoldPredictions(job)
    let combiner = BlendFit(predictions: predictions, targets: targets, supports: supportWeighted ? supports : nil, seed: seed).combiner
    let outcomes = try trainOnEveryRating(job)
    let rated = SparseMatrix(job.train, userCount: job.userCount, itemCount: job.itemCount, itemsAsRows: false)
    return packaged(outcomes.map(\.model), combiner: combiner, rated: rated, outcomes: outcomes)
  }

  /// The fold of each of `count` ratings: a seeded shuffle dealt round-robin, so that folds
  /// differ in size by one at most.
  static func stackingFolds(count n: Int, folds: Int, seed: UInt64) -> [Int] {
    var fold = [Int](repeating: 0, count: n)
    for (position, r) in Splitter.shuffledIndices(n, seed: seed, stream: 0x57AC).enumerated() { fold[r] = position % folds }
    return fold
  }

  /// Each training and validation rating as predicted by members that never saw it:
  /// `predictions[m][r]` for member m and rating r of the training ratings followed by the
  /// validation ratings. Fold k's members train on the other folds (networks stopping early
  /// on a 2% part of those), with a bias baseline fitted on the same ratings, and predict fold
  /// k from those ratings alone.
  /// `supports[r]` counts the ratings of r's user and item that fold's members learned from.
  func outOfFoldPredictions(_ job: TrainingJob) throws -> (predictions: [[Float]], targets: [Float], supports: [(user: Int, item: Int)]) {
    var pool = job.train
    pool.append(job.validation)
    let n = pool.count
    guard n >= stackFolds * 2 else {
      throw EncoreError.invalidSetting("stack-folds", "needs at least two ratings per fold (\(n) ratings for \(stackFolds) folds)")
    }
    let fold = Self.stackingFolds(count: n, folds: stackFolds, seed: seed)
    var predictions = [[Float]](repeating: [Float](repeating: 0, count: n), count: members.count)
    var supports = [(user: Int, item: Int)](repeating: (0, 0), count: n)
    for k in 0..<stackFolds {
      let held = (0..<n).filter { fold[$0] == k }
      let known = pool.subset((0..<n).filter { fold[$0] != k })
      let (fit, own) = Splitter.carveValidation(known, fraction: DataPlan.defaultValidationFraction, seed: seed &+ UInt64(k) &+ 0x57AC)
      let baseline = BiasBaseline(fitting: fit, userCount: job.userCount, itemCount: job.itemCount)
      let foldJob = TrainingJob(
        train: fit, validation: own, userCount: job.userCount, itemCount: job.itemCount, baseline: baseline, scale: job.scale,
        compute: job.compute, progress: job.progress)
      let models = try EnsembleTrainer(job: foldJob, reserveValidation: false).train(members).map(\.model)
      let rated = SparseMatrix(known, userCount: job.userCount, itemCount: job.itemCount, itemsAsRows: false)
      let context = PredictionContext(baseline: baseline, scale: job.scale, rated: rated, compute: job.compute)
      let asked = pool.subset(held)
      for (j, support) in Self.supports(of: asked, counts: SupportCounts(rated)).enumerated() { supports[held[j]] = support }
      for (m, model) in models.enumerated() {
        let values = RatingPredictor(model.predictor(context), compute: job.compute).predict(asked).values
        for (j, r) in held.enumerated() { predictions[m][r] = values[j] }
      }
    }
    return (predictions, pool.values, supports)
  }

  /// Each rating's user and item supports under `counts`.
  static func supports(of ratings: RatingSet, counts: SupportCounts) -> [(user: Int, item: Int)] {
    ratings.users.indices.map { (counts.user(ratings.users[$0]), counts.item(ratings.items[$0])) }
  }

  public func loadModel(_ stored: StoredModel) throws -> any RatingModel {
    try EnsembleModel.load(stored, settings: self)
  }
}

/// Trains an ensemble's members side by side: as many at once as the job has threads, each on
/// its share of them, so that small networks (which cannot keep two threads busy) train in
/// parallel. Each member's result depends only on its own seed and threads.
struct EnsembleTrainer {
  let job: TrainingJob
  /// Whether the validation part must stay out of every member's training (a blend fits its
  /// weights on it). When it need not, members after the first carve their own validation
  /// part (of the same size) from the training and validation ratings, seeded by their own
  /// seed, so that between them the members learn from every training rating; and members
  /// that do not stop early train on all of them.
  var reserveValidation: Bool

  /// The training and validation parts of member `index`.
  func parts(for index: Int, member: any ModelSettings) -> (train: RatingSet, validation: RatingSet) {
    guard !job.validation.isEmpty, !reserveValidation, index > 0 || !member.stopsOnValidation else { return (job.train, job.validation) }
    var pool = job.train
    pool.append(job.validation)
    if !member.stopsOnValidation { return (pool, RatingSet()) }
    return Splitter.carveValidation(pool, fraction: Double(job.validation.count) / Double(pool.count), seed: member.seed)
  }

  func train(_ members: [ModelSpec]) throws -> [TrainingOutcome] {
    let concurrent = max(1, min(members.count, job.compute.threads))
    let compute = job.compute.with(threads: job.compute.threads / concurrent)
    let results = ResultSlots<Result<TrainingOutcome, Error>>(count: members.count)
    let lock = NSLock()
    // The job's closures are only called under the lock (progress) or not at all.
    let shared = UncheckedSendable((self, members))
    DispatchQueue.concurrentPerform(iterations: concurrent) { worker in
      let (trainer, members) = shared.value
      let job = trainer.job
      for index in stride(from: worker, to: members.count, by: concurrent) {
        let (train, validation) = trainer.parts(for: index, member: members[index].settings)
        var memberJob = TrainingJob(
          train: train, validation: validation, userCount: job.userCount, itemCount: job.itemCount,
          baseline: job.baseline, scale: job.scale, compute: compute)
        memberJob.validationIsReserved = trainer.reserveValidation
        // The first member's epochs stand for the run's progress.
        if index == 0 {
          memberJob.progress = { record in
            lock.lock()
            defer { lock.unlock() }
            job.progress(record)
          }
        }
        results[index] = Result { try members[index].settings.train(memberJob) }
      }
    }
    return try results.values.map { try $0!.get() }
  }
}

/// One slot per task, each written by exactly one worker (raw storage, so that workers writing
/// different slots never touch shared array bookkeeping).
final class ResultSlots<T>: @unchecked Sendable {
  private let slots: UnsafeMutableBufferPointer<T?>

  init(count: Int) {
    slots = .allocate(capacity: count)
    slots.initialize(repeating: nil)
  }

  deinit {
    slots.deinitialize()
    slots.deallocate()
  }

  subscript(index: Int) -> T? {
    get { slots[index] }
    set { slots[index] = newValue }
  }

  var values: [T?] { Array(slots) }
}
