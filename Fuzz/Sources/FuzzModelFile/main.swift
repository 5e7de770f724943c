import Encore
import Foundation
import FuzzSupport

/// The model loader (safetensors header, tensors, metadata, every family's loader), then a
/// prediction and a recommendation with whatever loaded: a file that loads must be usable.
let scratch = FuzzFile("model")

func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
  let path = scratch.write(data, size, as: "model.safetensors")
  guard let model = try? ModelFile.load(path) else { return 0 }
  let predictor = model.predictor(compute: .serial)
  if model.users.count > 0 && model.items.count > 0 {
    let value = predictor.predict(user: 0, item: 0).value
    precondition(value.isFinite, "a loaded model predicted \(value)")
    _ = try? model.recommend(user: model.users.rawIDs[0], count: 3, predictor: predictor)
  }
  return 0
}

FuzzDriver.run { data, size in fuzz(data ?? UnsafePointer(bitPattern: 1)!, size) }
