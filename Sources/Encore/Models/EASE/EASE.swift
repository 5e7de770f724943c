import Foundation

/// EASE (Steck 2019), the linear autoencoder of implicit feedback: an item × item weight
/// matrix B with zero diagonal, B = I − P·diag(1/diag P), P = (XᵀX + λI)⁻¹, scoring a user
/// as x·B. Closed form: no epochs, no seed. λ is given (`--lambda`) or chosen among
/// `lambdaGrid` by validation NDCG@100.
public struct EASESettings: InteractionModelSettings, Equatable {
  public static let family = "ease"
  public static let modelNames = ["ease"]
  public static func defaults(named name: String) -> EASESettings? { name == "ease" ? EASESettings() : nil }
  public static let acceptedSettings: Set<ModelSetting> = [.lambda, .inversePrecision]
  /// Up to this many items the inverse is computed in double precision by default.
  public static let doublePrecisionItems = 3000
  /// The λ values tried on the validation users when none is given.
  public static let lambdaGrid: [Float] = [10, 25, 50, 100, 250, 500, 1000, 2500]

  /// The L2 weight; nil chooses it on the validation users from `lambdaGrid`.
  public var lambda: Float?
  /// How the inverse is computed; nil: double up to `doublePrecisionItems` items.
  public var inversePrecision: InversePrecision?

  public init(lambda: Float? = nil, inversePrecision: InversePrecision? = nil) {
    self.lambda = lambda
    self.inversePrecision = inversePrecision
  }

  /// The precision used on `items` items.
  public func precision(items: Int) -> InversePrecision { inversePrecision ?? (items <= Self.doublePrecisionItems ? .double : .single) }
  public var name: String { "ease" }
  public var summary: String { lambda.map { "λ \(DatasetInfo.label($0))" } ?? "λ chosen on validation users" }

  public func applying(_ overrides: ModelOverrides) throws -> EASESettings {
    var s = self
    if let l = overrides.lambda { s.lambda = l }
    if let p = overrides.inversePrecision { s.inversePrecision = p }
    return s
  }

  public func validate() throws {
    if let lambda, !(lambda > 0 && lambda.isFinite) {
      throw EncoreError.invalidSetting("lambda", "must be a positive number for ease (got \(lambda)): λ makes XᵀX + λI invertible")
    }
  }

  /// The bytes training needs on `items` items with `candidates` values of λ to try: the Gram
  /// matrix (kept aside when several λ are tried), the matrix inverted in place, and the best
  /// B so far (floats). Double precision holds the first two in doubles.
  public func memoryNeeded(items: Int, candidates: Int) -> Double {
    let cells = Double(items) * Double(items)
    let element: Double = precision(items: items) == .double ? 8 : 4
    let kept = candidates > 1 ? cells * element : 0
    let model = candidates > 1 || element == 8 ? cells * 4 : 0
    return kept + cells * element + model
  }

