/// Folds users into a trained AutoRec without retraining.
///
/// - I-AutoRec (items as input rows): a user is an output unit. Its decoder row w_u and bias
///   b_u are fitted on the codes of the items the user rated, minimising the model's own
///   objective for that row, Σ (r − f(h_i·w_u + b_u))² + λ/2 ‖w_u‖² (and λ/2·b_u² when biases
///   are decayed): ridge regression for an identity output, Gauss–Newton steps otherwise.
///   The item codes are computed once, when the folder is built.
/// - U-AutoRec (users as input rows): one forward pass of the user's rating vector gives the
///   code; every item is then one dot product with its decoder row.
struct AutoRecFolder: UserFolder, @unchecked Sendable {
  let network: AutoRec
  let support: FoldInSupport
  let itemBased: Bool
  /// Item codes (items × k) for I-AutoRec; empty for U-AutoRec.
  let codes: StableBuffer<Float>
  let weightRidge: Float
  let biasRidge: Float

  init(network: AutoRec, decayBiases: Bool, context: PredictionContext) {
    self.network = network
    support = FoldInSupport(context)
    itemBased = network.configuration.orientation == .itemBased
    codes = itemBased ? network.codes(on: context.compute) : StableBuffer(zeros: 0)
    let lambda = network.configuration.lambda
    weightRidge = max(lambda / 2, FoldInSupport.biasRidge)
    biasRidge = decayBiases ? weightRidge : FoldInSupport.biasRidge
  }

  var itemCount: Int { support.itemCount }
  func knows(_ item: Int32) -> Bool { support.isKnown(item) }

  /// Items the network can use: those with training ratings (and, for U-AutoRec, inside its input).
  private func usable(_ ratings: UserRatings) -> UserRatings {
    let d = network.input.columnCount, rows = network.input.rowCount
    var kept = support.usable(ratings)
    if itemBased {
      let keep = kept.items.indices.filter { Int(kept.items[$0]) < rows && network.input.rowLength(Int(kept.items[$0])) > 0 }
      kept = UserRatings(items: keep.map { kept.items[$0] }, values: keep.map { kept.values[$0] })
    } else {
      let keep = kept.items.indices.filter { Int(kept.items[$0]) < d }
      kept = UserRatings(items: keep.map { kept.items[$0] }, values: keep.map { kept.values[$0] })
    }
    return kept
  }

  func foldIn(_ ratings: UserRatings) -> UserProfile {
    let kept = usable(ratings)
    guard !kept.isEmpty else { return support.fallbackProfile(ratings) }
    let k = network.hiddenUnits
    let bias = support.baselineBias(ratings)
    if itemBased {
      var features = [Float](repeating: 0, count: kept.count * k)
      for (r, item) in kept.items.enumerated() {
        for j in 0..<k { features[r * k + j] = codes[Int(item) * k + j] }
      }
      guard let row = FoldInSupport.fitOutputRow(
        features: features, width: k, targets: kept.values, activation: network.configuration.decoderActivation,
        weightRidge: weightRidge, biasRidge: biasRidge)
      else { return support.fallbackProfile(ratings) }
      return UserProfile(ratings: ratings, vector: row, baselineBias: bias, isFallback: false)
    }
    // U-AutoRec: h = g(μ + Σ_j (r_j − offset)·V_j).
    var z = Array(UnsafeBufferPointer(start: network.encoderBias.pointer, count: k))
    let offset = network.configuration.inputOffset
    z.withUnsafeMutableBufferPointer { out in
      for (item, value) in zip(kept.items, kept.values) {
        SparseKernels.axpy(value - offset, network.encoderWeight.pointer + Int(item) * k, out.baseAddress!, count: k)
      }
    }
    let g = network.configuration.encoderActivation
    return UserProfile(ratings: ratings, vector: z.map { g.apply($0) }, baselineBias: bias, isFallback: false)
  }

  func score(_ profile: UserProfile, item: Int32) -> Float {
    guard !profile.isFallback, support.isKnown(item) else { return support.baselineScore(profile, item: item) }
    let k = network.hiddenUnits
    let i = Int(item)
    if itemBased {
      guard i < network.input.rowCount, network.input.rowLength(i) > 0 else { return support.baselineScore(profile, item: item) }
      let s = profile.vector.withUnsafeBufferPointer { SparseKernels.dot(codes.pointer + i * k, $0.baseAddress!, count: k) }
      return support.context.scale.clip(network.configuration.decoderActivation.apply(s + profile.vector[k]))
    }
    guard i < network.input.columnCount else { return support.baselineScore(profile, item: item) }
    return support.context.scale.clip(profile.vector.withUnsafeBufferPointer { network.output(code: $0.baseAddress!, column: i) })
  }
}

