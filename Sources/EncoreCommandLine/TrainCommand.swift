import ArgumentParser
import Encore
import Foundation

struct TrainCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "train", abstract: "Train a model, report test RMSE/MAE, and optionally save it.")

  @OptionGroup var dataOptions: DataOptions
  @OptionGroup var modelOptions: ModelOptions
  @OptionGroup var computeOptions: ComputeOptions
  @OptionGroup(title: "Implicit feedback") var implicitOptions: ImplicitOptions

  @Option(help: "Save the trained model to this file (safetensors, written atomically).")
  var save: String?

  @Option(parsing: .unconditional, help: "Also write a resumable checkpoint every N epochs, next to --save (NAME.epochN.safetensors).")
  var saveEvery: Int = 0

  @Option(parsing: .unconditional, help: "With --save-every: keep only the newest N checkpoints (0 keeps all).")
  var keepCheckpoints: Int = 3

  @Option(help: "Continue training from a checkpoint written by --save-every (same data options and --seed).")
  var resume: String?

  @Option(help: "Write TensorBoard event files to this folder (Training_RMSE_per_epoch, EVALUATION_RMSE, Epoch_time, …).")
  var logdir: String?

  @Option(parsing: .unconditional, help: "With --logdir: log Training_RMSE every N optimiser steps (DeepRecommender's summary_frequency).")
  var summaryFrequency: Int = 100

  @Flag(help: "With --logdir: also log weight and gradient histograms at every summary step (seed 003's log_histograms).")
  var logHistograms = false

  @Option(help: "Write the train and validation RMSE curves to this SVG file.")
  var plot: String?

  @Option(help: "Test pairs of users or items without training ratings: baseline (predicted by the bias baseline and counted) or drop (left out, as seed 004 does). The report gives the RMSE over seen pairs either way.")
  var unseen: UnseenPolicy = .baseline

  @Flag(help: "Print one JSON object with the results instead of text.")
  var json = false

  func run() throws {
    try EncoreCommand.guarded {
      if ModelFamilies.feedback(ofModel: modelOptions.model) == .implicit {
        try ImplicitTraining.run(
          model: modelOptions.model, modelOptions: modelOptions, dataOptions: dataOptions, implicit: implicitOptions,
          compute: try computeOptions.context(), save: save, json: json)
        return
      }
      if let given = implicitOptions.firstGiven {
        throw EncoreError.invalidArgument(
          "\(given) is for implicit-feedback models (\(ModelFamilies.implicitModelNames.joined(separator: ", "))); \(modelOptions.model) learns from explicit ratings")
      }
      // Started by mpirun or srun with several ranks: train data-parallel. Every rank runs
      // this same command; only rank 0 writes files and prints.
      let replicas = try MPICommunicator.Launch.detect().flatMap { $0.size > 1 ? DataParallel(try MPICommunicator.join()) : nil }
      let isRoot = replicas?.isRoot ?? true
      defer { (replicas?.communicator as? MPICommunicator)?.finish() }
      let compute = try computeOptions.context()
      // Every output is checked before any work: a bad path must not cost a training run.
      let inputs = dataOptions.inputPaths + (resume.map { [$0] } ?? [])
      if let save { try OutputPath.check(save, option: "save", inputs: inputs) }
      if let plot { try OutputPath.check(plot, option: "plot", inputs: inputs) }
      if let logdir { try OutputPath.checkFolder(logdir, option: "logdir") }
      var plan = try dataOptions.plan(seed: modelOptions.seed, compute: compute)
      var experiment = ExperimentRun(spec: try modelOptions.spec(), compute: compute)
      experiment.unseenPolicy = unseen
      experiment.replicas = replicas
      experiment.ratingScale = try dataOptions.filters.scale()
      let settings = experiment.spec.settings
      if plot != nil && !settings.stopsOnValidation {
        throw EncoreError.invalidSetting(
          "plot", "draws learning curves of the models that train in epochs with validation (\(ModelFamilies.iterativeModelNames.joined(separator: ", "))); \(settings.name) has none")
      }
      // Only the iterative models stop early; the others train on every training rating.
      if !settings.stopsOnValidation { plan.validationFraction = 0 }
      let progress = ProgressReporter(totalEpochs: settings.maxEpochs, quiet: !isRoot)
      progress.note("loading data")
      var (data, split) = try plan.prepare()
      if data.ratings.isPairs {
        throw EncoreError.invalidArgument(
          "\(data.sourceDescription) holds user,item pairs (implicit feedback) and \(settings.name) learns from explicit ratings: train an implicit model (--model \(ModelFamilies.implicitModelNames.joined(separator: "|"))), or give a file with ratings")
      }
      if data.ratings.skippedLines.count > 0 { progress.note(data.ratings.skippedLines.note) }
      // From here on training reads the split only: free the whole set, and the training
      // parts' timestamps (no model uses them once the split is made).
      data.releaseRatings()
      split.train.timestamps = []
      split.validation.timestamps = []
      progress.note("training \(settings.name) on \(split.train.count) ratings (\(data.users.count) users, \(data.items.count) items)")
      let logger = try logdir.flatMap { isRoot ? try TrainingLogger(logdir: $0) : nil }
      guard saveEvery >= 0 else { throw EncoreError.invalidArgument("--save-every must not be negative") }
      var files: ExperimentRun.CheckpointFiles? = nil
      if saveEvery > 0 && isRoot {
        guard let save else { throw EncoreError.invalidArgument("--save-every needs --save FILE to name the checkpoints") }
        let stem = save.hasSuffix(".safetensors") ? String(save.dropLast(".safetensors".count)) : save
        guard keepCheckpoints >= 0 else { throw EncoreError.invalidSetting("keep-checkpoints", "must not be negative") }
        files = ExperimentRun.CheckpointFiles(every: saveEvery, keep: keepCheckpoints) { "\(stem).epoch\($0).safetensors" }
      }
      let (model, report) = try experiment.run(data: data, split: split, checkpointFiles: files, resumeFrom: resume,
        monitor: logger?.monitor(stepInterval: summaryFrequency, histograms: logHistograms)) { record in
        progress.epoch(record)
        logger?.epoch(record)
      }
      progress.finish()
      try logger?.finish()
      guard isRoot else { return }
      if let shrink = report.shrink, shrink.shrinks, shrink.networkValidationRMSE > report.baselineValidationRMSE ?? .infinity {
        progress.note(String(
          format: "note: on the validation part %@ alone (RMSE %.4f) does worse than the bias baseline it falls back on (%.4f): these ratings do not support it, so its predictions were shrunk toward the baseline (weight %.3f, validation RMSE %.4f). --no-shrink keeps the network alone",
          report.model, shrink.networkValidationRMSE, report.baselineValidationRMSE ?? .nan, shrink.weight, shrink.shrunkValidationRMSE))
      } else if report.losesToBaselineOnValidation, let mine = report.validationRMSE, let theirs = report.baselineValidationRMSE {
        progress.note(
          String(format: "note: on the validation part %@ (RMSE %.4f) does worse than the bias baseline it falls back on (%.4f): these ratings may not support it. A blend shrinks it toward the baseline as far as the validation part asks: --model blend --members %@,baseline",
                 report.model, mine, theirs, report.model))
      }
      if let plot, let history = report.history {
        try AtomicFile.write(SVGChart.learningCurves(history, title: "\(report.model) on \(report.data)"), to: plot)
      }
      if let save {
        try ModelFile.save(model, to: save)
      }
      if json {
        print(try JSONOutput.encode(report))
      } else {
        TextReport.print(report, savedTo: save)
      }
    }
  }
}
