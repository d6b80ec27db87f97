/* par.c - MPI processes, or one process where MPI is absent (par.h). */
#include "par.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

/* The process's place among the MPI ranks: file-scope, as MPI's own state
 * is (MPI_Init is once per process and MPI_COMM_WORLD is global), so every
 * module asks here rather than carrying it.  The saved_ values hold it
 * while a local section (os_par_local_begin) runs as one process. */
static int par_rank = 0, par_size = 1, par_on = 0;
static int saved_rank, saved_size, saved_on, in_local;

void os_par_local_begin(void)
{
    assert(!in_local);  /* not nested (par.h) */
    in_local = 1;
    saved_rank = par_rank;
    saved_size = par_size;
    saved_on = par_on;
    par_rank = 0;
    par_size = 1;
    par_on = 0;
}

void os_par_local_end(void)
{
    assert(in_local);
    in_local = 0;
    par_rank = saved_rank;
    par_size = saved_size;
    par_on = saved_on;
}

int os_par_rank(void) { return par_rank; }
int os_par_size(void) { return par_size; }
int os_par_active(void) { return par_on; }

void os_par_split(uint64_t n, int rank, int size, uint64_t *lo, uint64_t *hi)
{
    assert(size > 0 && rank >= 0 && rank < size);
    /* n * rank / size without overflow for any n below 2^63 / size. */
    *lo = n / (uint64_t)size * (uint64_t)rank + n % (uint64_t)size * (uint64_t)rank / (uint64_t)size;
    uint64_t r1 = (uint64_t)rank + 1;
    *hi = n / (uint64_t)size * r1 + n % (uint64_t)size * r1 / (uint64_t)size;
}

#ifdef OS_HAVE_MPI

/* Launchers that set these: Open MPI's mpirun, PMIx (srun, prterun), PMI
 * (MPICH, srun --mpi=pmi2). */
static int launched_by_mpi(void)
{
    static const char *const vars[] = {"OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_RANK",
                                       "PMI_SIZE"};
    for (size_t i = 0; i < sizeof vars / sizeof vars[0]; i++)
        if (getenv(vars[i])) return 1;
    return 0;
}

void os_par_init(int *argc, char ***argv)
{
    if (!launched_by_mpi()) return;
    int provided;
    /* OpenMP threads never call MPI: funneled through the main thread. */
    MPI_Init_thread(argc, argv, MPI_THREAD_FUNNELED, &provided);
    MPI_Comm_rank(MPI_COMM_WORLD, &par_rank);
    MPI_Comm_size(MPI_COMM_WORLD, &par_size);
    par_on = 1;
}

void os_par_finalize(void)
{
    if (par_on) MPI_Finalize();
    par_on = 0;
}

void os_par_abort(int code)
{
    if (par_on && par_size > 1) MPI_Abort(MPI_COMM_WORLD, code);
}

MPI_Comm os_par_comm(void) { return MPI_COMM_WORLD; }

void os_par_sum_i64(int64_t *v, size_t n)
{
    if (!par_on) return;
    /* In slices: MPI counts are int. */
    for (size_t off = 0; off < n; off += 1u << 28) {
        size_t k = n - off < (1u << 28) ? n - off : (1u << 28);
        MPI_Allreduce(MPI_IN_PLACE, v + off, (int)k, MPI_INT64_T, MPI_SUM, MPI_COMM_WORLD);
    }
}

void os_par_sum_f64(double *v, size_t n)
{
    if (!par_on) return;
    for (size_t off = 0; off < n; off += 1u << 28) {
        size_t k = n - off < (1u << 28) ? n - off : (1u << 28);
        MPI_Allreduce(MPI_IN_PLACE, v + off, (int)k, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);
    }
}

uint64_t os_par_sum_u64(uint64_t v)
{
    if (par_on) MPI_Allreduce(MPI_IN_PLACE, &v, 1, MPI_UINT64_T, MPI_SUM, MPI_COMM_WORLD);
    return v;
}

int os_par_max_int(int v)
{
    if (par_on) MPI_Allreduce(MPI_IN_PLACE, &v, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
    return v;
}

double os_par_max_double(double v)
{
    if (par_on) MPI_Allreduce(MPI_IN_PLACE, &v, 1, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD);
    return v;
}

void os_par_allgather_u64(const uint64_t *mine, size_t n, uint64_t *all)
{
    if (!par_on) {
        memcpy(all, mine, n * sizeof *all);
        return;
    }
    MPI_Allgather(mine, (int)n, MPI_UINT64_T, all, (int)n, MPI_UINT64_T, MPI_COMM_WORLD);
}

void os_par_bcast(void *buf, size_t bytes, int root)
{
    if (par_on) MPI_Bcast(buf, (int)bytes, MPI_BYTE, root, MPI_COMM_WORLD);
}

void os_par_barrier(void)
{
    if (par_on) MPI_Barrier(MPI_COMM_WORLD);
}

#else /* one process */

void os_par_init(int *argc, char ***argv) { (void)argc; (void)argv; }
void os_par_finalize(void) {}
void os_par_abort(int code) { (void)code; }
void os_par_sum_i64(int64_t *v, size_t n) { (void)v; (void)n; }
uint64_t os_par_sum_u64(uint64_t v) { return v; }
void os_par_sum_f64(double *v, size_t n) { (void)v; (void)n; }
int os_par_max_int(int v) { return v; }
double os_par_max_double(double v) { return v; }
void os_par_allgather_u64(const uint64_t *mine, size_t n, uint64_t *all)
{
    memcpy(all, mine, n * sizeof *all);
}
void os_par_bcast(void *buf, size_t bytes, int root) { (void)buf; (void)bytes; (void)root; }
void os_par_barrier(void) {}

#endif
