import Encore
import Foundation
import FuzzSupport

/// A new user's `item,rating` list (`encore recommend --ratings`, the server's fold-in input).
func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
  let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
  if let file = try? UserRatingsFile.parse(text, source: "fuzz") {
    precondition(file.entries.allSatisfy { $0.rating.isFinite && $0.line >= 1 })
  }
  return 0
}

FuzzDriver.run { data, size in fuzz(data ?? UnsafePointer(bitPattern: 1)!, size) }