  public func train(_ job: InteractionTrainingJob) throws -> InteractionTrainingOutcome {
    let n = job.train.columnCount
    let lambdas: [Float]
    if let lambda {
      lambdas = [lambda]
    } else if job.validation != nil {
      lambdas = Self.lambdaGrid
    } else {
      throw EncoreError.invalidSetting("lambda", "ease chooses λ on validation users; with none held out, give --lambda")
    }
    // Refuse before allocating, saying what fits.
    let needed = memoryNeeded(items: n, candidates: lambdas.count)
    let available = 0.8 * Double(ProcessInfo.processInfo.physicalMemory)
    if needed > available {
      let perCell = needed / (Double(n) * Double(n))
      let affordable = Int((available / perCell).squareRoot())
      throw EncoreError.invalidArgument(String(
        format: "ease on %d items needs %.1f GB (item × item matrices, %@ precision%@), more than 80%% of this machine's %.1f GB: it can afford about %d items. Keep fewer items (--min-item-ratings N drops items with fewer lines)%@",
        n, needed / 1e9, precision(items: n).rawValue, lambdas.count > 1 ? ", \(lambdas.count) λ values tried" : "",
        Double(ProcessInfo.processInfo.physicalMemory) / 1e9, affordable,
        lambdas.count > 1 ? ", or give --lambda so no second copy is kept" : (precision(items: n) == .double ? ", or --inverse-precision single" : "")))
    }
    var best: (model: EASEModel, score: Double?)? = nil
    var candidates: [(label: String, validation: Double)] = []
    func consider(_ model: EASEModel, _ l: Float) {
      let score = job.validationScore(model)
      if let score {
        candidates.append(("λ \(DatasetInfo.label(l))", score))
        job.progress(String(format: "ease λ %@: validation NDCG@100 %.4f", DatasetInfo.label(l), score))
      }
      if best == nil || (score ?? -.infinity) > (best!.score ?? -.infinity) { best = (model, score) }
    }
    switch precision(items: n) {
    case .double:
      let gram = UnsafeMutablePointer<Double>.allocate(capacity: n * n)
      defer { gram.deallocate() }
      EASEModel.gram(of: job.train, into: gram, compute: job.compute)
      let work = lambdas.count > 1 ? UnsafeMutablePointer<Double>.allocate(capacity: n * n) : gram
      defer { if work != gram { work.deallocate() } }
      for l in lambdas {
        if work != gram { work.update(from: gram, count: n * n) }
        consider(try EASEModel.fit(gramInPlace: work, n: n, lambda: l, compute: job.compute), l)
      }
    case .single:
      var start = Platform.now()
      var gram = [Float](repeating: 0, count: n * n)
      gram.withUnsafeMutableBufferPointer { EASEModel.gram(of: job.train, into: $0.baseAddress!, compute: job.compute) }
      job.progress(String(format: "ease: Gram matrix of %d items in %.1f s", n, Platform.now() - start))
      for (c, l) in lambdas.enumerated() {
        // The last candidate inverts the Gram matrix itself: no copy is left behind.
        var work = c == lambdas.count - 1 ? gram : Array(gram)
        if c == lambdas.count - 1 { gram = [] }
        start = Platform.now()
        let model = try EASEModel.fit(single: &work, n: n, lambda: l, compute: job.compute)
        job.progress(String(format: "ease λ %@: weights in %.1f s", DatasetInfo.label(l), Platform.now() - start))
        consider(model, l)
      }
    }
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
  /// Row i of B: the weight item i gives every item's score.
  var itemVectors: ItemVectors? { ItemVectors(width: n, values: weights, present: [Bool](repeating: true, count: n), kind: "EASE weight rows") }
  var namedParameters: [NamedTensor] { [NamedTensor("ease.B", shape: [n, n], values: weights)] }

  /// G = XᵀX (items × items) from the binary users × items matrix `x`, in doubles or floats
  /// (counts, exact in either up to 2²⁴): each thread owns a range of G's rows and adds, for
  /// every user of those items, the user's row.
  static func gram<T: BinaryFloatingPoint>(of x: SparseMatrix, into g: UnsafeMutablePointer<T>, compute: ComputeContext) {
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

  /// B from G (floats, overwritten by B itself): P = (G + λI)⁻¹ by the blocked sweep, then
  /// B[i][j] = −P[i][j] / P[j][j], B[j][j] = 0, in place.
  static func fit(single g: inout [Float], n: Int, lambda: Float, compute: ComputeContext) throws -> EASEModel {
    try g.withUnsafeMutableBufferPointer { buffer in
      let p = buffer.baseAddress!
      for i in 0..<n { p[i * n + i] += lambda }
      try SymmetricSweep.invert(p, n: n, compute: compute)
      let diagonal = (0..<n).map { p[$0 * n + $0] }
      let out = UncheckedSendable(p)
      compute.forRanges(n, grain: 16) { lo, hi in
        let b = out.value
        for i in lo..<hi {
          for j in 0..<n { b[i * n + j] = i == j ? 0 : -b[i * n + j] / diagonal[j] }
        }
      }
    }
    return EASEModel(lambda: lambda, n: n, weights: g)
  }

  /// x·B for each row: the input's sparse rows times B, on the sparse kernels.
  func score(_ input: SparseMatrix, rows: Range<Int>, into scores: UnsafeMutablePointer<Float>, compute: ComputeContext) {
    guard input.nonzeroCount > 0 else {
      scores.update(repeating: 0, count: rows.count * n)
      return
    }
    weights.withUnsafeBufferPointer { w in
      input.rowStart.withUnsafeBufferPointer { start in
        input.columns.withUnsafeBufferPointer { columns in
          input.values.withUnsafeBufferPointer { values in
            SparseKernels.gatherAxpy(
              count: rows.count, rows: nil, rowStart: start.baseAddress! + rows.lowerBound, indices: columns.baseAddress!,
              values: values.baseAddress!, matrix: w.baseAddress!, matrixStride: n, initial: nil, output: scores,
              outputStride: n, width: n, on: compute)
          }
        }
      }
    }
  }

}
