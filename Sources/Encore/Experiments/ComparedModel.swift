/// One model of a comparison: its settings and the label its figures are reported under.
public struct ComparedModel: Sendable {
  /// The name the tables and JSON use: the model's name, or its text with settings
  /// ("deep-ae:preset=seed-003"), so that two variants of one model stay apart.
  public var label: String
  public var spec: ModelSpec

  public init(label: String, spec: ModelSpec) {
    self.label = label
    self.spec = spec
  }

  /// The models of a list such as `baseline:epochs=15,svd,deep-ae:preset=seed-003:layers=512,512`:
  /// models separated by commas, each optionally followed by `:NAME=VALUE` settings (the
  /// `encore train` options without their dashes). A piece after a comma that is not a model
  /// name continues the previous setting's value, so `layers=512,512,1024` reads whole.
  /// `option` names the command-line option in errors.
  public static func list(_ text: String, option: String = "models") throws -> [ComparedModel] {
    var entries: [[String]] = []  // each: the model name, then its settings
    for raw in text.split(separator: ",", omittingEmptySubsequences: false) {
      let piece = raw.trimmingCharacters(in: .whitespaces)
      if piece.isEmpty { continue }
      let head = piece.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? ""
      if ModelFamilies.modelNames.contains(head) {
        entries.append(piece.split(separator: ":", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) })
      } else if !head.contains("="), let last = entries.indices.last, entries[last].count > 1 {
        // "32" of "layers=64,32", maybe followed by more settings (":no-constrained").
        let parts = piece.split(separator: ":", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        entries[last][entries[last].count - 1] += "," + parts[0]
        entries[last] += parts.dropFirst()
      } else {
        throw EncoreError.invalidArgument("unknown model '\(head)'; choose from \(ModelFamilies.modelNames.joined(separator: ", "))")
      }
    }
    guard !entries.isEmpty else {
      throw EncoreError.invalidSetting(option, "names no model; choose from \(ModelFamilies.modelNames.joined(separator: ", "))")
    }
    var seen: Set<String> = []
    return try entries.map { parts in
      var overrides = ModelOverrides()
      do {
        try overrides.set(Array(parts.dropFirst()))
      } catch let error as EncoreError {
        throw EncoreError.invalidArgument("--\(option) entry '\(parts.joined(separator: ":"))': \(error.description)")
      }
      let label = parts.joined(separator: ":")
      guard seen.insert(label).inserted else { throw EncoreError.invalidArgument("--\(option) names '\(label)' twice") }
      return ComparedModel(label: label, spec: try ModelFamilies.spec(named: parts[0], overrides: overrides))
    }
  }
}
