#include "CEncoreMPI.h"

#include <dlfcn.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

// The two ABIs. Open MPI: handles are pointers to exported globals. MPICH: 32-bit integers
// fixed by its ABI (mpi.h of MPICH 3.x and 4.x, also Intel MPI and MVAPICH).
typedef enum { ABI_NONE, ABI_OPEN_MPI, ABI_MPICH } abi_t;

static abi_t abi = ABI_NONE;
static void *library = NULL;

// Handles as intptr_t: a pointer for Open MPI, an int for MPICH.
static intptr_t comm_world, type_float, type_double, type_uint64, type_byte, op_sum, op_bor;
static void *in_place;

// Function pointers. Handle arguments are passed as intptr_t for Open MPI (pointers) and as
// int for MPICH, so each call site casts to the ABI's own signature.
static int (*mpi_init_thread)(int *, char ***, int, int *);
static int (*mpi_initialized)(int *);
static int (*mpi_finalized)(int *);
static void *mpi_comm_rank, *mpi_comm_size, *mpi_allreduce, *mpi_bcast, *mpi_barrier, *mpi_abort;
static int (*mpi_finalize)(void);

typedef int (*ompi_rank_fn)(intptr_t, int *);
typedef int (*ompi_allreduce_fn)(const void *, void *, int, intptr_t, intptr_t, intptr_t);
typedef int (*ompi_bcast_fn)(void *, int, intptr_t, int, intptr_t);
typedef int (*ompi_barrier_fn)(intptr_t);
typedef int (*ompi_abort_fn)(intptr_t, int);
typedef int (*mpich_rank_fn)(int, int *);
typedef int (*mpich_allreduce_fn)(const void *, void *, int, int, int, int);
typedef int (*mpich_bcast_fn)(void *, int, int, int, int);
typedef int (*mpich_barrier_fn)(int);
typedef int (*mpich_abort_fn)(int, int);

static int resolve(const char *name, void **slot, char *error, size_t length) {
  *slot = dlsym(library, name);
  if (*slot == NULL) {
    snprintf(error, length, "the MPI library has no symbol %s", name);
    return -1;
  }
  return 0;
}

int encore_mpi_open(const char *path, int prefer_mpich, char *error, size_t error_length) {
  if (abi != ABI_NONE) return 0;
  // Open MPI loads its components as plugins that need libmpi's symbols: RTLD_GLOBAL.
  const char *open_mpi_first[] = {"libmpi.so.40", "libmpich.so.12", "libmpi.so.12", "libmpi.so", NULL};
  const char *mpich_first[] = {"libmpich.so.12", "libmpi.so.12", "libmpi.so.40", "libmpi.so", NULL};
  const char **candidates = prefer_mpich ? mpich_first : open_mpi_first;
  if (path != NULL && path[0] != 0) {
    library = dlopen(path, RTLD_NOW | RTLD_GLOBAL);
    if (library == NULL) {
      snprintf(error, error_length, "cannot load the MPI library %s: %s", path, dlerror());
      return -1;
    }
  } else {
    for (int i = 0; candidates[i] != NULL && library == NULL; i++) library = dlopen(candidates[i], RTLD_NOW | RTLD_GLOBAL);
    if (library == NULL) {
      snprintf(error, error_length,
               "no MPI library found (tried libmpi.so.40, libmpich.so.12, libmpi.so.12; install Debian's openmpi-bin or mpich, "
               "or name the library in ENCORE_MPI_LIBRARY)");
      return -1;
    }
  }
  void *world = dlsym(library, "ompi_mpi_comm_world");
  if (world != NULL) {
    abi = ABI_OPEN_MPI;
    const char *names[] = {"ompi_mpi_float", "ompi_mpi_double", "ompi_mpi_uint64_t", "ompi_mpi_byte", "ompi_mpi_op_sum", "ompi_mpi_op_bor"};
    intptr_t *slots[] = {&type_float, &type_double, &type_uint64, &type_byte, &op_sum, &op_bor};
    for (int i = 0; i < 6; i++) {
      void *symbol = dlsym(library, names[i]);
      if (symbol == NULL) {
        snprintf(error, error_length, "the Open MPI library has no symbol %s", names[i]);
        abi = ABI_NONE;
        return -1;
      }
      *slots[i] = (intptr_t)symbol;
    }
    comm_world = (intptr_t)world;
    in_place = (void *)1;
  } else {
    abi = ABI_MPICH;
    comm_world = 0x44000000;
    type_float = 0x4c00040a;
    type_double = 0x4c00080b;
    type_uint64 = 0x4c00083e;
    type_byte = 0x4c00010d;
    op_sum = 0x58000003;
    op_bor = 0x58000008;
    in_place = (void *)-1;
  }
  void *init = NULL, *initialized = NULL, *finalized = NULL, *finalize = NULL;
  if (resolve("MPI_Init_thread", &init, error, error_length) || resolve("MPI_Initialized", &initialized, error, error_length) ||
      resolve("MPI_Finalized", &finalized, error, error_length) || resolve("MPI_Finalize", &finalize, error, error_length) ||
      resolve("MPI_Comm_rank", &mpi_comm_rank, error, error_length) || resolve("MPI_Comm_size", &mpi_comm_size, error, error_length) ||
      resolve("MPI_Allreduce", &mpi_allreduce, error, error_length) || resolve("MPI_Bcast", &mpi_bcast, error, error_length) ||
      resolve("MPI_Barrier", &mpi_barrier, error, error_length) || resolve("MPI_Abort", &mpi_abort, error, error_length)) {
    abi = ABI_NONE;
    return -1;
  }
  mpi_init_thread = (int (*)(int *, char ***, int, int *))init;
  mpi_initialized = (int (*)(int *))initialized;
  mpi_finalized = (int (*)(int *))finalized;
  mpi_finalize = (int (*)(void))finalize;
  int already = 0;
  mpi_initialized(&already);
  if (!already) {
    int provided = 0;
    // MPI_THREAD_SERIALIZED (2 in both ABIs): one thread at a time calls MPI.
    int code = mpi_init_thread(NULL, NULL, 2, &provided);
    if (code != 0) {
      snprintf(error, error_length, "MPI_Init_thread failed with code %d", code);
      abi = ABI_NONE;
      return -1;
    }
  }
  return 0;
}

