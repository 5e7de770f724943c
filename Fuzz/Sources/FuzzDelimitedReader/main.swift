import Encore
import Foundation
import FuzzSupport

/// The delimited reader with format guessing: the first byte picks the file name (and so the
/// guessing rules) and the duplicate policy; the rest is the file.
let scratch = FuzzFile("delimited")
let names = ["ratings.csv", "u.data", "u1.test", "ratings.dat", "mine.tsv", "data.txt"]
let policies: [DuplicatePolicy] = [.error, .keepLast, .mean]

func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
  guard size > 0 else { return 0 }
  let choice = Int(data[0])
  let path = scratch.write(data + 1, size - 1, as: names[choice % names.count])
  var users = IDMap(), items = IDMap()
  let loader = RatingDataLoader(duplicates: policies[(choice / names.count) % policies.count], compute: .serial)
  if let set = try? loader.readFile(path, users: &users, items: &items) {
    precondition(set.users.count == set.values.count && set.items.count == set.values.count)
    precondition(set.values.allSatisfy(\.isFinite))
    precondition(set.users.allSatisfy { $0 >= 0 && Int($0) < users.count } && set.items.allSatisfy { $0 >= 0 && Int($0) < items.count })
  }
  return 0
}

FuzzDriver.run { data, size in fuzz(data ?? UnsafePointer(bitPattern: 1)!, size) }
