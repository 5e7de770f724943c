import Foundation

/// A trained ensemble or blend: its members (any families) and how their predictions combine.
/// The model file holds every member's tensors under `member<i>.`, the combination as the
/// tensor `ensemble.combiner` (intercept, then one weight per member), and a member's training
/// ratings only when they differ from the ensemble's (a member refitted on validation ratings).
public struct EnsembleModel: RatingModel {
  public let settings: EnsembleSettings
  public let members: [any RatingModel]
  public let combiner: MemberCombiner
  /// The training ratings in the first member's orientation (`settings.storesItemRows`).
  let ratings: SparseMatrix

  public init(settings: EnsembleSettings, members: [any RatingModel], combiner: MemberCombiner, ratings: SparseMatrix) {
    precondition(members.count == combiner.weights.count && members.count == settings.members.count)
    self.settings = settings
    self.members = members
    self.combiner = combiner
    self.ratings = ratings
  }

  public var spec: ModelSpec { settings.with(trainedMembers: members.map(\.spec)).spec }
  public var storedRatings: SparseMatrix? { ratings }

  static func prefix(_ i: Int) -> String { "member\(i)." }

  public func predictor(_ context: PredictionContext) -> any PairPredictor {
    EnsemblePredictor(
      members: members.map { $0.predictor(context) }, combiner: combiner, context: context,
      counts: combiner.support == nil ? nil : SupportCounts(context.rated))
  }

  public func userFolder(_ context: PredictionContext) -> any UserFolder {
    EnsembleFolder(
      members: members.map { $0.userFolder(context) }, combiner: combiner, support: FoldInSupport(context),
      counts: combiner.support == nil ? nil : SupportCounts(context.rated))
  }

  /// The members' item vectors side by side, each scaled to unit length per item, so that the
  /// cosine of two items is the mean of the members' cosines. A baseline member has none and
  /// adds none (a network shrunk toward the baseline has its network's); nil unless every
  /// other member has some.
  public func itemVectors(_ context: PredictionContext) -> ItemVectors? {
    let others = members.filter { !($0 is BaselineModel) }
    let parts = others.compactMap { $0.itemVectors(context) }
    guard parts.count == others.count, let itemCount = parts.first?.present.count else { return nil }
    if parts.count == 1 { return parts[0] }
    let width = parts.map(\.width).reduce(0, +)
    var values = [Float](repeating: 0, count: itemCount * width)
    var present = [Bool](repeating: true, count: itemCount)
    var offset = 0
    for part in parts {
      for i in 0..<itemCount {
        present[i] = present[i] && part.present[i]
        let row = part.values[(i * part.width)..<((i + 1) * part.width)]
        let norm = row.reduce(0) { $0 + $1 * $1 }.squareRoot()
        guard norm > 0 else { continue }
        for (j, v) in row.enumerated() { values[i * width + offset + j] = v / norm }
      }
      offset += part.width
    }
    return ItemVectors(width: width, values: values, present: present, kind: "members' vectors (\(parts.map(\.kind).joined(separator: ", ")))")
  }

  public var namedParameters: [NamedTensor] {
    members.enumerated().flatMap { i, member in
      member.namedParameters.map { NamedTensor(Self.prefix(i) + $0.name, shape: $0.shape, values: $0.values) }
    }
  }

  public var extraFileTensors: [String: SafeTensors.Tensor] {
    var tensors: [String: SafeTensors.Tensor] = [
      "ensemble.combiner": .float([combiner.intercept] + combiner.weights, shape: [members.count + 1])
    ]
    if let support = combiner.support {
      tensors["ensemble.support_weights"] = .float(support.flattened, shape: [support.flattened.count])
    }
    for (i, member) in members.enumerated() {
      for (name, t) in member.extraFileTensors { tensors[Self.prefix(i) + name] = t }
      if let own = member.storedRatings, !sharesRatings(member) {
        for (name, t) in StoredMatrix.tensors(own) { tensors[Self.prefix(i) + name] = t }
      }
    }
    return tensors
  }

  /// A refitted or stacked blend's members all trained on the validation part; an average whose members
  /// rotated their validation parts has one member that did not, the first.
  public var validationWitness: (any RatingModel)? {
    if settings.trainsMembersOnEveryRating { return nil }
    if settings.combination == .average && !members.allSatisfy(sharesRatings) { return members[0].validationWitness }
    return self
  }

