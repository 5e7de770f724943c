import Encore
import Foundation
import FuzzSupport

/// The title readers (u.item, movies.dat, movies.csv, movie_titles.csv): the first byte picks
/// which file name the bytes are read as.
let scratch = FuzzFile("titles")
let names = ["u.item", "movies.dat", "movies.csv", "movie_titles.csv"]

func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
  guard size > 0 else { return 0 }
  for name in names { unlink(scratch.folder + "/" + name) }
  _ = scratch.write(data + 1, size - 1, as: names[Int(data[0]) % names.count])
  _ = TitleReader.titles(inFolder: scratch.folder)
  return 0
}

FuzzDriver.run { data, size in fuzz(data ?? UnsafePointer(bitPattern: 1)!, size) }
