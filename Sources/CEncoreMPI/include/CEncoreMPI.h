#ifndef CENCORE_MPI_H
#define CENCORE_MPI_H

#include <stddef.h>
#include <stdint.h>

/// A small shim over the MPI library, loaded at run time with dlopen, so that Encore builds
/// and runs without MPI installed. mpi.h's handles (MPI_COMM_WORLD, MPI_FLOAT, MPI_SUM, ...)
/// are macros whose values depend on the implementation: Open MPI's are addresses of exported
/// globals, MPICH's (and its ABI family: Intel MPI, MVAPICH) are fixed integers. The shim
/// knows both, so one Encore binary runs under either `mpirun`.
///
/// Every call returns 0 on success or MPI's error code; with MPI's default error handler
/// (errors are fatal) a failure aborts the whole job instead.

/// Loads the library (`path`, or the first of Open MPI's and MPICH's sonames found, MPICH's
/// first when `prefer_mpich`: the launcher's own library must be the one loaded when both are
/// installed) and calls MPI_Init_thread. Returns 0, or -1 with a message in `error`.
int encore_mpi_open(const char *path, int prefer_mpich, char *error, size_t error_length);
/// The implementation's name ("Open MPI" or "MPICH"), after a successful open.
const char *encore_mpi_implementation(void);
int encore_mpi_rank(int *rank);
int encore_mpi_size(int *size);
/// In-place sums over every rank (counts above 2^31 - 1 go in pieces).
int encore_mpi_allreduce_sum_float(float *values, int64_t count);
int encore_mpi_allreduce_sum_double(double *values, int64_t count);
/// In-place bitwise OR over every rank.
int encore_mpi_allreduce_or_u64(uint64_t *values, int64_t count);
/// `root`'s bytes, copied to every rank.
int encore_mpi_broadcast(void *bytes, int64_t count, int root);
int encore_mpi_barrier(void);
/// Ends every rank of the job with `code`.
void encore_mpi_abort(int code);
int encore_mpi_finalize(void);

#endif