const char *encore_mpi_implementation(void) {
  return abi == ABI_OPEN_MPI ? "Open MPI" : abi == ABI_MPICH ? "MPICH" : "none";
}

int encore_mpi_rank(int *rank) {
  if (abi == ABI_OPEN_MPI) return ((ompi_rank_fn)mpi_comm_rank)(comm_world, rank);
  return ((mpich_rank_fn)mpi_comm_rank)((int)comm_world, rank);
}

int encore_mpi_size(int *size) {
  if (abi == ABI_OPEN_MPI) return ((ompi_rank_fn)mpi_comm_size)(comm_world, size);
  return ((mpich_rank_fn)mpi_comm_size)((int)comm_world, size);
}

static int allreduce(void *values, int64_t count, size_t element, intptr_t type, intptr_t op) {
  char *bytes = values;
  while (count > 0) {
    int piece = count > INT_MAX ? INT_MAX : (int)count;
    int code = abi == ABI_OPEN_MPI
      ? ((ompi_allreduce_fn)mpi_allreduce)(in_place, bytes, piece, type, op, comm_world)
      : ((mpich_allreduce_fn)mpi_allreduce)(in_place, bytes, piece, (int)type, (int)op, (int)comm_world);
    if (code != 0) return code;
    bytes += (size_t)piece * element;
    count -= piece;
  }
  return 0;
}

int encore_mpi_allreduce_sum_float(float *values, int64_t count) { return allreduce(values, count, sizeof(float), type_float, op_sum); }
int encore_mpi_allreduce_sum_double(double *values, int64_t count) { return allreduce(values, count, sizeof(double), type_double, op_sum); }
int encore_mpi_allreduce_or_u64(uint64_t *values, int64_t count) { return allreduce(values, count, sizeof(uint64_t), type_uint64, op_bor); }

int encore_mpi_broadcast(void *values, int64_t count, int root) {
  char *bytes = values;
  while (count > 0) {
    int piece = count > INT_MAX ? INT_MAX : (int)count;
    int code = abi == ABI_OPEN_MPI ? ((ompi_bcast_fn)mpi_bcast)(bytes, piece, type_byte, root, comm_world)
                                   : ((mpich_bcast_fn)mpi_bcast)(bytes, piece, (int)type_byte, root, (int)comm_world);
    if (code != 0) return code;
    bytes += piece;
    count -= piece;
  }
  return 0;
}

int encore_mpi_barrier(void) {
  if (abi == ABI_OPEN_MPI) return ((ompi_barrier_fn)mpi_barrier)(comm_world);
  return ((mpich_barrier_fn)mpi_barrier)((int)comm_world);
}

void encore_mpi_abort(int code) {
  if (abi == ABI_OPEN_MPI) ((ompi_abort_fn)mpi_abort)(comm_world, code);
  else if (abi == ABI_MPICH) ((mpich_abort_fn)mpi_abort)((int)comm_world, code);
}

int encore_mpi_finalize(void) {
  if (abi == ABI_NONE) return 0;
  int done = 0;
  mpi_finalized(&done);
  return done ? 0 : mpi_finalize();
}
