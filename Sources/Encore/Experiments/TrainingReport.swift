/// Everything `encore train` reports, in the keys of its `--json` output.
public struct TrainingReport: Codable, Sendable {
  public var model: String
  public var data: String
  public var split: String
  public var nUsers: Int
  public var nItems: Int
  public var nTrain: Int
  public var nValidation: Int
  public var nTest: Int
  public var nTestUnseen: Int
  public var testRMSE: Double
  public var testMAE: Double
  public var baselineTestRMSE: Double
  public var bestEpoch: Int
  public var epochsRun: Int
  public var bestValidationRMSE: Double?
  public var trainSeconds: Double
  /// Seconds spent fitting the model itself (what surprise's `fit` time measures); the
  /// training time above also fits the fallback baseline and prepares the data.
  public var fitSeconds: Double
  public var secondsPerEpoch: Double
  public var hiddenUnits: Int?
  public var lambda: Double?
  public var optimizer: String?
  public var learningRate: Double?
  public var batchSize: Int?
  public var seed: UInt64
  public var kernels: String
  public var history: [EpochRecord]?
  /// Figures for the users held out of training (with `--split users`), else nil.
  public var heldOutUsers: HeldOutUserReport? = nil
  /// How unseen test pairs were treated: "baseline" (predicted by the bias baseline and
  /// counted) or "drop" (left out of test RMSE, MAE and FCP; `nTestScored` pairs remain).
  public var unseenPolicy: UnseenPolicy = .baseline
  public var nTestScored: Int = 0
  /// Fraction of concordant pairs over the scored test pairs (nil: no user with two differing ratings).
  public var testFCP: Double? = nil
  /// Test RMSE and MAE over the pairs whose user and item both have training ratings.
  public var testRMSESeen: Double? = nil
  public var testMAESeen: Double? = nil
  /// Lines of the data files skipped as invalid (`--drop-invalid`; 0 otherwise).
  public var nSkippedLines: Int = 0
  /// The model's and the fallback bias baseline's RMSE on the validation part (nil without
  /// one). An ensemble whose members rotated their validation parts reports its first member's
  /// (the others trained on some of those ratings), and a refitted blend none. A network
  /// refitted with `--refit` has seen them, so its figure is optimistic.
  public var validationRMSE: Double? = nil
  public var baselineValidationRMSE: Double? = nil
  /// The processes that trained the model (more than 1: data-parallel under MPI).
  public var ranks: Int? = nil
  /// The dense products' kernel and precision, e.g. "builtin", "builtin bf16 (AVX512_BF16)" or
  /// "openblas (SkylakeX)" (nil in reports made before it was recorded).
  public var gemm: String? = nil
  /// The precision the model trained in, "fp32" or "bf16": bf16 only where the model honours
  /// a bf16 request on this CPU (`ModelSettings.trainingPrecision`; nil in older reports).
  public var precision: ComputeContext.Precision? = nil
  /// How far the network was shrunk toward the bias baseline (nil: the model does not shrink,
  /// or there was no validation part to fit the weight on). The test and validation figures
  /// above are the shrunk model's.
  public var shrink: BaselineShrink? = nil
  /// In a data-parallel run: the mean bytes each rank all-reduced per epoch (nil: one process).
  public var bytesReducedPerEpoch: Double? = nil
  /// In a data-parallel run: the mean seconds per epoch rank 0 spent in collectives.
  public var communicationSecondsPerEpoch: Double? = nil

  /// Whether the model does worse than the bias baseline on the validation part: the data may
  /// not support it, and a blend with the baseline (`--model blend --members M,baseline`)
  /// shrinks it toward the baseline by as much as the validation part asks.
  public var losesToBaselineOnValidation: Bool {
    guard let model = validationRMSE, let baseline = baselineValidationRMSE else { return false }
    return model > baseline
  }

  /// Fills the test figures from `scores`, and the baseline's RMSE over the same pairs.
  mutating func record(_ scores: TestScores, baselineRMSE: Double) {
    unseenPolicy = scores.policy
    nTest = scores.count
    nTestUnseen = scores.unseen
    nTestScored = scores.scored
    testRMSE = scores.rmse
    testMAE = scores.mae
    testFCP = scores.fcp
    testRMSESeen = scores.rmseSeen
    testMAESeen = scores.maeSeen
    baselineTestRMSE = baselineRMSE
  }

