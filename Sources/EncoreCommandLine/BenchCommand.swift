import ArgumentParser
import Encore
import Foundation

struct BenchCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "bench", abstract: "Speed measurements: training epochs, dense matrix products and fold-in latency.",
    subcommands: [EpochBenchCommand.self, GemmBenchCommand.self, FoldInBenchCommand.self], defaultSubcommand: EpochBenchCommand.self)
}

struct EpochBenchCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "epoch",
    abstract: "Time AutoRec training epochs on a synthetic set of a given shape and report peak memory.")

  /// The shapes `--like` names.
  enum ShapeName: String, ExpressibleByArgument, CaseIterable {
    case ml20m = "ml-20m", ml100k = "ml-100k", netflix
    var shape: SyntheticRatings.Shape {
      switch self {
      case .ml20m: return .movieLens20M
      case .ml100k: return .demo
      case .netflix: return .netflix
      }
    }
  }

  @Option(help: "Shape of the synthetic set: ml-20m, ml-100k or netflix.") var like: ShapeName = .ml20m
  @Option(help: "The model: i-autorec, u-autorec or deep-ae.") var model: String = "i-autorec"
  @Option(help: "deep-ae preset (default seed-003).") var preset: String = "seed-003"
  @Option(parsing: .unconditional, help: "deep-ae re-feeding steps (default: 1, as the issue's seed-003 benchmark).") var refeed: Int = 1
  @Option(parsing: .unconditional, help: "Hidden units.") var hidden: Int = 500
  @Option(parsing: .unconditional, help: "Epochs to time.") var epochs: Int = 1
  @Option(parsing: .unconditional, help: "Time on this fraction of the shape's users and ratings, items unchanged (a row-batched model's cost per batch is the same, so the full epoch is about seconds ÷ fraction; reported as full_epoch_estimate).")
  var fraction: Double = 1
  @Option(parsing: .unconditional, help: "Input rows per mini-batch (default: 4096 for AutoRec, 128 for deep-ae).") var batchSize: Int?
  @Option(help: "AutoRec optimiser: adam, sgd or rprop.") var optimizer: OptimizerKind = .adam
  @Flag(help: "Print one JSON object instead of text.") var json = false
  @OptionGroup var computeOptions: ComputeOptions

  struct Report: Codable {
    var shape: String
    var model: String
    var users: Int
    var items: Int
    var ratings: Int
    var hidden_units: Int
    var batch_size: Int
    var optimizer: String
    var description: String
    var generate_seconds: Double
    var epoch_seconds: [Double]
    var seconds_per_epoch: Double
    var fraction: Double
    var full_epoch_estimate: Double
    /// Training RMSE of each timed epoch over the observed ratings (what precision costs).
    var train_rmse: [Double]
    /// fp32 or bf16: the precision of deep-ae's dense products (bf16 only on AVX512_BF16), or
    /// of the weight rows AutoRec's gathers read.
    var precision: String
    var peak_rss_bytes: Int?
    var peak_rss_gib: Double?
    var kernels: String
    var threads: Int
    var gemm: String
  }

  func run() throws {
    try EncoreCommand.guarded {
      guard fraction > 0 && fraction <= 1 else { throw EncoreError.invalidSetting("fraction", "must be in (0, 1]") }
      var shape = like.shape
      shape.users = max(1, Int((Double(shape.users) * fraction).rounded()))
      shape.ratings = max(1, Int((Double(shape.ratings) * fraction).rounded()))
      let compute = try computeOptions.context()
      let family = type(of: try ModelFamilies.defaults(named: model))
      guard try ModelFamilies.defaults(named: model).stopsOnValidation else {
        throw EncoreError.invalidSetting("model", "must be one of \(ModelFamilies.iterativeModelNames.joined(separator: ", "))")
      }
      // The bench's options, given to the model where its family takes them.
      var overrides = ModelOverrides()
      let takes = family.acceptedSettings
      overrides.epochs = epochs
      overrides.patience = 0
      if takes.contains(.preset) {
        overrides.preset = preset
        overrides.refeed = refeed
        overrides.batchSize = batchSize ?? 128
      } else {
        overrides.hidden = hidden
        overrides.optimizer = optimizer
        overrides.batchSize = batchSize
      }
      let spec = try ModelFamilies.spec(named: model, overrides: overrides)
      let start = Platform.now()
      let data = SyntheticRatings(shape: shape).generate()
      let generateSeconds = Platform.now() - start
      let baseline = BiasBaseline(fitting: data.ratings, userCount: data.users.count, itemCount: data.items.count)
      let progress = ProgressReporter(totalEpochs: epochs, quiet: json)
      let scale = RatingScale(minimum: shape.minimum, maximum: shape.maximum)
      let summary = spec.settings.summary
      let batch = summary.batchSize ?? 0
      let described = (try? spec.flattened().filter { $0.0.hasPrefix("configuration.") }.map { "\($0.0.dropFirst(14))=\($0.1)" }.joined(separator: " ")) ?? ""
      progress.note("timing \(epochs) epoch(s) of \(spec.name) (\(described)), batch \(batch), on \(data.ratings.count) ratings")
      let job = TrainingJob(
        train: data.ratings, validation: RatingSet(), userCount: data.users.count, itemCount: data.items.count,
        baseline: baseline, scale: scale, compute: compute, progress: progress.epoch)
      let history = try spec.settings.train(job).history
      progress.finish()
      let times = history.map(\.seconds)
      let rss = Platform.peakResidentBytes()
      let report = Report(
        shape: like.rawValue, model: spec.name, users: shape.users, items: shape.items, ratings: data.ratings.count,
        hidden_units: summary.hiddenUnits ?? 0, batch_size: batch, optimizer: summary.optimizer ?? "", description: described, generate_seconds: generateSeconds,
        epoch_seconds: times, seconds_per_epoch: times.reduce(0, +) / Double(max(1, times.count)),
        fraction: fraction, full_epoch_estimate: times.reduce(0, +) / Double(max(1, times.count)) / fraction,
        train_rmse: history.map(\.trainRMSE), precision: spec.settings.trainingPrecision(on: compute).rawValue, peak_rss_bytes: rss,
        peak_rss_gib: rss.map { Double($0) / Double(1 << 30) }, kernels: SparseKernels.instructionSet,
        threads: compute.threads, gemm: compute.gemmDescription)
      if json {
        print(try JSONOutput.encode(report))
      } else {
        print(String(format: "%@ on %d ratings (%d x %d), %@: %.2f s per epoch, peak memory %.2f GiB (%@ kernels, %d threads, %@ GEMM)",
                     spec.name, data.ratings.count, shape.users, shape.items, described, report.seconds_per_epoch,
                     report.peak_rss_gib ?? -1, report.kernels, report.threads, report.gemm))
        print("training RMSE per epoch: " + report.train_rmse.map { String(format: "%.6f", $0) }.joined(separator: ", "))
        if fraction < 1 { print(String(format: "full epoch estimate (seconds ÷ fraction %.3g): %.1f s", fraction, report.full_epoch_estimate)) }
      }
    }
  }
}

