/* h5par.c - the single-process row order from per-rank parts (h5par.h). */
#include "h5par.h"

#include <stdlib.h>

#include "par.h"

void os_h5par_count(const os_pop *pop, const uint32_t *ids, size_t n, uint64_t *cnt)
{
    size_t b = 0;
    for (size_t k = 0; k < pop->nblk; k++) cnt[k] = 0;
    for (size_t i = 0; i < n; i++) {
        while (b < pop->nblk && ids[i] >= pop->blk_hi[b]) b++;
        if (b < pop->nblk) cnt[b]++;
    }
}

int os_h5par_place(const uint64_t *cnt, size_t nblk, uint64_t *off, uint64_t *total)
{
    int size = os_par_size(), me = os_par_rank();
    uint64_t *all = malloc(((size_t)size * nblk + 1) * sizeof *all);
    if (!all) return -1;  /* the caller fails the run: os_par_abort */
    os_par_allgather_u64(cnt, nblk, all);
    uint64_t pos = 0;
    for (size_t b = 0; b < nblk; b++)
        for (int r = 0; r < size; r++) {
            if (r == me) off[b] = pos;
            pos += all[(size_t)r * nblk + b];
        }
    *total = pos;
    free(all);
    return 0;
}

#ifdef OS_HAVE_MPI

herr_t os_h5par_write(hid_t d, hid_t type, const void *buf, uint64_t base,
                      const uint64_t *off, const uint64_t *cnt, size_t nblk)
{
    static const unsigned char none = 0;  /* a non-NULL buffer for no rows */
    hid_t fs = H5Dget_space(d);
    if (fs < 0) return -1;
    hsize_t n = 0;
    herr_t st = H5Sselect_none(fs);
    for (size_t b = 0; b < nblk && st >= 0; b++) {
        if (!cnt[b]) continue;
        hsize_t start = base + off[b], count = cnt[b];
        st = H5Sselect_hyperslab(fs, n ? H5S_SELECT_OR : H5S_SELECT_SET, &start, NULL, &count, NULL);
        n += count;
    }
    hsize_t mdim = n ? n : 1;
    hid_t ms = H5Screate_simple(1, &mdim, NULL);
    if (!n) H5Sselect_none(ms);
    /* Filtered (compressed) datasets accept only collective writes. */
    hid_t dx = H5Pcreate(H5P_DATASET_XFER);
    H5Pset_dxpl_mpio(dx, H5FD_MPIO_COLLECTIVE);
    if (st >= 0) st = H5Dwrite(d, type, ms, fs, dx, n ? buf : (const void *)&none);
    H5Pclose(dx);
    H5Sclose(ms);
    H5Sclose(fs);
    return st;
}

hid_t os_h5par_fapl(void)
{
    hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
    H5Pset_fapl_mpio(fapl, os_par_comm(), MPI_INFO_NULL);
    /* Metadata operations are collective anyway: let HDF5 use collective
     * reads and writes for them too. */
    H5Pset_all_coll_metadata_ops(fapl, 1);
    H5Pset_coll_metadata_write(fapl, 1);
    return fapl;
}

#else /* one process: the output never takes this path */

herr_t os_h5par_write(hid_t d, hid_t type, const void *buf, uint64_t base,
                      const uint64_t *off, const uint64_t *cnt, size_t nblk)
{
    (void)d; (void)type; (void)buf; (void)base; (void)off; (void)cnt; (void)nblk;
    return -1;
}

hid_t os_h5par_fapl(void)
{
    return H5Pcreate(H5P_FILE_ACCESS);
}

#endif
