/// The collective operations data-parallel training needs, as Horovod and PyTorch's DDP use
/// them: every rank calls each operation in the same order with the same counts.
///
/// Implementations: `MPICommunicator` (processes started by `mpirun` or `srun`) and, in the
/// tests, a group of threads in one process. A failure inside an operation ends the job
/// (MPI's default error handler), so the operations do not throw.
public protocol Communicator: AnyObject, Sendable {
  /// This process's index, 0..<size; rank 0 writes every file and prints.
  var rank: Int { get }
  /// The number of processes in the job.
  var size: Int { get }
  /// Replaces `values` on every rank with their sum over the ranks.
  func sum(_ values: UnsafeMutablePointer<Float>, count: Int)
  func sum(_ values: UnsafeMutablePointer<Double>, count: Int)
  /// Replaces `values` on every rank with their bitwise OR over the ranks.
  func bitwiseOr(_ values: UnsafeMutablePointer<UInt64>, count: Int)
  /// Copies `count` bytes from rank `root` to every other rank.
  func broadcast(_ bytes: UnsafeMutableRawPointer, count: Int, from root: Int)
}
