import Foundation

/// iALS: matrix factorisation for implicit feedback (Hu, Koren & Volinsky 2008), solved by
/// alternating least squares with a few conjugate-gradient steps per row, warm-started, as
/// benfred's `implicit` does. For user u with items I_u and item factors Y it minimises
///   Σ_{i∈I_u} c (1 − w·y_i)² + α₀ Σ_{i∉I_u} (w·y_i)² + λ‖w‖²,
/// that is, solves (α₀ YᵀY + Σ_{i∈I_u} (c − α₀) y_i y_iᵀ + λI) w = c Σ_{i∈I_u} y_i, with c =
/// `alpha` (implicit's confidence of an observed pair) and α₀ = `unobservedWeight` (1 in Hu et
/// al. and implicit; about 0.1 in Rendle et al.'s recipe), and the same for items given users.
/// A user is folded in by solving that system exactly for the trained Y, so a held-out user, a
/// new one and a training user's list are all the same computation.
public struct ImplicitALSSettings: InteractionModelSettings, Equatable {
  public static let family = "ials"
  public static let modelNames = ["ials"]
  public static func defaults(named name: String) -> ImplicitALSSettings? { name == "ials" ? ImplicitALSSettings() : nil }
  public static let acceptedSettings: Set<ModelSetting> = [.factors, .reg, .epochs, .alpha, .unobservedWeight]

  /// implicit's defaults: 100 factors, regularization 0.01, alpha 1, 15 iterations, 3 CG steps.
  public var factors = 100
  public var reg: Float = 0.01
  public var epochs = 15
  public var alpha: Float = 1
  public var unobservedWeight: Float = 1
  public var conjugateGradientSteps = 3
  public var seed: UInt64 = 42

  public init() {}
  public var name: String { "ials" }
  public var summary: String {
    "\(factors) factors, reg \(DatasetInfo.label(reg)), alpha \(DatasetInfo.label(alpha)), unobserved weight \(DatasetInfo.label(unobservedWeight)), \(epochs) epochs"
  }

  public func applying(_ overrides: ModelOverrides) throws -> ImplicitALSSettings {
    var s = self
    if let v = overrides.factors { s.factors = v }
    if let v = overrides.reg { s.reg = v }
    if let v = overrides.epochs { s.epochs = v }
    if let v = overrides.alpha { s.alpha = v }
    if let v = overrides.unobservedWeight { s.unobservedWeight = v }
    return s
  }

  public func validate() throws {
    try SettingCheck.atLeast(factors, 1, .factors)
    guard factors <= 4096 else { throw EncoreError.invalidSetting("factors", "must be at most 4096 for ials (got \(factors))") }
    try SettingCheck.atLeast(epochs, 1, .epochs)
    guard epochs <= 100_000 else { throw EncoreError.invalidSetting("epochs", "must be at most 100000") }
    try SettingCheck.nonNegative(reg, .reg)
    try SettingCheck.positive(alpha, .alpha)
    try SettingCheck.nonNegative(unobservedWeight, .unobservedWeight)
    guard reg > 0 || unobservedWeight > 0 else {
      throw EncoreError.invalidSetting("reg", "must be positive when --unobserved-weight is 0: the least-squares systems would be singular")
    }
  }

  public func train(_ job: InteractionTrainingJob) throws -> InteractionTrainingOutcome {
    let x = job.train
    let d = factors
    let memory = Double(x.rowCount + x.columnCount) * Double(d) * 4
    guard memory < 0.8 * Double(ProcessInfo.processInfo.physicalMemory) else {
      throw EncoreError.invalidSetting("factors", String(format: "%d factors on %d users and %d items need %.1f GB, more than this machine has", d, x.rowCount, x.columnCount, memory / 1e9))
    }
    // Rendle et al.'s initialisation: N(0, 0.1/√d).
    var rng = SeededGenerator(seed: seed, stream: 0x4941_4C53)  // "IALS"
    let sigma = 0.1 / Double(d).squareRoot()
    var users = (0..<(x.rowCount * d)).map { _ in Float(rng.nextGaussian() * sigma) }
    var items = (0..<(x.columnCount * d)).map { _ in Float(rng.nextGaussian() * sigma) }
    let byItem = x.transposed()
    for epoch in 1...epochs {
      ALSSolver.sweep(x, solving: &users, given: items, settings: self, compute: job.compute)
      ALSSolver.sweep(byItem, solving: &items, given: users, settings: self, compute: job.compute)
      if epoch % 5 == 0 || epoch == epochs { job.progress("ials epoch \(epoch) of \(epochs)") }
    }
    let model = ImplicitALSModel(settings: self, itemFactors: items)
    return InteractionTrainingOutcome(model: model, validation: job.validationScore(model))
  }