  /// Whether `member` keeps the ensemble's own training ratings (so the file needs them once).
  func sharesRatings(_ member: any RatingModel) -> Bool {
    guard let own = member.storedRatings else { return true }
    return member.spec.settings.storesItemRows == settings.storesItemRows ? own == ratings : own == ratings.transposed()
  }

  public func descriptionFields() throws -> [String: Any] {
    ["members": try members.map { try $0.descriptionFields() }, "membersDescription": settings.membersDescription]
  }

  /// Rebuilds the members from a model file's tensors.
  static func load(_ stored: StoredModel, settings: EnsembleSettings) throws -> EnsembleModel {
    let count = settings.members.count
    let combined = try stored.floats("ensemble.combiner", count: count + 1)
    guard combined.allSatisfy(\.isFinite) else { throw stored.bad("tensor 'ensemble.combiner' holds a value that is not a finite number") }
    var support: SupportWeighting?
    if settings.supportWeighted {
      let size = 4 + SupportWeighting.featureCount * (count + 1)
      guard let s = SupportWeighting(flattened: try stored.floats("ensemble.support_weights", count: size), members: count) else {
        throw stored.bad("tensor 'ensemble.support_weights' holds a value that is not a finite number, or a scale that is not positive")
      }
      support = s
    }
    let object = try? JSONSerialization.jsonObject(with: stored.description) as? [String: Any]
    let descriptions = object?["members"] as? [Any] ?? []
    var members: [any RatingModel] = []
    for (i, spec) in settings.members.enumerated() {
      let prefix = Self.prefix(i)
      var tensors: [String: SafeTensors.Tensor] = [:]
      for (name, t) in stored.tensors where name.hasPrefix(prefix) { tensors[String(name.dropFirst(prefix.count))] = t }
      let ownRatings = tensors["input.row_start"] != nil
      // The file's shared tensors (the fallback baseline) where the member has none of its own.
      for (name, t) in stored.tensors where !name.hasPrefix("member") && !name.hasPrefix("input.") && tensors[name] == nil {
        tensors[name] = t
      }
      let itemRows = spec.settings.storesItemRows
      let rows = itemRows ? stored.itemCount : stored.userCount, columns = itemRows ? stored.userCount : stored.itemCount
      let ratings: SparseMatrix
      if ownRatings {
        ratings = try StoredMatrix.read(tensors, rows: rows, columns: columns, path: stored.path, what: "member \(i)'s rating matrix")
      } else {
        ratings = itemRows == settings.storesItemRows ? stored.ratings : stored.ratings.transposed()
      }
      // The file's description with the member's own fields over it (a family may read shared
      // fields such as the global mean).
      var fields = object ?? [:]
      fields["members"] = nil
      if i < descriptions.count, let own = descriptions[i] as? [String: Any] { fields.merge(own) { _, member in member } }
      let description = try JSONSerialization.data(withJSONObject: fields)
      members.append(try spec.settings.loadModel(StoredModel(
        path: stored.path, tensors: tensors, ratings: ratings, userCount: stored.userCount, itemCount: stored.itemCount,
        description: description)))
    }
    return EnsembleModel(
      settings: settings, members: members, combiner: MemberCombiner(intercept: combined[0], weights: Array(combined.dropFirst()), support: support),
      ratings: stored.ratings)
  }
}

/// Combines the members' predictions; a pair every member leaves to the baseline stays a
/// fallback (the baseline's own prediction), so unseen counts mean what they mean elsewhere.
struct EnsemblePredictor: PairPredictor {
  let members: [any PairPredictor]
  let combiner: MemberCombiner
  let context: PredictionContext
  /// The training ratings' supports, for a support-weighted combination.
  let counts: SupportCounts?

  func predict(user: Int32, item: Int32) -> (value: Float, fallback: Bool) {
    var allFallback = true
    let value = combiner.combine(userSupport: counts?.user(user) ?? 0, itemSupport: counts?.item(item) ?? 0) { i in
      let p = members[i].predict(user: user, item: item)
      if !p.fallback { allFallback = false }
      return p.value
    }
    return allFallback ? context.fallback(user: user, item: item) : (context.scale.clip(value), false)
  }
}
