/// Every failure Encore reports to a user: each case names what went wrong and, for input
/// files, the file and line, so the command line can print it and exit non-zero.
public enum EncoreError: Error, CustomStringConvertible, Equatable, Sendable {
  /// A line of an input file could not be read; `line` is 1-based.
  case malformedLine(file: String, line: Int, reason: String)
  /// A file could not be opened, read or written.
  case io(path: String, reason: String)
  /// A file held no ratings.
  case emptyInput(file: String)
  /// The same user and item were rated twice and the duplicate policy is `error`.
  case duplicateRating(file: String, line: Int, user: String, item: String, firstLine: Int)
  /// A model, split or option value is not usable.
  case invalidArgument(String)
  /// Training diverged (NaN or exploding loss).
  case diverged(epoch: Int, detail: String)
  /// A model file is corrupt, truncated or not an Encore model.
  case badModelFile(path: String, reason: String)
  /// An ID asked for is not known to the model.
  case unknownID(kind: String, id: String)
  /// A model setting has an unusable value; `setting` is its name (the command line's `--setting`).
  case invalidSetting(String, String)
  /// A setting was given for a model that does not use it.
  case settingNotApplicable(setting: String, model: String, accepted: [String])
  /// A resumed run asks for a setting that differs from the checkpoint's.
  case resumeMismatch(setting: String, checkpoint: String, requested: String)

  public var description: String {
    switch self {
    case .malformedLine(let file, let line, let reason):
      return "\(file):\(line): \(reason)"
    case .io(let path, let reason):
      return "\(path): \(reason)"
    case .emptyInput(let file):
      return "\(file): no ratings found (the file is empty or has only a header)"
    case .duplicateRating(let file, let line, let user, let item, let firstLine):
      return "\(file):\(line): user \(user) rated item \(item) again (first at line \(firstLine)); "
        + "choose --duplicates keep-last or --duplicates mean to accept repeated ratings"
    case .invalidArgument(let message):
      return message
    case .diverged(let epoch, let detail):
      return "training diverged in epoch \(epoch): \(detail). Hint: lower --learning-rate "
        + "(for example by 10x), raise --lambda, or try --optimizer rprop"
    case .badModelFile(let path, let reason):
      return "\(path): not a usable Encore model: \(reason)"
    case .unknownID(let kind, let id):
      return "unknown \(kind) ID '\(id)': it does not occur in the model's training data"
    case .invalidSetting(let setting, let reason):
      return "--\(setting) \(reason)"
    case .settingNotApplicable(let setting, let model, let accepted):
      return "--\(setting) does not apply to \(model)"
        + (accepted.isEmpty ? " (it takes no model settings)" : "; \(model) takes " + accepted.map { "--" + $0 }.joined(separator: ", "))
    case .resumeMismatch(let setting, let checkpoint, let requested):
      return "--resume: the checkpoint was trained with \(setting) = \(checkpoint), but this run asks for \(requested); "
        + "give the checkpoint's value or start a new run"
    }
  }
}