  public func seeded(_ seed: UInt64) -> ImplicitALSSettings {
    var s = self
    s.seed = seed
    return s
  }

  public func loadModel(_ stored: StoredInteractionModel) throws -> any InteractionModel {
    ImplicitALSModel(settings: self, itemFactors: try stored.floats("ials.item_factors", count: stored.itemCount * factors))
  }
}

/// A trained iALS model: the item factors Y (items × d). A user's factors are solved from
/// their items at scoring time.
struct ImplicitALSModel: InteractionModel {
  let settingsValue: ImplicitALSSettings
  let itemFactors: [Float]
  /// α₀·YᵀY + λI in double precision, the part of every user's system that is shared.
  let sharedSystem: [Double]

  init(settings: ImplicitALSSettings, itemFactors: [Float]) {
    self.settingsValue = settings
    self.itemFactors = itemFactors
    let d = settings.factors, n = itemFactors.count / d
    var a = [Double](repeating: 0, count: d * d)
    for i in 0..<n {
      for p in 0..<d {
        let yp = Double(itemFactors[i * d + p])
        if yp == 0 { continue }
        for q in 0..<d { a[p * d + q] += yp * Double(itemFactors[i * d + q]) }
      }
    }
    for k in 0..<(d * d) { a[k] *= Double(settings.unobservedWeight) }
    for p in 0..<d { a[p * d + p] += Double(settings.reg) }
    sharedSystem = a
  }

  var settings: any InteractionModelSettings { settingsValue }
  var itemCount: Int { itemFactors.count / settingsValue.factors }
  var itemVectors: ItemVectors? {
    ItemVectors(width: settingsValue.factors, values: itemFactors, present: [Bool](repeating: true, count: itemCount), kind: "iALS item factors")
  }
  var namedParameters: [NamedTensor] { [NamedTensor("ials.item_factors", shape: [itemCount, settingsValue.factors], values: itemFactors)] }

  /// The factors of a user who chose `items`: the exact least-squares solution.
  func userFactors(_ items: ArraySlice<Int32>) -> [Float] {
    let d = settingsValue.factors
    let c = Double(settingsValue.alpha), a0 = Double(settingsValue.unobservedWeight)
    var a = sharedSystem
    var b = [Double](repeating: 0, count: d)
    for i in items {
      let y = Int(i) * d
      for p in 0..<d {
        let yp = Double(itemFactors[y + p])
        b[p] += c * yp
        if c != a0 { for q in 0..<d { a[p * d + q] += (c - a0) * yp * Double(itemFactors[y + q]) } }
      }
    }
    guard (try? a.withUnsafeMutableBufferPointer({ try SymmetricInverse.solve($0.baseAddress!, n: d, rhs: &b) })) != nil else {
      return [Float](repeating: 0, count: d)
    }
    return b.map { Float($0) }
  }

  func score(_ input: SparseMatrix, rows: Range<Int>, into scores: UnsafeMutablePointer<Float>, compute: ComputeContext) {
    let d = settingsValue.factors, n = itemCount
    var w = [Float](repeating: 0, count: rows.count * d)
    for (j, r) in rows.enumerated() {
      let f = userFactors(input.row(r))
      for p in 0..<d { w[j * d + p] = f[p] }
    }
    w.withUnsafeBufferPointer { w in
      itemFactors.withUnsafeBufferPointer { y in
        DenseKernels.gemm(
          transB: true, m: rows.count, n: n, k: d, a: w.baseAddress!, lda: d, b: y.baseAddress!, ldb: d, c: scores, ldc: n, on: compute)
      }
    }
  }
}
