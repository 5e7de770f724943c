import Foundation

/// The registry of model families: the one place that lists them. Everything else reaches a
/// family through `ModelSettings` and `RatingModel`. Adding a family is a folder under
/// `Models/` plus one line here; removing one is the reverse.
public enum ModelFamilies {
  /// Every family's settings type.
  public static let all: [any ModelSettings.Type] = [
    AutoRecSettings.self, BaselineSettings.self, FactorSettings.self, DeepAutoencoderSettings.self, NeighbourSettings.self,
    EnsembleSettings.self,
  ]

  /// Every implicit-feedback family's settings type (see `Feedback`).
  public static let implicit: [any InteractionModelSettings.Type] = [MostPopularSettings.self, EASESettings.self, ImplicitALSSettings.self]

  /// Every model name the command line knows, in help order.
  public static var modelNames: [String] { all.flatMap { $0.modelNames } }

  /// The implicit-feedback model names.
  public static var implicitModelNames: [String] { implicit.flatMap { $0.modelNames } }

  /// The kind of feedback the model called `name` learns from (nil: no such model).
  public static func feedback(ofModel name: String) -> Feedback? {
    if implicitModelNames.contains(name) { return .implicit }
    return modelNames.contains(name) ? .explicit : nil
  }

  /// The settings of the implicit model `name` with `overrides` applied and checked; a setting
  /// the model does not use is an error naming it.
  public static func implicitSettings(named name: String, overrides: ModelOverrides = ModelOverrides(), seed: UInt64 = 42) throws -> any InteractionModelSettings {
    for family in implicit {
      if let defaults = family.defaults(named: name) { return try configured(defaults, name: name, overrides: overrides, seed: seed) }
    }
    throw EncoreError.invalidSetting("model", "must be one of: \((modelNames + implicitModelNames).joined(separator: ", "))")
  }

  private static func configured<S: InteractionModelSettings>(_ defaults: S, name: String, overrides: ModelOverrides, seed: UInt64) throws -> any InteractionModelSettings {
    if let extra = overrides.given.first(where: { !S.acceptedSettings.contains($0) }) {
      throw EncoreError.settingNotApplicable(setting: extra.rawValue, model: name, accepted: S.acceptedSettings.sorted().map(\.rawValue))
    }
    let settings = try defaults.seeded(seed).applying(overrides)
    try settings.validate()
    return settings
  }

  /// The models that train in epochs and stop on validation (the ones that can resume).
  public static var iterativeModelNames: [String] {
    var names: [String] = []
    for name in modelNames {
      if let settings = try? defaults(named: name), settings.stopsOnValidation, !(settings is EnsembleSettings) { names.append(name) }
    }
    return names
  }

  /// The default settings of the model called `name`.
  public static func defaults(named name: String) throws -> any ModelSettings {
    for family in all { if let s = family.defaults(named: name) { return s } }
    throw EncoreError.invalidSetting("model", "must be one of: \(modelNames.joined(separator: ", "))")
  }

  /// The settings of `name` with `overrides` and `seed` applied and checked. A setting the
  /// model does not use is an error that names the setting and the model.
  /// With `ensemble` above 1, the specification is an average of that many copies trained
  /// from consecutive seeds (models whose training has no randomness are refused).
  public static func spec(named name: String, overrides: ModelOverrides = ModelOverrides(), seed: UInt64 = 42) throws -> ModelSpec {
    var overrides = overrides
    let copies = overrides.ensemble
    overrides.ensemble = nil
    let single = try singleSpec(named: name, overrides: overrides, seed: seed)
    guard let copies else { return single }
    guard copies >= 1 else { throw EncoreError.invalidSetting("ensemble", "must be at least 1") }
    guard copies > 1 else { return single }
    guard single.settings.trainsFromSeed else {
      let seeded = modelNames.filter { (try? self.defaults(named: $0))?.trainsFromSeed == true }
      throw EncoreError.invalidSetting(
        "ensemble", "applies to models whose training depends on the seed (\(seeded.joined(separator: ", "))); \(name) trains the same model from every seed")
    }
    return ModelSpec(EnsembleSettings(combination: .average, members: Array(repeating: single, count: copies), seed: seed))
  }

  static func singleSpec(named name: String, overrides: ModelOverrides, seed: UInt64) throws -> ModelSpec {
    let defaults = try defaults(named: name)
    let family = type(of: defaults)
    if let extra = overrides.given.first(where: { !family.acceptedSettings.contains($0) }) {
      throw EncoreError.settingNotApplicable(setting: extra.rawValue, model: name, accepted: family.acceptedSettings.sorted().map(\.rawValue))
    }
    var settings = try defaults.applying(overrides)
    settings.seed = seed
    try settings.validate()
    return ModelSpec(settings)
  }

  /// Decodes a specification written by `ModelSpec.encode` (`{"family": ..., "settings": ...}`).
  public static func decodeSpec(_ json: Data) throws -> ModelSpec {
    try JSONDecoder().decode(ModelSpec.self, from: json)
  }

  /// The specification of a model file written before specifications were stored.
  static func legacySpec(kind: String, description: Data) -> ModelSpec? {
    for family in all { if let s = family.legacySettings(kind: kind, description: description) { return ModelSpec(s) } }
    return nil
  }
}

extension ModelSpec: Decodable {
  /// Reads `{"family": ..., "settings": ...}`, choosing the settings type by family (an
  /// ensemble's members are specifications too).
  public init(from decoder: Decoder) throws {
    let c = try decoder.container(keyedBy: CodingKeys.self)
    let name = try c.decode(String.self, forKey: .family)
    guard let family = ModelFamilies.all.first(where: { $0.family == name }) else {
      throw EncoreError.invalidArgument("unknown model family '\(name)'")
    }
    func decode<S: ModelSettings>(_ type: S.Type) throws -> any ModelSettings { try c.decode(S.self, forKey: .settings) }
    self.init(try decode(family))
  }
}
