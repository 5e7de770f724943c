/// Settings written as text, `NAME=VALUE`, as `encore compare --models` takes them
/// ("deep-ae:preset=seed-003:epochs=40"); each name is the command line's `--NAME`.
extension ModelOverrides {
  /// Sets `setting` from `text`; a bare flag name (`constrained`) is true and
  /// `no-NAME` false. Throws `invalidSetting` naming the setting and what it takes.
  public mutating func set(_ setting: ModelSetting, text: String) throws {
    func number<T: LosslessStringConvertible>(_: T.Type, _ what: String) throws -> T {
      guard let v = T(text.trimmingCharacters(in: .whitespaces)) else {
        throw EncoreError.invalidSetting(setting.rawValue, "takes \(what), not '\(text)'")
      }
      return v
    }
    func flag() throws -> Bool {
      switch text.lowercased() {
      case "", "true", "yes", "1", "on": return true
      case "false", "no", "0", "off": return false
      default: throw EncoreError.invalidSetting(setting.rawValue, "takes true or false, not '\(text)'")
      }
    }
    func activationValue() throws -> Activation {
      guard let a = Activation(rawValue: text) else {
        throw EncoreError.invalidSetting(setting.rawValue, "must be one of: \(Activation.allCases.map(\.rawValue).joined(separator: ", "))")
      }
      return a
    }
    switch setting {
    case .hidden: hidden = try number(Int.self, "a whole number")
    case .encoderActivation: encoderActivation = try activationValue()
    case .decoderActivation: decoderActivation = try activationValue()
    case .lambda: lambda = try number(Float.self, "a number")
    case .optimizer:
      guard let o = OptimizerKind(named: text) else {
        throw EncoreError.invalidSetting("optimizer", "must be one of: sgd, \(OptimizerKind.allCases.map(\.rawValue).joined(separator: ", "))")
      }
      optimizer = o
    case .learningRate: learningRate = try number(Float.self, "a number")
    case .epochs: epochs = try number(Int.self, "a whole number")
    case .factors: factors = try number(Int.self, "a whole number")
    case .reg: reg = try number(Float.self, "a number")
    case .alpha: alpha = try number(Float.self, "a number")
    case .unobservedWeight: unobservedWeight = try number(Float.self, "a number")
    case .inversePrecision:
      guard let p = InversePrecision(rawValue: text) else { throw EncoreError.invalidSetting("inverse-precision", "must be single or double") }
      inversePrecision = p
    case .batchSize: batchSize = try number(Int.self, "a whole number")
    case .patience: patience = try number(Int.self, "a whole number")
    case .preset: preset = text
    case .layers:
      let sizes = text.split(separator: ",", omittingEmptySubsequences: false).map { Int($0.trimmingCharacters(in: .whitespaces)) }
      guard !sizes.isEmpty, sizes.allSatisfy({ ($0 ?? 0) > 0 }) else {
        throw EncoreError.invalidSetting("layers", "takes positive sizes separated by commas, e.g. 512,512,1024")
      }
      layers = sizes.map { $0! }
    case .activation: activation = try activationValue()
    case .decoderLayerActivation: decoderLayerActivation = try activationValue()
    case .constrained: constrained = try flag()
    case .lastActivation: lastActivation = try flag()
    case .dropout: dropout = try number(Float.self, "a number")
    case .noise: noise = try number(Float.self, "a number")
    case .refeed: refeed = try number(Int.self, "a whole number")
    case .refeedTarget:
      guard let t = RefeedTarget(rawValue: text) else { throw EncoreError.invalidSetting("refeed-target", "must be output or input") }
      refeedTarget = t
    case .itemBased: itemBased = try flag()
    case .weightDecay: weightDecay = try number(Float.self, "a number")
    case .clipNorm: clipNorm = try number(Float.self, "a number")
    case .inputDropout: inputDropout = try number(Float.self, "a number")
    case .hiddenDropout: hiddenDropout = try number(Float.self, "a number")
    case .centerInputs: centerInputs = try flag()
    case .averaging: averaging = try number(Float.self, "a number")
    case .decayBiases: decayBiases = try flag()
    case .decayDecoder: decayDecoder = try flag()
    case .layerDropout: layerDropout = try number(Float.self, "a number")
    case .neighbours: neighbours = try number(Int.self, "a whole number")
    case .minNeighbours: minNeighbours = try number(Int.self, "a whole number")
    case .similarity:
      guard let m = SimilarityMeasure(rawValue: text) else {
        throw EncoreError.invalidSetting("similarity", "must be one of: \(SimilarityMeasure.allCases.map(\.rawValue).joined(separator: ", "))")
      }
      similarity = m
    case .shrinkage: shrinkage = try number(Float.self, "a number")
    case .minSupport: minSupport = try number(Int.self, "a whole number")
    case .ensemble: ensemble = try number(Int.self, "a whole number")
    case .members:
      throw EncoreError.invalidSetting(
        "members", "is given on its own (encore train --model blend --members LIST); in encore compare, --blend blends the compared models")
    case .outputBiasAtMean: outputBiasAtMean = try flag()
    case .plateauFactor: plateauFactor = try number(Float.self, "a number")
    case .plateauPatience: plateauPatience = try number(Int.self, "a whole number")
    case .refit: refit = try flag()
    case .shrink: shrink = try flag()
    case .stackFolds: stackFolds = try number(Int.self, "a whole number")
    case .supportWeighted: supportWeighted = try flag()
    case .loss:
      guard let l = ReconstructionLoss(rawValue: text) else {
        throw EncoreError.invalidSetting("loss", "must be one of: \(ReconstructionLoss.allCases.map(\.rawValue).joined(separator: ", "))")
      }
      loss = l
    case .keep:
      guard let k = KeptEpoch(rawValue: text) else { throw EncoreError.invalidSetting("keep", "must be best or last") }
      keep = k
    }
  }

  /// Sets every `NAME=VALUE` (or bare `NAME`, `no-NAME`) of `items`.
  public mutating func set(_ items: [String]) throws {
    for item in items {
      let parts = item.split(separator: "=", maxSplits: 1).map(String.init)
      var name = parts.first?.trimmingCharacters(in: .whitespaces) ?? ""
      var value = parts.count > 1 ? parts[1] : ""
      if parts.count == 1, name.hasPrefix("no-"), ModelSetting(rawValue: String(name.dropFirst(3))) != nil {
        name = String(name.dropFirst(3))
        value = "false"
      }
      guard let setting = ModelSetting(rawValue: name) else {
        throw EncoreError.invalidSetting(
          name.isEmpty ? "(empty)" : name, "is not a setting; settings are: \(ModelSetting.allCases.map(\.rawValue).joined(separator: ", "))")
      }
      try set(setting, text: value)
    }
  }
}
