import Foundation

/// Reads item titles from the files that sit beside MovieLens and Netflix ratings:
/// `u.item` (`id|title|…`, Latin-1), `movies.dat` (`id::title::genres`), `movies.csv`
/// (`movieId,title,genres` with quoted titles; Kaggle's ML-20M names it `movie.csv`), Netflix's
/// `movie_titles.csv` (`id,year,title`) and KMRD's `movies.txt` (`movie<TAB>title<TAB>…`, a header).
public enum TitleReader {
  /// Titles found next to `ratingsPath` (in the same folder), keyed by raw item ID.
  public static func titles(besideRatingsAt ratingsPath: String) -> [String: String] {
    let folder = (ratingsPath as NSString).deletingLastPathComponent
    return titles(inFolder: folder.isEmpty ? "." : folder)
  }

  /// Titles from the first title file present in `folder`, keyed by raw item ID.
  public static func titles(inFolder folder: String) -> [String: String] {
    let fm = FileManager.default
    func text(_ name: String) -> String? {
      let path = folder + "/" + name
      guard fm.fileExists(atPath: path), let data = fm.contents(atPath: path) else { return nil }
      return String(data: data, encoding: .utf8) ?? String(data: data, encoding: .isoLatin1)
    }
    var result: [String: String] = [:]
    if let t = text("u.item") {
      for line in t.split(whereSeparator: \.isNewline) {
        let f = line.split(separator: "|", maxSplits: 2, omittingEmptySubsequences: false)
        if f.count >= 2 { result[String(f[0])] = String(f[1]) }
      }
    } else if let t = text("movies.dat") {
      for line in t.split(whereSeparator: \.isNewline) {
        let f = line.components(separatedBy: "::")
        if f.count >= 2 { result[f[0]] = f[1] }
      }
    } else if let t = text("movies.csv") ?? text("movie.csv") {
      for (k, line) in t.split(whereSeparator: \.isNewline).enumerated() where k > 0 {
        let f = csvFields(line)
        if f.count >= 2 { result[f[0]] = f[1] }
      }
    } else if let t = text("movie_titles.csv") {
      for line in t.split(whereSeparator: \.isNewline) {
        let f = line.split(separator: ",", maxSplits: 2, omittingEmptySubsequences: false)
        if f.count == 3 { result[String(f[0])] = String(f[2]) + (f[1] == "NULL" ? "" : " (\(f[1]))") }
      }
    } else if let t = text("movies.txt") {
      for (k, line) in t.split(whereSeparator: \.isNewline).enumerated() where k > 0 {
        let f = line.split(separator: "\t", maxSplits: 2, omittingEmptySubsequences: false)
        if f.count >= 2 { result[String(f[0])] = String(f[1]) }
      }
    }
    return result
  }

  /// Splits one CSV line, honouring double quotes and doubled quotes inside them.
  static func csvFields<S: StringProtocol>(_ line: S) -> [String] {
    var fields: [String] = []
    var current = ""
    var quoted = false
    var iterator = line.makeIterator()
    var pending: Character? = nil
    while let c = pending ?? iterator.next() {
      pending = nil
      if quoted {
        if c == "\"" {
          if let next = iterator.next() {
            if next == "\"" { current.append("\"") } else { quoted = false; pending = next }
          } else {
            quoted = false
          }
        } else {
          current.append(c)
        }
      } else if c == "\"" {
        quoted = true
      } else if c == "," {
        fields.append(current)
        current = ""
      } else {
        current.append(c)
      }
    }
    fields.append(current)
    return fields
  }
}
