import Foundation

/// A minimal protocol-buffers encoder (wire format only), enough to write ONNX models and
/// TensorBoard events without a code generator.
struct ProtobufWriter {
  private(set) var data = Data()

  mutating func varint(_ value: UInt64) {
    var v = value
    while v >= 0x80 {
      data.append(UInt8(v & 0x7F) | 0x80)
      v >>= 7
    }
    data.append(UInt8(v))
  }

  private mutating func key(_ field: Int, _ wireType: Int) { varint(UInt64(field << 3 | wireType)) }

  mutating func int(_ field: Int, _ value: Int64) {
    key(field, 0)
    varint(UInt64(bitPattern: value))
  }

  mutating func float(_ field: Int, _ value: Float) {
    key(field, 5)
    var bits = value.bitPattern.littleEndian
    withUnsafeBytes(of: &bits) { data.append(contentsOf: $0) }
  }

  mutating func double(_ field: Int, _ value: Double) {
    key(field, 1)
    var bits = value.bitPattern.littleEndian
    withUnsafeBytes(of: &bits) { data.append(contentsOf: $0) }
  }

  mutating func bytes(_ field: Int, _ value: Data) {
    key(field, 2)
    varint(UInt64(value.count))
    data.append(value)
  }

  mutating func string(_ field: Int, _ value: String) { bytes(field, Data(value.utf8)) }

  /// A packed repeated double field.
  mutating func packedDoubles(_ field: Int, _ values: [Double]) {
    var payload = Data(capacity: values.count * 8)
    for v in values {
      var bits = v.bitPattern.littleEndian
      withUnsafeBytes(of: &bits) { payload.append(contentsOf: $0) }
    }
    bytes(field, payload)
  }

  mutating func message(_ field: Int, _ build: (inout ProtobufWriter) -> Void) {
    var inner = ProtobufWriter()
    build(&inner)
    bytes(field, inner.data)
  }
}
