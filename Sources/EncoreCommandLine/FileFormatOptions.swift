import ArgumentParser
import Encore

/// How rating files are read: their layout when it cannot be guessed, and whether bad lines
/// stop the run or are skipped and counted. Shared by every command that reads ratings.
struct FileFormatOptions: ParsableArguments {
  @Option(help: "Field delimiter for your own files (e.g. ',' ';' '::' 'tab' 'space'); guessed when omitted.")
  var delimiter: String?

  @Option(help: "Whether your file has a header line: yes, no or auto.")
  var header: HeaderChoice = .auto

  @Option(help: "0-based columns of user,item,rating[,timestamp] in your file, e.g. 0,1,2,3.")
  var columns: String?

  @Option(help: "long: one rating per line (default); wide: a user × item table with a header of item IDs and one line per user (pandas' pivot_table(...).to_csv, seed 004's train.csv).")
  var layout: TableLayout = .long

  @Option(help: "With --layout wide: the cell value that means \"not rated\" (e.g. 0 after pandas' fillna(0)), or none; empty cells always mean it.")
  var missing: String?

  @Flag(help: "Skip lines that are not ratings (empty fields, text ratings, too few fields) instead of stopping at the first; they are counted and the first shown (pandas' dropna, never silently).")
  var dropInvalid = false

  /// Whether the first line is a header (`--header`).
  enum HeaderChoice: String, ExpressibleByArgument, CaseIterable {
    case yes, no, auto
    var hasHeader: Bool? { self == .auto ? nil : self == .yes }
  }

  /// Sets `loader`'s layout and leniency from these options.
  func apply(to loader: inout RatingDataLoader) throws {
    var columnLayout: (user: Int, item: Int, rating: Int, timestamp: Int?)? = nil
    if let columns {
      let parts = columns.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
      guard parts.count == 3 || parts.count == 4, parts.allSatisfy({ $0 != nil && $0! >= 0 }) else {
        throw EncoreError.invalidArgument("--columns takes user,item,rating[,timestamp] as 0-based numbers, e.g. 0,1,2,3")
      }
      columnLayout = (parts[0]!, parts[1]!, parts[2]!, parts.count == 4 ? parts[3]! : nil)
    }
    loader.dropInvalid = dropInvalid
    loader.layout = layout
    if let missing {
      guard layout == .wide else { throw EncoreError.invalidArgument("--missing applies to --layout wide") }
      if missing.lowercased() != "none" {
        guard let value = Float(missing), value.isFinite else {
          throw EncoreError.invalidArgument("--missing takes a number (e.g. 0) or none, not '\(missing)'")
        }
        loader.missingValue = value
      }
      loader.missingValueGiven = true
    }
    if layout == .wide && (columns != nil || dropInvalid) {
      throw EncoreError.invalidArgument("--layout wide reads a user × item table; --columns and --drop-invalid apply to one rating per line")
    }
    var delim = delimiter
    if delim == "tab" || delim == "\\t" { delim = "\t" }
    if delim == "space" { delim = " " }
    if let delim, let c = columnLayout {
      loader.format = DelimitedFormat(
        delimiter: delim, hasHeader: header.hasHeader, userColumn: c.user, itemColumn: c.item, ratingColumn: c.rating,
        timestampColumn: c.timestamp)
    } else {
      // What is not given is still guessed per file (the delimiter, or the columns from a
      // naming header or the first line's field count); what is given applies on top.
      loader.delimiter = delim
      loader.columns = columnLayout
      loader.header = header.hasHeader
    }
  }
}

extension TableLayout: ExpressibleByArgument {}

/// What is kept of the data after reading: the rating scale it must lie on, and the users
/// and items with enough ratings. Shared by the commands that train or describe data.
struct DataFilterOptions: ParsableArguments {
  @Option(help: "The rating scale as MIN,MAX (surprise's Reader(rating_scale=...)), e.g. 1,5 or 1,10: a rating outside it is an error naming its line (skipped with --drop-invalid), and predictions are clipped to it instead of the training ratings' range.")
  var ratingScale: String?

  @Option(parsing: .unconditional, help: "Keep only users with at least this many ratings (repeated with --min-item-ratings until both hold).")
  var minUserRatings: Int = 1

  @Option(parsing: .unconditional, help: "Keep only items with at least this many ratings.")
  var minItemRatings: Int = 1

  /// The scale `--rating-scale` gives, checked.
  func scale() throws -> RatingScale? {
    guard let ratingScale else { return nil }
    let parts = ratingScale.split(separator: ",").map { Float($0.trimmingCharacters(in: .whitespaces)) }
    guard parts.count == 2, let low = parts[0], let high = parts[1], low.isFinite, high.isFinite, low < high else {
      throw EncoreError.invalidArgument("--rating-scale takes MIN,MAX with MIN < MAX, e.g. 1,5 or 1,10; got '\(ratingScale)'")
    }
    return RatingScale(minimum: low, maximum: high)
  }

  /// Sets `loader`'s accepted ratings and activity filter from these options.
  func apply(to loader: inout RatingDataLoader) throws {
    guard minUserRatings >= 1 else { throw EncoreError.invalidArgument("--min-user-ratings must be at least 1") }
    guard minItemRatings >= 1 else { throw EncoreError.invalidArgument("--min-item-ratings must be at least 1") }
    loader.activityFilter = ActivityFilter(minimumUserRatings: minUserRatings, minimumItemRatings: minItemRatings)
    if let scale = try scale() {
      loader.acceptedRatings = scale.minimum...scale.maximum
      loader.acceptedRatingsSource = "the rating scale --rating-scale gives"
    }
  }
}
