import CEncoreMPI
import Foundation

/// The processes of an MPI job (`mpirun -np N encore train ...`, or `srun`), through
/// `CEncoreMPI`, which loads Open MPI's or MPICH's library at run time: Encore builds and runs
/// without MPI, and only a job launched by MPI loads it.
public final class MPICommunicator: Communicator {
  public let rank: Int
  public let size: Int
  /// "Open MPI" or "MPICH".
  public let implementation: String

  private init(rank: Int, size: Int, implementation: String) {
    self.rank = rank
    self.size = size
    self.implementation = implementation
  }

  /// How the launcher started this process: its rank, the job's size and how many ranks share
  /// this machine, read from the variables Open MPI, MPICH's Hydra and Slurm set.
  public struct Launch: Sendable, Equatable {
    public var rank: Int
    public var size: Int
    public var localSize: Int
    /// Whether Open MPI's launcher started the process (its `OMPI_*` variables); otherwise
    /// MPICH's Hydra or Slurm did, and MPICH's library is tried first.
    public var byOpenMPI = true

    public init(rank: Int, size: Int, localSize: Int, byOpenMPI: Bool = true) {
      self.rank = rank
      self.size = size
      self.localSize = localSize
      self.byOpenMPI = byOpenMPI
    }

    /// The launch this environment describes; nil when no launcher started the process.
    public static func detect(_ environment: [String: String] = ProcessInfo.processInfo.environment) -> Launch? {
      func number(_ names: String...) -> Int? {
        for name in names { if let value = environment[name].flatMap({ Int($0) }) { return value } }
        return nil
      }
      guard let size = number("OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_SIZE", "SLURM_NTASKS"),
            let rank = number("OMPI_COMM_WORLD_RANK", "PMI_RANK", "PMIX_RANK", "SLURM_PROCID") else { return nil }
      let local = number("OMPI_COMM_WORLD_LOCAL_SIZE", "MPI_LOCALNRANKS", "SLURM_NTASKS_PER_NODE") ?? size
      return Launch(rank: rank, size: size, localSize: max(1, local), byOpenMPI: environment["OMPI_COMM_WORLD_SIZE"] != nil)
    }
  }

  /// Joins the job: loads the MPI library (`ENCORE_MPI_LIBRARY`, else Open MPI's or MPICH's
  /// soname) and initialises it. Throws when the library cannot be loaded.
  public static func join(
    library: String? = ProcessInfo.processInfo.environment["ENCORE_MPI_LIBRARY"], launch: Launch? = Launch.detect()
  ) throws -> MPICommunicator {
    var message = [CChar](repeating: 0, count: 512)
    let preferMPICH: Int32 = launch?.byOpenMPI == false ? 1 : 0
    let opened = message.withUnsafeMutableBufferPointer { encore_mpi_open(library, preferMPICH, $0.baseAddress, $0.count) }
    guard opened == 0 else {
      throw EncoreError.invalidArgument("this process was started by an MPI launcher, but " + String(decoding: message.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
    }
    var rank: Int32 = 0, size: Int32 = 0
    check(encore_mpi_rank(&rank), "MPI_Comm_rank")
    check(encore_mpi_size(&size), "MPI_Comm_size")
    return MPICommunicator(rank: Int(rank), size: Int(size), implementation: String(cString: encore_mpi_implementation()))
  }

  public func sum(_ values: UnsafeMutablePointer<Float>, count: Int) {
    Self.check(encore_mpi_allreduce_sum_float(values, Int64(count)), "MPI_Allreduce")
  }

  public func sum(_ values: UnsafeMutablePointer<Double>, count: Int) {
    Self.check(encore_mpi_allreduce_sum_double(values, Int64(count)), "MPI_Allreduce")
  }

  public func bitwiseOr(_ values: UnsafeMutablePointer<UInt64>, count: Int) {
    Self.check(encore_mpi_allreduce_or_u64(values, Int64(count)), "MPI_Allreduce")
  }

  public func broadcast(_ bytes: UnsafeMutableRawPointer, count: Int, from root: Int) {
    Self.check(encore_mpi_broadcast(bytes, Int64(count), Int32(root)), "MPI_Bcast")
  }

  /// Ends every rank of the job with `code` (a rank that fails must not leave the others
  /// waiting in a collective).
  public func abort(code: Int32) -> Never {
    encore_mpi_abort(code)
    exit(code)
  }

  /// Leaves the job cleanly (every rank calls it once, at the end).
  public func finish() {
    _ = encore_mpi_finalize()
  }

  /// MPI's default error handler ends the job on any error, so a non-zero code here means a
  /// library that returns errors instead: stop this rank, which makes the launcher stop the rest.
  private static func check(_ code: Int32, _ operation: String) {
    if code != 0 {
      FileHandle.standardError.write("encore: \(operation) failed with MPI error \(code)\n".data(using: .utf8)!)
      encore_mpi_abort(70)
      exit(70)
    }
  }
}