extension AutoRecFolder {
  /// I-AutoRec's own output row for a training user: the same numbers its predictor uses.
  func trainedProfile(of user: Int32) -> UserProfile? {
    let u = Int(user), k = network.hiddenUnits
    guard itemBased, user >= 0, u < network.input.columnCount, u < support.context.baseline.userBias.count else { return nil }
    var vector = Array(UnsafeBufferPointer(start: network.decoderWeight.pointer + u * k, count: k))
    vector.append(network.decoderBias[u])
    return UserProfile(ratings: UserRatings(), vector: vector, baselineBias: support.context.baseline.userBias[u], isFallback: false)
  }

  /// I-AutoRec: S = P·Hᵀ for the batch's output rows P (one pass over the item codes H), then
  /// the output activation and the clip; items and profiles the network cannot score get
  /// the baseline as in `score`.
  func scores(_ profiles: [UserProfile], compute: ComputeContext) -> [[Float]] {
    let scorable = profiles.indices.filter { !profiles[$0].isFallback }
    guard itemBased, !scorable.isEmpty else { return profiles.map { scores($0, compute: compute) } }
    let k = network.hiddenUnits, items = itemCount, rows = network.input.rowCount, b = scorable.count
    var weights = [Float](repeating: 0, count: b * k)
    for (r, p) in scorable.enumerated() {
      for j in 0..<k { weights[r * k + j] = profiles[p].vector[j] }
    }
    let width = min(items, rows)
    var product = [Float](repeating: 0, count: b * max(width, 1))
    weights.withUnsafeBufferPointer { w in
      product.withUnsafeMutableBufferPointer { out in
        DenseKernels.multiDot(
          rows: codes.pointer, rowStride: k, rowCount: width, vectors: w.baseAddress!, vectorStride: k, vectorCount: b,
          width: k, out: out.baseAddress!, ldo: width, on: compute)
      }
    }
    var result = [[Float]](repeating: [], count: profiles.count)
    let f = network.configuration.decoderActivation, scale = support.context.scale
    for (r, p) in scorable.enumerated() {
      let profile = profiles[p], bias = profile.vector[k]
      var row = [Float](repeating: 0, count: items)
      for i in 0..<items {
        if support.isKnown(Int32(i)) && i < rows && network.input.rowLength(i) > 0 {
          row[i] = scale.clip(f.apply(product[r * width + i] + bias))
        } else {
          row[i] = support.baselineScore(profile, item: Int32(i))
        }
      }
      result[p] = row
    }
    for p in profiles.indices where profiles[p].isFallback { result[p] = scores(profiles[p], compute: compute) }
    return result
  }
}

extension AutoRecModel {
  public func userFolder(_ context: PredictionContext) -> any UserFolder {
    AutoRecFolder(network: network, decayBiases: settings.training.decayBiases, context: context)
  }

  /// I-AutoRec: the item codes; U-AutoRec: the decoder rows.
  public func itemVectors(_ context: PredictionContext) -> ItemVectors? {
    let net = network, k = net.hiddenUnits
    let known = FoldInSupport(context)
    if net.configuration.orientation == .itemBased {
      let codes = net.codes(on: context.compute)
      let present = (0..<known.itemCount).map { $0 < net.input.rowCount && net.input.rowLength($0) > 0 }
      var values = [Float](repeating: 0, count: known.itemCount * k)
      for i in 0..<min(known.itemCount, net.input.rowCount) { for j in 0..<k { values[i * k + j] = codes[i * k + j] } }
      return ItemVectors(width: k, values: values, present: present, kind: "item codes")
    }
    let present = (0..<known.itemCount).map { known.isKnown(Int32($0)) && $0 < net.input.columnCount }
    var values = [Float](repeating: 0, count: known.itemCount * k)
    for i in 0..<min(known.itemCount, net.input.columnCount) { for j in 0..<k { values[i * k + j] = net.decoderWeight[i * k + j] } }
    return ItemVectors(width: k, values: values, present: present, kind: "decoder rows")
  }
}
