import Encore
import Foundation
import FuzzSupport

/// The Netflix Prize reader (`MOVIE:` blocks of `customer,rating,date` lines).
let scratch = FuzzFile("netflix")

func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
  let path = scratch.write(data, size, as: "combined_data_1.txt")
  var users = IDMap(), items = IDMap()
  if let set = try? NetflixReader(duplicates: .keepLast).read(path, users: &users, items: &items) {
    precondition(set.users.count == set.values.count && set.values.allSatisfy(\.isFinite))
  }
  return 0
}

FuzzDriver.run { data, size in fuzz(data ?? UnsafePointer(bitPattern: 1)!, size) }
