import Foundation

/// Writes TensorBoard event files (`events.out.tfevents.<time>.<host>`): TFRecord framing
/// (length, masked CRC-32C of the length, data, masked CRC-32C of the data) around `Event`
/// protos with scalar summaries. Tag names follow NVIDIA DeepRecommender's: Training_RMSE,
/// Training_RMSE_per_epoch, EVALUATION_RMSE, Epoch_time, Variables/FrobNorm/…, Gradients/FrobNorm/….
public final class TensorBoardWriter {
  public let path: String
  private var data = Data()

  /// Creates the log folder if needed; the file is (re)written atomically after every epoch.
  public init(logdir: String) throws {
    do {
      try FileManager.default.createDirectory(atPath: logdir, withIntermediateDirectories: true)
    } catch {
      throw EncoreError.io(path: logdir, reason: "cannot create the log folder")
    }
    let host = ProcessInfo.processInfo.hostName.split(separator: ".").first.map(String.init) ?? "localhost"
    path = logdir + "/events.out.tfevents.\(Int(Date().timeIntervalSince1970)).\(host)"
    var event = ProtobufWriter()
    event.double(1, Date().timeIntervalSince1970)
    event.string(3, "brain.Event:2")
    append(event.data)
  }

  /// Adds one scalar value.
  public func scalar(_ tag: String, _ value: Double, step: Int) {
    var event = ProtobufWriter()
    event.double(1, Date().timeIntervalSince1970)
    event.int(2, Int64(step))
    event.message(5) { summary in
      summary.message(1) { v in
        v.string(1, tag)
        v.float(2, Float(value))
      }
    }
    append(event.data)
  }

  /// Adds one histogram (a `histo` summary, as TensorFlow's HistogramProto).
  public func histogram(_ tag: String, _ h: Histogram, step: Int) {
    var event = ProtobufWriter()
    event.double(1, Date().timeIntervalSince1970)
    event.int(2, Int64(step))
    event.message(5) { summary in
      summary.message(1) { v in
        v.string(1, tag)
        v.message(5) { histo in
          histo.double(1, h.minimum)
          histo.double(2, h.maximum)
          histo.double(3, h.count)
          histo.double(4, h.sum)
          histo.double(5, h.sumOfSquares)
          histo.packedDoubles(6, h.bucketLimits)
          histo.packedDoubles(7, h.bucketCounts)
        }
      }
    }
    append(event.data)
  }

  /// Writes everything logged so far (atomically).
  public func flush() throws { try AtomicFile.write(data, to: path) }

  private func append(_ record: Data) {
    var length = UInt64(record.count).littleEndian
    let lengthBytes = withUnsafeBytes(of: &length) { Data($0) }
    data.append(lengthBytes)
    appendUInt32(CRC32C.masked(lengthBytes))
    data.append(record)
    appendUInt32(CRC32C.masked(record))
  }

  private func appendUInt32(_ value: UInt32) {
    var v = value.littleEndian
    withUnsafeBytes(of: &v) { data.append(contentsOf: $0) }
  }
}

/// CRC-32C (Castagnoli), as TFRecord uses, with TensorFlow's masking.
enum CRC32C {
  static let table: [UInt32] = (0..<256).map { i -> UInt32 in
    var c = UInt32(i)
    for _ in 0..<8 { c = c & 1 != 0 ? (c >> 1) ^ 0x82F6_3B78 : c >> 1 }
    return c
  }

  static func checksum(_ data: Data) -> UInt32 {
    var crc: UInt32 = 0xFFFF_FFFF
    for byte in data { crc = table[Int((crc ^ UInt32(byte)) & 0xFF)] ^ (crc >> 8) }
    return crc ^ 0xFFFF_FFFF
  }

  static func masked(_ data: Data) -> UInt32 {
    let crc = checksum(data)
    return ((crc >> 15) | (crc << 17)) &+ 0xA282_EAD8
  }
}