struct GemmBenchCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "gemm",
    abstract: "GFLOP/s of the built-in GEMM (fp32 and bf16) and of OpenBLAS (when installed) on the autoencoders' shapes, against the machine's measured peak.")

  @Option(parsing: .unconditional, help: "Repetitions per shape (the median is reported).") var repeats: Int = 9
  @Option(parsing: .unconditional, help: "Worker threads (default: every core).") var threads: Int?
  @Flag(help: "Print one JSON object instead of text.") var json = false

  struct Row: Codable {
    var shape: String
    var builtin_gflops: Double
    /// The fp32 peak measured just before this shape (the machine's speed drifts with its
    /// neighbours' load, so each row has its own yardstick).
    var peak_fp32_gflops: Double
    /// builtin_gflops ÷ the fp32 peak.
    var builtin_fraction_of_peak: Double
    /// The bf16 kernel, counted as 2·M·N·K flops (nil without AVX512_BF16).
    var builtin_bf16_gflops: Double?
    var bf16_fraction_of_bf16_peak: Double?
    var openblas_gflops: Double?
    var openblas_direct_gflops: Double?
    var ratio: Double?
    var through_encore_vs_direct: Double?
  }
  struct Report: Codable {
    var rows: [Row]
    /// A tight FMA loop on every thread at once: what no GEMM can beat (median over the rows').
    var peak_fp32_gflops: Double
    /// The same with AVX512_BF16 dot products (nil without it).
    var peak_bf16_gflops: Double?
    var openblas: String?
    var openblas_core: String?
    var kernels: String
    var threads: Int
  }

  func run() throws {
    try EncoreCommand.guarded { try measure() }
  }

  func measure() throws {
    let builtinContext = try ComputeContext(threads: threads, gemm: .builtin)
    let bf16Context = DenseKernels.hasBF16 ? builtinContext.with(precision: .bf16) : nil
    let blasContext = try? ComputeContext(threads: threads, gemm: .openBLAS)
    let bf16Peak = DenseKernels.peakGFLOPS(bf16: true, on: builtinContext)
    // (name, transA, transB, M, N, K)
    let shapes: [(String, Bool, Bool, Int, Int, Int)] = [
      ("(256x9724)·(9724x500)", false, false, 256, 500, 9724),
      ("(256x500)·(500x9724)", false, false, 256, 9724, 500),
      ("(256x512)·(512x512)", false, false, 256, 512, 512),
      ("dW (256x500)ᵀ·(256x9724)", true, false, 500, 9724, 256),
      ("dH (256x9724)·(500x9724)ᵀ", false, true, 256, 500, 9724),
      // Deep autoencoder, ML-20M shape (n = 26,744 items, h₁ = 512, batch 128).
      ("out (128x512)·(26744x512)ᵀ", false, true, 128, 26744, 512),
      ("in (128x26744)·(26744x512)", false, false, 128, 512, 26744),
      ("dW (128x26744)ᵀ·(128x512)", true, false, 26744, 512, 128),
    ]
    var rows: [Row] = []
    var rng = SeededGenerator(seed: 1)
    for (name, ta, tb, m, n, k) in shapes {
      let a = StableBuffer<Float>((0..<(m * k)).map { _ in rng.nextUnitFloat() })
      let b = StableBuffer<Float>((0..<(k * n)).map { _ in rng.nextUnitFloat() })
      let c = StableBuffer<Float>(zeros: m * n)
      func time(_ context: ComputeContext, direct: Bool = false) -> Double {
        var samples: [Double] = []
        for _ in 0..<(repeats + 2) {
          let start = Platform.now()
          if direct, let library = context.blas {
            library.sgemm(transA: ta, transB: tb, m: m, n: n, k: k, a: a.pointer, lda: ta ? m : k, b: b.pointer, ldb: tb ? k : n,
                          c: c.pointer, ldc: n, beta: 0, threads: context.threads)
          } else {
            DenseKernels.gemm(transA: ta, transB: tb, m: m, n: n, k: k, a: a.pointer, lda: ta ? m : k, b: b.pointer, ldb: tb ? k : n,
                              c: c.pointer, ldc: n, on: context)
          }
          samples.append(Platform.now() - start)
        }
        let sorted = samples.dropFirst(2).sorted()
        return 2 * Double(m) * Double(n) * Double(k) / sorted[sorted.count / 2] / 1e9
      }
      // Interleave so that all see the same machine phase; the built-in kernels twice.
      let peak = DenseKernels.peakGFLOPS(bf16: false, on: builtinContext, iterations: 10_000_000) ?? 0
      let builtin = time(builtinContext)
      let bf16 = bf16Context.map { time($0) }
      let blas = blasContext.map { time($0) }
      let direct = blasContext.map { time($0, direct: true) }
      let builtin2 = time(builtinContext)
      let bf16Again = bf16Context.map { time($0) }
      let best = max(builtin, builtin2)
      let bestBF16 = bf16.map { max($0, bf16Again ?? 0) }
      let reference = direct.map { max($0, blas ?? 0) }
      rows.append(Row(
        shape: name, builtin_gflops: best, peak_fp32_gflops: peak, builtin_fraction_of_peak: peak > 0 ? best / peak : 0,
        builtin_bf16_gflops: bestBF16, bf16_fraction_of_bf16_peak: bestBF16.flatMap { v in bf16Peak.map { v / $0 } },
        openblas_gflops: blas, openblas_direct_gflops: direct,
        ratio: reference.map { best / $0 }, through_encore_vs_direct: blas.flatMap { b in direct.map { b / $0 } }))
    }
    let peaks = rows.map(\.peak_fp32_gflops).sorted()
    let peak = peaks[peaks.count / 2]
    let report = Report(rows: rows, peak_fp32_gflops: peak, peak_bf16_gflops: bf16Peak, openblas: blasContext?.blas?.path,
                        openblas_core: blasContext?.blas?.coreName, kernels: SparseKernels.instructionSet, threads: builtinContext.threads)
    if json {
      print(try JSONOutput.encode(report))
    } else {
      print("threads \(report.threads), kernels \(report.kernels), OpenBLAS: \(report.openblas.map { "\($0) (core \(report.openblas_core ?? "?"))" } ?? "not installed")")
      print(String(format: "measured peak (tight loop on every thread, before each shape; median): fp32 FMA %.1f GFLOP/s", peak)
        + (bf16Peak.map { String(format: ", bf16 dot products %.1f GFLOP/s", $0) } ?? ", no AVX512_BF16"))
      for r in rows {
        print(String(format: "%-28@ built-in %6.1f GFLOP/s (%3.0f%% of peak %5.1f)", r.shape, r.builtin_gflops, 100 * r.builtin_fraction_of_peak, r.peak_fp32_gflops)
          + (r.builtin_bf16_gflops.map { String(format: "   bf16 %6.1f (%3.0f%% of bf16 peak)", $0, 100 * (r.bf16_fraction_of_bf16_peak ?? 0)) } ?? "")
          + (r.openblas_gflops.map {
            String(format: "   OpenBLAS via Encore %6.1f, direct %6.1f   built-in/OpenBLAS %.2f",
                   $0, r.openblas_direct_gflops!, r.ratio!)
          } ?? ""))
      }
    }
  }
}

