/// surprise's similarity measures between two users (or two items), over the items (users)
/// they share. Names follow surprise's `sim_options['name']`.
public enum SimilarityMeasure: String, Codable, CaseIterable, Sendable {
  /// Σ r·r' / √(Σ r² · Σ r'²).
  case cosine
  /// 1 / (mean squared difference + 1).
  case msd
  /// Pearson's correlation, with both means taken over the shared ratings.
  case pearson
  /// Pearson's correlation of the baseline residuals r − (μ + b_u + b_i), shrunk by
  /// (n − 1) / (n − 1 + shrinkage) for n shared ratings.
  case pearsonBaseline = "pearson-baseline"
}

/// Computes one row of a similarity matrix: the similarity of one "x" (a user, or an item when
/// item-based) with every other x, from the ratings they share. Cost is the sum, over the
/// row's ratings, of how many ratings each shared "y" has: sparse, never x × x × y.
struct SimilarityRow {
  let measure: SimilarityMeasure
  /// The ratings grouped by y (items when user-based): which x rated it, and how.
  let byY: SparseMatrix
  let minSupport: Int
  let shrinkage: Float
  /// For pearson-baseline: μ and the x and y biases of the baseline.
  let globalMean: Float
  let xBias: [Float]
  let yBias: [Float]

  /// Scratch space for one row (one per thread): per-x accumulators, zeroed again after
  /// each row for the xs it touched only.
  final class Scratch {
    let n: Int
    let freq: UnsafeMutablePointer<Int32>
    /// prods, sqi, sqj, si, sj, each n doubles.
    let sums: UnsafeMutablePointer<Double>
    var touched: [Int32] = []
    init(_ n: Int) {
      self.n = n
      freq = .allocate(capacity: n)
      freq.initialize(repeating: 0, count: n)
      sums = .allocate(capacity: 5 * n)
      sums.initialize(repeating: 0, count: 5 * n)
    }
    deinit {
      freq.deallocate()
      sums.deallocate()
    }
  }

  /// `own` is the x's own index when it is a training x: its similarity to itself is 1, as
  /// surprise sets it.
  func compute(ys: ArraySlice<Int32>, values: ArraySlice<Float>, ownBias: Float, own: Int?, scratch s: Scratch, into row: UnsafeMutablePointer<Float>) {
    let n = s.n
    row.update(repeating: 0, count: n)
    let freq = s.freq
    let prods = s.sums, sqi = s.sums + n, sqj = s.sums + 2 * n, si = s.sums + 3 * n, sj = s.sums + 4 * n
    let baselined = measure == .pearsonBaseline
    byY.rowStart.withUnsafeBufferPointer { start in
      byY.columns.withUnsafeBufferPointer { xs in
        byY.values.withUnsafeBufferPointer { rs in
          xBias.withUnsafeBufferPointer { xb in
            for (y, r) in zip(ys, values) {
              let yi = Int(y)
              let shift = baselined ? Double(globalMean + yBias[yi]) : 0
              let ri = Double(r) - (baselined ? shift + Double(ownBias) : 0)
              for q in start[yi]..<start[yi + 1] {
                let x2 = Int(xs[q])
                let rj = Double(rs[q]) - (baselined ? shift + Double(xb[x2]) : 0)
                if freq[x2] == 0 { s.touched.append(Int32(x2)) }
                freq[x2] += 1
                switch measure {
                case .msd:
                  prods[x2] += (ri - rj) * (ri - rj)
                case .cosine, .pearsonBaseline:
                  prods[x2] += ri * rj
                  sqi[x2] += ri * ri
                  sqj[x2] += rj * rj
                case .pearson:
                  prods[x2] += ri * rj
                  sqi[x2] += ri * ri
                  sqj[x2] += rj * rj
                  si[x2] += ri
                  sj[x2] += rj
                }
              }
            }
          }
        }
      }
    }
    for t in s.touched {
      let x2 = Int(t)
      let f = Double(freq[x2])
      var sim = 0.0
      if Int(freq[x2]) >= minSupport {
        switch measure {
        case .msd:
          sim = 1 / (prods[x2] / f + 1)
        case .cosine:
          let d = (sqi[x2] * sqj[x2]).squareRoot()
          sim = d > 0 ? prods[x2] / d : 0
        case .pearson:
          let num = prods[x2] - si[x2] * sj[x2] / f
          let d = ((sqi[x2] - si[x2] * si[x2] / f) * (sqj[x2] - sj[x2] * sj[x2] / f)).squareRoot()
          sim = d > 0 && d.isFinite ? num / d : 0
        case .pearsonBaseline:
          let d = (sqi[x2] * sqj[x2]).squareRoot()
          sim = d > 0 ? prods[x2] / d * (f - 1) / (f - 1 + Double(shrinkage)) : 0
        }
      }
      row[x2] = Float(sim)
      freq[x2] = 0
      prods[x2] = 0; sqi[x2] = 0; sqj[x2] = 0; si[x2] = 0; sj[x2] = 0
    }
    s.touched.removeAll(keepingCapacity: true)
    if let own { row[own] = 1 }
  }
}
