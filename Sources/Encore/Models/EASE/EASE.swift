import Foundation

/// EASE (Steck 2019), the linear autoencoder of implicit feedback: an item × item weight
/// matrix B with zero diagonal, B = I − P·diag(1/diag P), P = (XᵀX + λI)⁻¹, scoring a user
/// as x·B. Closed form: no epochs, no seed. λ is given (`--lambda`) or chosen among
/// `lambdaGrid` by validation NDCG@100.
public struct EASESettings: InteractionModelSettings, Equatable {
  public static let family = "ease"
  public static let modelNames = ["ease"]
  public static func defaults(named name: String) -> EASESettings? { name == "ease" ? EASESettings() : nil }
  public static let acceptedSettings: Set<ModelSetting> = [.lambda]
  /// The λ values tried on the validation users when none is given.
  public static let lambdaGrid: [Float] = [10, 25, 50, 100, 250, 500, 1000, 2500]

  /// The L2 weight; nil chooses it on the validation users from `lambdaGrid`.
  public var lambda: Float?

  public init(lambda: Float? = nil) { self.lambda = lambda }
  public var name: String { "ease" }
  public var summary: String { lambda.map { "λ \(DatasetInfo.label($0))" } ?? "λ chosen on validation users" }

  public func applying(_ overrides: ModelOverrides) throws -> EASESettings {
    var s = self
    if let l = overrides.lambda { s.lambda = l }
    return s
  }

  public func validate() throws {
    if let lambda, !(lambda > 0 && lambda.isFinite) {
      throw EncoreError.invalidSetting("lambda", "must be a positive number for ease (got \(lambda)): λ makes XᵀX + λI invertible")
    }
  }

  /// The bytes training needs on `items`: the Gram matrix and its inverse in place (doubles)
  /// plus B (floats).
  public static func memoryNeeded(items: Int) -> Double { Double(items) * Double(items) * 12 }

  public func train(_ job: InteractionTrainingJob) throws -> InteractionTrainingOutcome {
    let n = job.train.columnCount
    let needed = Self.memoryNeeded(items: n)
    let available = Double(ProcessInfo.processInfo.physicalMemory)
    if needed > 0.8 * available {
      let affordable = Int((0.8 * available / 12).squareRoot())
      throw EncoreError.invalidArgument(String(
        format: "ease on %d items needs %.1f GB (an item × item matrix in doubles and one in floats), more than this machine's %.1f GB allows: it can afford about %d items. Keep fewer items with --min-item-users N",
        n, needed / 1e9, available / 1e9, affordable))
    }
    let gram = UnsafeMutablePointer<Double>.allocate(capacity: n * n)
    defer { gram.deallocate() }
    EASEModel.gram(of: job.train, into: gram, compute: job.compute)
    let lambdas: [Float]
    if let lambda {
      lambdas = [lambda]
    } else if job.validation != nil {
      lambdas = Self.lambdaGrid
    } else {
      throw EncoreError.invalidSetting("lambda", "ease chooses λ on validation users; with none held out, give --lambda")
    }
    var work = lambdas.count > 1 ? UnsafeMutablePointer<Double>.allocate(capacity: n * n) : gram
    defer { if work != gram { work.deallocate() } }
    var best: (model: EASEModel, score: Double?)? = nil
    var candidates: [(label: String, validation: Double)] = []
    for l in lambdas {
      if work != gram { work.update(from: gram, count: n * n) }
      let model = try EASEModel.fit(gramInPlace: work, n: n, lambda: l, compute: job.compute)
      let score = job.validationScore(model)
      if let score {
        candidates.append(("λ \(DatasetInfo.label(l))", score))
        job.progress(String(format: "ease λ %@: validation NDCG@100 %.4f", DatasetInfo.label(l), score))
      }
      if best == nil || (score ?? -.infinity) > (best!.score ?? -.infinity) { best = (model, score) }
    }
    _ = work
    work = gram
    return InteractionTrainingOutcome(model: best!.model, candidates: candidates, validation: best!.score)
  }

  public func loadModel(_ stored: StoredInteractionModel) throws -> any InteractionModel {
    let n = stored.itemCount
    guard let l = lambda else { throw stored.bad("an ease model file must store its λ") }
    return EASEModel(lambda: l, n: n, weights: try stored.floats("ease.B", count: n * n))
  }
}

/// A trained EASE model: B (n × n floats, zero diagonal) and the λ it was fitted with.
struct EASEModel: InteractionModel {
  let lambda: Float
  let n: Int
  let weights: [Float]

  var settings: any InteractionModelSettings { EASESettings(lambda: lambda) }
  var itemCount: Int { n }
  var namedParameters: [NamedTensor] { [NamedTensor("ease.B", shape: [n, n], values: weights)] }

  /// G = XᵀX (items × items, doubles) from the binary users × items matrix `x`: each thread
  /// owns a range of G's rows and adds, for every user of those items, the user's row.
  static func gram(of x: SparseMatrix, into g: UnsafeMutablePointer<Double>, compute: ComputeContext) {
    let n = x.columnCount
    // Users of each item (the transpose), so that a thread reads only its items' users.
    let byItem = x.transposed()
    let out = UncheckedSendable(g)
    byItem.rowStart.withUnsafeBufferPointer { prefix in
      compute.forWeightedRanges(n, prefix: prefix, minWeight: 1 << 12) { lo, hi in
        let g = out.value
        for i in lo..<hi {
          let row = g + i * n
          row.update(repeating: 0, count: n)
          for u in byItem.row(i) {
            for j in x.row(Int(u)) { row[Int(j)] += 1 }
          }
        }
      }
    }
  }

  /// B from G (overwritten): P = (G + λI)⁻¹, B[i][j] = −P[i][j] / P[j][j], B[j][j] = 0.
  static func fit(gramInPlace g: UnsafeMutablePointer<Double>, n: Int, lambda: Float, compute: ComputeContext) throws -> EASEModel {
    for i in 0..<n { g[i * n + i] += Double(lambda) }
    try SymmetricInverse.invert(g, n: n, compute: compute)
    var b = [Float](repeating: 0, count: n * n)
    let p = UncheckedSendable(g)
    b.withUnsafeMutableBufferPointer { buffer in
      let out = UncheckedSendable(buffer.baseAddress!)
      compute.forRanges(n, grain: 16) { lo, hi in
        let p = p.value, b = out.value
        for i in lo..<hi {
          for j in 0..<n where j != i { b[i * n + j] = Float(-p[i * n + j] / p[j * n + j]) }
        }
      }
    }
    return EASEModel(lambda: lambda, n: n, weights: b)
  }

  func score(_ input: SparseMatrix, rows: Range<Int>, into scores: UnsafeMutablePointer<Float>, compute: ComputeContext) {
    weights.withUnsafeBufferPointer { w in
      for (j, r) in rows.enumerated() {
        let out = scores + j * n
        out.update(repeating: 0, count: n)
        for k in input.rowStart[r]..<input.rowStart[r + 1] {
          let i = Int(input.columns[k])
          let value = input.values[k]
          let row = w.baseAddress! + i * n
          for c in 0..<n { out[c] += value * row[c] }
        }
      }
    }
  }
}
