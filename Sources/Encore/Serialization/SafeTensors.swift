import Foundation

/// Reads and writes the safetensors format: an 8-byte little-endian header length, a JSON
/// header naming each tensor's dtype, shape and byte range, then the raw little-endian data.
/// Python's `safetensors.numpy.load_file` and PyTorch read these files directly.
public enum SafeTensors {
  /// One tensor's raw contents.
  public struct Tensor: Sendable, Equatable {
    public enum DType: String, Sendable { case f32 = "F32", i32 = "I32", i64 = "I64" }
    public var dtype: DType
    public var shape: [Int]
    public var bytes: Data

    public static func float(_ values: [Float], shape: [Int]) -> Tensor {
      Tensor(dtype: .f32, shape: shape, bytes: values.withUnsafeBufferPointer { Data(buffer: $0) })
    }
    public static func int32(_ values: [Int32], shape: [Int]) -> Tensor {
      Tensor(dtype: .i32, shape: shape, bytes: values.withUnsafeBufferPointer { Data(buffer: $0) })
    }
    public static func int64(_ values: [Int64], shape: [Int]) -> Tensor {
      Tensor(dtype: .i64, shape: shape, bytes: values.withUnsafeBufferPointer { Data(buffer: $0) })
    }

    public var floats: [Float] { bytes.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) } }
    public var int32s: [Int32] { bytes.withUnsafeBytes { Array($0.bindMemory(to: Int32.self)) } }
    public var int64s: [Int64] { bytes.withUnsafeBytes { Array($0.bindMemory(to: Int64.self)) } }
  }

  /// Encodes tensors (in name order) and string metadata.
  public static func encode(_ tensors: [String: Tensor], metadata: [String: String]) throws -> Data {
    var header: [String: Any] = ["__metadata__": metadata]
    var offset = 0
    let names = tensors.keys.sorted()
    for name in names {
      let t = tensors[name]!
      header[name] = ["dtype": t.dtype.rawValue, "shape": t.shape, "data_offsets": [offset, offset + t.bytes.count]]
      offset += t.bytes.count
    }
    var json = try JSONSerialization.data(withJSONObject: header, options: [.sortedKeys])
    while json.count % 8 != 0 { json.append(UInt8(ascii: " ")) }
    var out = Data()
    out.reserveCapacity(8 + json.count + offset)
    var length = UInt64(json.count).littleEndian
    withUnsafeBytes(of: &length) { out.append(contentsOf: $0) }
    out.append(json)
    for name in names { out.append(tensors[name]!.bytes) }
    return out
  }

  /// Decodes a file's bytes, checking every length and offset; `path` names the file in errors.
  public static func decode(_ data: Data, path: String) throws -> (tensors: [String: Tensor], metadata: [String: String]) {
    func bad(_ reason: String) -> EncoreError { .badModelFile(path: path, reason: reason) }
    guard data.count >= 8 else { throw bad("the file is \(data.count) bytes, too short for a safetensors header") }
    let length = data.prefix(8).withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self)) }
    guard length > 0, length <= 100_000_000, 8 + Int(length) <= data.count else {
      throw bad("the header length (\(length) bytes) does not fit the file (\(data.count) bytes): truncated or not safetensors")
    }
    let headerBytes = data.subdata(in: 8..<(8 + Int(length)))
    guard let header = (try? JSONSerialization.jsonObject(with: headerBytes)) as? [String: Any] else {
      throw bad("the header is not a JSON object")
    }
    let body = data.subdata(in: (8 + Int(length))..<data.count)
    var metadata: [String: String] = [:]
    var tensors: [String: Tensor] = [:]
    for (name, value) in header {
      if name == "__metadata__" {
        guard let m = value as? [String: String] else { throw bad("__metadata__ is not a map of strings") }
        metadata = m
        continue
      }
      guard let info = value as? [String: Any], let dtypeName = info["dtype"] as? String,
        let shape = info["shape"] as? [Int], let offsets = info["data_offsets"] as? [Int], offsets.count == 2
      else { throw bad("tensor '\(name)' has no dtype, shape or data_offsets") }
      guard let dtype = Tensor.DType(rawValue: dtypeName) else { throw bad("tensor '\(name)' has unsupported dtype \(dtypeName)") }
      let size = dtype == .i64 ? 8 : 4
      let elements = shape.reduce(1, *)
      guard shape.allSatisfy({ $0 >= 0 }), offsets[0] >= 0, offsets[1] >= offsets[0], offsets[1] <= body.count,
        offsets[1] - offsets[0] == elements * size
      else { throw bad("tensor '\(name)' lies outside the file or has the wrong size: truncated or corrupt") }
      tensors[name] = Tensor(dtype: dtype, shape: shape, bytes: body.subdata(in: offsets[0]..<offsets[1]))
    }
    return (tensors, metadata)
  }
}