struct FoldInBenchCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "fold-in",
    abstract: "Latency of folding a new user in and taking their top 10 over all items, on one thread, for a model trained on a synthetic set.")

  @Option(help: "Shape of the synthetic set: ml-20m, ml-100k or netflix.") var like: EpochBenchCommand.ShapeName = .ml100k
  @Option(help: "The model (any of \(ModelFamilies.modelNames.joined(separator: ", "))).") var model: String = "i-autorec"
  @Option(parsing: .unconditional, help: "Training epochs before timing (cost does not depend on them).") var epochs: Int = 1
  @Option(parsing: .unconditional, help: "New users to time.") var users: Int = 1000
  @Option(parsing: .unconditional, help: "Ratings per new user.") var ratings: Int = 100
  @Option(parsing: .unconditional, help: "Items to recommend.") var k: Int = 10
  @Flag(help: "Print one JSON object instead of text.") var json = false

  struct Report: Codable {
    var shape: String
    var model: String
    var items: Int
    var ratings_per_user: Int
    var users_timed: Int
    var folder_build_seconds: Double
    var median_ms: Double
    var p99_ms: Double
    var mean_ms: Double
    var threads: Int
  }

  func run() throws {
    try EncoreCommand.guarded {
      guard users >= 1, ratings >= 1, k >= 1 else { throw EncoreError.invalidArgument("--users, --ratings and -k must be at least 1") }
      let shape = like.shape
      let progress = ProgressReporter(totalEpochs: epochs, quiet: json)
      progress.note("generating \(like.rawValue)-shaped ratings")
      var plan = DataPlan(source: .synthetic(shape))
      plan.validationFraction = 0
      plan.split = .holdout(testFraction: 0.001)
      let (data, split) = try plan.prepare()
      var overrides = ModelOverrides()
      let accepted = try ModelFamilies.defaults(named: model).acceptedByModel
      if accepted.contains(.epochs) { overrides.epochs = epochs }
      if accepted.contains(.patience) { overrides.patience = 0 }
      let spec = try ModelFamilies.spec(named: model, overrides: overrides)
      progress.note("training \(spec.name) on \(split.train.count) ratings")
      let (trained, _) = try ExperimentRun(spec: spec).run(data: data, split: split, keepHistory: false, progress: progress.epoch)
      progress.finish()
      let start = Platform.now()
      let folder = trained.userFolder(compute: .serial)
      let buildSeconds = Platform.now() - start
      var rng = SeededGenerator(seed: 99)
      let itemCount = trained.items.count
      var times: [Double] = []
      for _ in 0..<users {
        var chosen = Set<Int32>()
        while chosen.count < min(ratings, itemCount) { chosen.insert(Int32(rng.next() % UInt64(itemCount))) }
        let items = chosen.sorted()
        let values = items.map { _ in Float(1 + rng.next() % 5) }
        let t0 = Platform.now()
        let profile = folder.foldIn(UserRatings(items: items, values: values))
        _ = try trained.recommend(profile, folder: folder, count: k, compute: .serial)
        times.append((Platform.now() - t0) * 1000)
      }
      let sorted = times.sorted()
      let report = Report(
        shape: like.rawValue, model: spec.name, items: itemCount, ratings_per_user: ratings, users_timed: users,
        folder_build_seconds: buildSeconds, median_ms: sorted[sorted.count / 2],
        p99_ms: sorted[min(sorted.count - 1, Int(Double(sorted.count) * 0.99))], mean_ms: times.reduce(0, +) / Double(times.count),
        threads: 1)
      if json {
        print(try JSONOutput.encode(report))
      } else {
        print(String(format: "%@ on %@ (%d items): fold-in of %d ratings + top %d: median %.3f ms, p99 %.3f ms over %d users (one thread; folder built in %.2f s)",
                     spec.name, like.rawValue, itemCount, ratings, k, report.median_ms, report.p99_ms, users, buildSeconds))
      }
    }
  }
}
