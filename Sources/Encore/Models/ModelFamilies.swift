import Foundation

/// The registry of model families: the one place that lists them. Everything else reaches a
/// family through `ModelSettings` and `RatingModel`. Adding a family is a folder under
/// `Models/` plus one line here; removing one is the reverse.
public enum ModelFamilies {
  /// Every family's settings type.
  public static let all: [any ModelSettings.Type] = [
    AutoRecSettings.self, BaselineSettings.self, FactorSettings.self, DeepAutoencoderSettings.self, NeighbourSettings.self,
  ]

  /// Every model name the command line knows, in help order.
  public static var modelNames: [String] { all.flatMap { $0.modelNames } }

  /// The models that train in epochs and stop on validation (the ones that can resume).
  public static var iterativeModelNames: [String] {
    var names: [String] = []
    for name in modelNames {
      if let settings = try? defaults(named: name), settings.stopsOnValidation { names.append(name) }
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
  public static func spec(named name: String, overrides: ModelOverrides = ModelOverrides(), seed: UInt64 = 42) throws -> ModelSpec {
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
    struct Header: Decodable { var family: String }
    struct Body<S: ModelSettings>: Decodable { var settings: S }
    let header = try JSONDecoder().decode(Header.self, from: json)
    guard let family = all.first(where: { $0.family == header.family }) else {
      throw EncoreError.invalidArgument("unknown model family '\(header.family)'")
    }
    func decode<S: ModelSettings>(_ type: S.Type) throws -> ModelSpec {
      ModelSpec(try JSONDecoder().decode(Body<S>.self, from: json).settings)
    }
    return try decode(family)
  }

  /// The specification of a model file written before specifications were stored.
  static func legacySpec(kind: String, description: Data) -> ModelSpec? {
    for family in all { if let s = family.legacySettings(kind: kind, description: description) { return ModelSpec(s) } }
    return nil
  }
}
