/// CSV quoting (RFC 4180), shared by every CSV Encore writes.
enum CSVField {
  /// `text` as one CSV field: quoted, with quotes doubled, when it holds a comma or a quote.
  static func quoted(_ text: String) -> String {
    text.contains(",") || text.contains("\"") ? "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : text
  }
}
