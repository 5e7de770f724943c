import Encore
import Foundation

/// Shows training progress on standard error: a live bar with epoch, train and validation
/// RMSE and time left on a terminal, plain lines when standard error is a file or pipe.
final class ProgressReporter {
  let totalEpochs: Int
  let quiet: Bool
  let isTerminal = isatty(2) == 1
  private var elapsed = 0.0
  private var lastLength = 0

  init(totalEpochs: Int, quiet: Bool) {
    self.totalEpochs = totalEpochs
    self.quiet = quiet
  }

  func note(_ text: String) {
    guard !quiet else { return }
    clearLine()
    FileHandle.standardError.write(Data("\(text)\n".utf8))
  }

  func epoch(_ r: EpochRecord) {
    guard !quiet else { return }
    elapsed += r.seconds
    let validation = r.validationRMSE.map { String(format: "%.4f", $0) } ?? "-"
    let left = elapsed / Double(r.epoch) * Double(totalEpochs - r.epoch)
    let mark = r.isBest ? " *" : ""
    let rate = (r.learningRate.map { String(format: " lr %.3g", $0) } ?? "") + (r.trainLoss.map { String(format: " loss %.4g", $0) } ?? "")
    if isTerminal {
      let width = 24
      let filled = min(width, width * r.epoch / max(1, totalEpochs))
      let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
      let line = String(
        format: "[%@] epoch %d/%d  train %.4f  valid %@%@%@  %.2fs/epoch  at most %@ left", bar, r.epoch, totalEpochs,
        r.trainRMSE, validation, mark, rate, r.seconds, Self.duration(left))
      clearLine()
      FileHandle.standardError.write(Data(line.utf8))
      lastLength = line.count
    } else {
      let line = String(
        format: "epoch %d/%d train_rmse %.4f valid_rmse %@%@%@ %.2fs\n", r.epoch, totalEpochs, r.trainRMSE, validation,
        mark, rate, r.seconds)
      FileHandle.standardError.write(Data(line.utf8))
    }
  }

  func finish() {
    guard !quiet, isTerminal, lastLength > 0 else { return }
    FileHandle.standardError.write(Data("\n".utf8))
    lastLength = 0
  }

  private func clearLine() {
    guard isTerminal, lastLength > 0 else { return }
    FileHandle.standardError.write(Data(("\r" + String(repeating: " ", count: lastLength) + "\r").utf8))
    lastLength = 0
  }

  static func duration(_ seconds: Double) -> String {
    if seconds < 60 { return String(format: "%.0fs", seconds) }
    if seconds < 3600 { return String(format: "%.0fm%02.0fs", (seconds / 60).rounded(.down), seconds.truncatingRemainder(dividingBy: 60)) }
    return String(format: "%.1fh", seconds / 3600)
  }
}

enum JSONOutput {
  static func encode<T: Encodable>(_ value: T) throws -> String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys]
    return String(decoding: try encoder.encode(value), as: UTF8.self)
  }
}

enum TextReport {
  static func print(_ r: TrainingReport, savedTo: String?) {
    Swift.print("model        \(r.model)")
    Swift.print("data         \(r.data)")
    Swift.print("split        \(r.split)")
    let unseenFate = r.unseenPolicy == .drop ? "left out (--unseen drop)" : "predicted by the bias baseline"
    Swift.print("ratings      \(r.nTrain) train, \(r.nValidation) validation, \(r.nTest) test (\(r.nTestUnseen) test ratings of unseen users/items, \(unseenFate))")
    Swift.print(String(format: "test RMSE    %.4f   (bias baseline %.4f, on the same %d pairs)", r.testRMSE, r.baselineTestRMSE, r.nTestScored))
    Swift.print(String(format: "test MAE     %.4f", r.testMAE))
    if let fcp = r.testFCP { Swift.print(String(format: "test FCP     %.4f", fcp)) }
    if r.nTestUnseen > 0, r.unseenPolicy == .baseline, let seen = r.testRMSESeen {
      Swift.print(String(format: "seen pairs   RMSE %.4f over the %d test ratings of known users and items", seen, r.nTest - r.nTestUnseen))
    }
    if let v = r.bestValidationRMSE {
      Swift.print(String(format: "best epoch   %d of %d (validation RMSE %.4f)", r.bestEpoch, r.epochsRun, v))
    }
    if let shrink = r.shrink {
      if shrink.shrinks {
        Swift.print(String(
          format: "shrunk       baseline + %.3f × (%@ − baseline), fitted on validation: RMSE %.4f → %.4f (bias baseline %.4f); --no-shrink keeps the network alone",
          shrink.weight, r.model, shrink.networkValidationRMSE, shrink.shrunkValidationRMSE, r.baselineValidationRMSE ?? .nan))
      } else {
        Swift.print("shrunk       no: the validation part gives the network its full weight")
      }
    }
    if let h = r.heldOutUsers {
      Swift.print(String(
        format: "held out     %d users (%@): RMSE %.4f, MAE %.4f, FCP %@ on %d scored ratings (baseline folded in %.4f), NDCG@10 %.4f",
        h.users, h.mode, h.rmse, h.mae, h.fcp.map { String(format: "%.4f", $0) } ?? "-", h.scoredRatings, h.baselineRMSE, h.ranking.ndcg))
    }
    Swift.print(String(format: "time         %.2fs training, %.3fs per epoch (%@ kernels%@%@)", r.trainSeconds, r.secondsPerEpoch, r.kernels,
                       r.precision == .bf16 ? ", bf16" : "", r.gemm.map { $0 == "builtin" ? "" : ", \($0) GEMM" } ?? ""))
    if let ranks = r.ranks, ranks > 1 {
      Swift.print(String(
        format: "ranks        %d processes, data-parallel; %.1f MB all-reduced per rank per epoch, %.2fs per epoch in collectives",
        ranks, (r.bytesReducedPerEpoch ?? 0) / 1e6, r.communicationSecondsPerEpoch ?? 0))
    }
    if let savedTo { Swift.print("saved        \(savedTo)") }
  }
}
