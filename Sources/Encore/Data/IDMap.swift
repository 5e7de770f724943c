/// Maps the raw user or item IDs of a rating file to dense indices 0..<count, in order of
/// first appearance. IDs may be numbers or arbitrary strings; a canonical decimal integer
/// ("42", not "042") is stored in a fast integer table, anything else by its text. A map
/// travels inside every trained model, so predictions speak the user's own IDs.
public struct IDMap: Sendable, Equatable {
  /// The raw ID of each index.
  public private(set) var rawIDs: [String] = []
  private var numeric: [Int64: Int32] = [:]
  private var textual: [String: Int32] = [:]

  public init() {}

  /// A map holding exactly `rawIDs`, in that order.
  public init(rawIDs: [String]) {
    for id in rawIDs { _ = insert(id) }
  }

  /// Number of distinct IDs.
  public var count: Int { rawIDs.count }

  /// The index of a numeric ID, adding it if new.
  public mutating func insert(numeric value: Int64) -> Int32 {
    if let index = numeric[value] { return index }
    let index = Int32(rawIDs.count)
    numeric[value] = index
    rawIDs.append(String(value))
    return index
  }

  /// The index of an ID given as text, adding it if new.
  public mutating func insert(_ raw: String) -> Int32 {
    if let value = IDMap.canonicalInteger(raw) { return insert(numeric: value) }
    if let index = textual[raw] { return index }
    let index = Int32(rawIDs.count)
    textual[raw] = index
    rawIDs.append(raw)
    return index
  }

  /// The index of an ID, or nil when the map has never seen it.
  public func index(of raw: String) -> Int32? {
    if let value = IDMap.canonicalInteger(raw) { return numeric[value] }
    return textual[raw]
  }

  /// The index of a numeric ID, or nil.
  public func index(ofNumeric value: Int64) -> Int32? { numeric[value] }

  /// The integer value of `text` when it is written in canonical decimal form.
  static func canonicalInteger(_ text: String) -> Int64? {
    let bytes = Array(text.utf8)
    return canonicalInteger(bytes[...])
  }

  static func canonicalInteger(_ bytes: ArraySlice<UInt8>) -> Int64? {
    guard !bytes.isEmpty, bytes.count <= 18 else { return nil }
    var start = bytes.startIndex
    var negative = false
    if bytes[start] == UInt8(ascii: "-") {
      negative = true
      start += 1
      guard start < bytes.endIndex else { return nil }
    }
    if bytes[start] == UInt8(ascii: "0") && bytes.endIndex - start > 1 { return nil }
    if negative && bytes[start] == UInt8(ascii: "0") { return nil }
    var value: Int64 = 0
    for b in bytes[start...] {
      let d = b &- 48
      if d > 9 { return nil }
      value = value * 10 + Int64(d)
    }
    return negative ? -value : value
  }

  public static func == (a: IDMap, b: IDMap) -> Bool { a.rawIDs == b.rawIDs }
}
