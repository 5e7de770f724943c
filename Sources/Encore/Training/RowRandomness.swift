/// Dropout and noise masks drawn per (step, row) instead of from one stream across the batch:
/// a row's mask then does not depend on where in the batch it sits or which rank of a
/// data-parallel job trains it, so `mpirun -np N` draws the same masks for every N.
///
/// Each step draws one key from the training generator (every rank draws the same one);
/// each row's generator is seeded by that key, a purpose (input, a layer, noise) and the
/// row's index in the input matrix.
struct RowRandomness {
  let key: UInt64

  init(drawingFrom generator: inout SeededGenerator) {
    key = generator.next()
  }

  /// The generator of the row with input index `row`, for `purpose`.
  func generator(row: Int32, purpose: UInt64) -> SeededGenerator {
    SeededGenerator(seed: key &+ (purpose &+ 1) &* 0x9E37_79B9_7F4A_7C15, stream: UInt64(UInt32(bitPattern: row)))
  }
}
