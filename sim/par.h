/* par.h - the processes of a run: rank, size, exact reductions and the
 * splitting of id blocks, with single-process fallbacks.
 *
 * Built with MPI (OS_HAVE_MPI) and started by an MPI launcher (mpirun,
 * srun), the program runs as one process per rank; otherwise, and always
 * when MPI is absent, it is one process and every function here is a cheap
 * no-op (rank 0 of 1).  Reductions are over integers only: the engine's
 * fixed-point accumulators make a sum exact in any order, so results are
 * bitwise identical for any number of processes.
 *
 * Every function that communicates must be called by all ranks in the same
 * order (collective).  Later users (probabilistic sensitivity analysis
 * draws spread over ranks) split work with os_par_split and may use
 * os_par_comm() for their own communication.
 */
#ifndef OS_PAR_H
#define OS_PAR_H

#include <stddef.h>
#include <stdint.h>

#ifdef OS_HAVE_MPI
#include <mpi.h>
#endif

/* Starts MPI when the program was launched by an MPI launcher (its
 * environment says so); a plain start stays one process without touching
 * MPI.  Call once, first thing in main. */
void os_par_init(int *argc, char ***argv);
/* Ends MPI (no-op when it was not started). */
void os_par_finalize(void);
/* Ends every rank now with exit status CODE (after a run error that other
 * ranks cannot know about; they would wait forever in the next reduction). */
void os_par_abort(int code);

int os_par_rank(void);
int os_par_size(void);
/* 1 when running under MPI (even with one rank): the output file is then
 * written with parallel HDF5. */
int os_par_active(void);

#ifdef OS_HAVE_MPI
/* The run's communicator (MPI_COMM_WORLD today). */
MPI_Comm os_par_comm(void);
#endif

/* Part RANK of SIZE of [0, N): [*lo, *hi), contiguous, in rank order, sizes
 * differing by at most one. */
void os_par_split(uint64_t n, int rank, int size, uint64_t *lo, uint64_t *hi);

/* Between these two calls every rank works alone, as a single process
 * (rank 0 of 1, no communication): for work spread over ranks whole, such
 * as probabilistic sensitivity draws.  Not nested. */
void os_par_local_begin(void);
void os_par_local_end(void);

/* In-place exact sums over ranks. */
void os_par_sum_i64(int64_t *v, size_t n);
uint64_t os_par_sum_u64(uint64_t v);
/* In-place sums of doubles; exact (order-free) only when every element is
 * non-zero on at most one rank, e.g. to gather rows each rank filled. */
void os_par_sum_f64(double *v, size_t n);
int os_par_max_int(int v);
double os_par_max_double(double v);
/* ALL (size * n values) receives every rank's MINE (n values), by rank. */
void os_par_allgather_u64(const uint64_t *mine, size_t n, uint64_t *all);
void os_par_bcast(void *buf, size_t bytes, int root);
void os_par_barrier(void);

#endif