  enum CodingKeys: String, CodingKey {
    case model, data, split, seed, kernels, history, optimizer
    case nUsers = "n_users", nItems = "n_items", nTrain = "n_train", nValidation = "n_validation"
    case nTest = "n_test", nTestUnseen = "n_test_unseen", testRMSE = "test_rmse", testMAE = "test_mae"
    case baselineTestRMSE = "baseline_test_rmse", bestEpoch = "best_epoch", epochsRun = "epochs_run"
    case bestValidationRMSE = "best_validation_rmse", trainSeconds = "train_seconds"
    case secondsPerEpoch = "seconds_per_epoch", fitSeconds = "fit_seconds", hiddenUnits = "hidden_units", lambda
    case learningRate = "learning_rate", batchSize = "batch_size", heldOutUsers = "held_out_users"
    case unseenPolicy = "unseen", nTestScored = "n_test_scored", testFCP = "test_fcp"
    case testRMSESeen = "test_rmse_seen", testMAESeen = "test_mae_seen", nSkippedLines = "n_skipped_lines"
    case validationRMSE = "validation_rmse", baselineValidationRMSE = "baseline_validation_rmse"
    case gemm, precision, shrink
    case ranks, bytesReducedPerEpoch = "bytes_reduced_per_epoch", communicationSecondsPerEpoch = "communication_seconds_per_epoch"
  }

  /// Figures derived from the others: written, not read back.
  enum DerivedKeys: String, CodingKey { case losesToBaselineOnValidation = "loses_to_baseline_on_validation" }

  /// Every key is always present (null when it does not apply), so scripts can rely on them.
  public func encode(to encoder: Encoder) throws {
    var c = encoder.container(keyedBy: CodingKeys.self)
    try c.encode(model, forKey: .model)
    try c.encode(data, forKey: .data)
    try c.encode(split, forKey: .split)
    try c.encode(nUsers, forKey: .nUsers)
    try c.encode(nItems, forKey: .nItems)
    try c.encode(nTrain, forKey: .nTrain)
    try c.encode(nValidation, forKey: .nValidation)
    try c.encode(nTest, forKey: .nTest)
    try c.encode(nTestUnseen, forKey: .nTestUnseen)
    try c.encode(nSkippedLines, forKey: .nSkippedLines)
    try c.encode(testRMSE, forKey: .testRMSE)
    try c.encode(testMAE, forKey: .testMAE)
    try c.encode(unseenPolicy, forKey: .unseenPolicy)
    try c.encode(nTestScored, forKey: .nTestScored)
    try c.encode(testFCP, forKey: .testFCP)
    try c.encode(testRMSESeen, forKey: .testRMSESeen)
    try c.encode(testMAESeen, forKey: .testMAESeen)
    try c.encode(baselineTestRMSE, forKey: .baselineTestRMSE)
    try c.encode(bestEpoch, forKey: .bestEpoch)
    try c.encode(epochsRun, forKey: .epochsRun)
    try c.encode(bestValidationRMSE, forKey: .bestValidationRMSE)
    try c.encode(validationRMSE, forKey: .validationRMSE)
    try c.encode(baselineValidationRMSE, forKey: .baselineValidationRMSE)
    try c.encode(ranks, forKey: .ranks)
    try c.encodeIfPresent(gemm, forKey: .gemm)
    try c.encodeIfPresent(precision, forKey: .precision)
    try c.encode(shrink, forKey: .shrink)
    try c.encode(bytesReducedPerEpoch, forKey: .bytesReducedPerEpoch)
    try c.encode(communicationSecondsPerEpoch, forKey: .communicationSecondsPerEpoch)
    var derived = encoder.container(keyedBy: DerivedKeys.self)
    try derived.encode(losesToBaselineOnValidation, forKey: .losesToBaselineOnValidation)
    try c.encode(trainSeconds, forKey: .trainSeconds)
    try c.encode(fitSeconds, forKey: .fitSeconds)
    try c.encode(secondsPerEpoch, forKey: .secondsPerEpoch)
    try c.encode(hiddenUnits, forKey: .hiddenUnits)
    try c.encode(lambda, forKey: .lambda)
    try c.encode(optimizer, forKey: .optimizer)
    try c.encode(learningRate, forKey: .learningRate)
    try c.encode(batchSize, forKey: .batchSize)
    try c.encode(seed, forKey: .seed)
    try c.encode(kernels, forKey: .kernels)
    try c.encode(history, forKey: .history)
    try c.encode(heldOutUsers, forKey: .heldOutUsers)
  }
}
