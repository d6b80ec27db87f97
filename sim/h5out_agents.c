/* h5out_agents.c - per-agent data: cohort snapshots (/cohort/<year>) and
 * the event log (/events), written in parallel mode under MPI. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "h5io.h"
#include "h5out_int.h"
#include "h5par.h"
#include "par.h"

static hid_t group_open(hid_t loc, const char *name)
{
    if (H5Lexists(loc, name, H5P_DEFAULT) > 0) return H5Gopen2(loc, name, H5P_DEFAULT);
    return H5Gcreate2(loc, name, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
}

/* One column of a cohort snapshot under MPI: each rank's living rows go to
 * their places in the single-process order (h5par.h).  Same dataset
 * layout as os_h5_write_col; every rank calls this with the same TOTAL. */
static int write_rows_par(hid_t g, const os_column *col, const void *buf, uint64_t total,
                          const uint64_t *off, const uint64_t *cnt, size_t nblk, os_h5_pipe p,
                          os_err *err)
{
    hsize_t dim = total;
    hid_t sp = H5Screate_simple(1, &dim, NULL);
    hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
    os_h5_pipe_set(dcpl, p, (size_t)total);
    /* Every element is written: no fill pass (parallel HDF5 cannot fill
     * filtered datasets). */
    H5Pset_fill_time(dcpl, H5D_FILL_TIME_NEVER);
    hid_t type = os_h5_coltype(col->type);
    hid_t d = H5Dcreate2(g, col->name, type, sp, H5P_DEFAULT, dcpl, H5P_DEFAULT);
    herr_t st = d < 0 ? -1 : total ? os_h5par_write(d, type, buf, 0, off, cnt, nblk) : 0;
    if (d >= 0) {
        if (os_h5_attr_str(d, "units", col->units)) st = -1;
        if (os_h5_attr_str(d, "description", col->description)) st = -1;
        if (H5Dclose(d) < 0) st = -1;
    }
    H5Pclose(dcpl);
    H5Sclose(sp);
    if (os_par_max_int(st < 0)) return os_fail(err, OS_ERUN, "HDF5: cannot write dataset '%s'", col->name);
    return OS_OK;
}

/* /cohort/<year> under MPI: collective, every rank with its own rows. */
static int cohort_par(os_h5out *o, const os_pop *pop, int year, os_err *err)
{
    if (os_h5out_to_parallel(o)) return os_fail(err, OS_ERUN, "%s: cannot open the output on every rank", o->path);
    hid_t cohort = group_open(o->file, "cohort");
    char name[16];
    snprintf(name, sizeof name, "%d", year);
    hid_t g = cohort < 0 ? -1 : H5Gcreate2(cohort, name, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    if (g < 0) {
        if (cohort >= 0) H5Gclose(cohort);
        return os_fail(err, OS_ERUN, "HDF5: cannot create /cohort/%d", year);
    }
    /* Snapshot the living agents only (the dead of last year are gone). */
    const uint8_t *alive = os_pop_data(pop, OS_COL_ALIVE);
    size_t nlive = 0;
    for (size_t i = 0; i < pop->n; i++) nlive += alive[i] != 0;
    void *buf = malloc(nlive ? nlive * 4 : 1);
    int rc = buf ? OS_OK : os_fail(err, OS_ERUN, "out of memory (cohort)");
    /* Where this rank's rows go, and the rows of all ranks. */
    uint64_t total = nlive, *cnt = NULL, *off = NULL;
    if (rc == OS_OK) {
        cnt = calloc(pop->nblk + 1, sizeof *cnt);
        off = calloc(pop->nblk + 1, sizeof *off);
        uint32_t *ids = buf;
        const uint32_t *id = os_pop_data(pop, OS_COL_ID);
        size_t k = 0;
        for (size_t i = 0; i < pop->n; i++)
            if (alive[i]) ids[k++] = id[i];
        if (!cnt || !off) rc = os_fail(err, OS_ERUN, "out of memory (cohort)");
        else {
            os_h5par_count(pop, ids, nlive, cnt);
            if (os_h5par_place(cnt, pop->nblk, off, &total))
                rc = os_fail(err, OS_ERUN, "out of memory (cohort)");
        }
    }
    for (int c = 0; c < pop->ncols && rc == OS_OK; c++) {
        const os_column *col = &pop->cols[c];
        if (!(col->flags & OS_COL_SNAPSHOT)) continue;
        size_t k = 0, es = col->elem_size;
#define GATHER(T)                                                                 \
    for (size_t i = 0; i < pop->n; i++)                                           \
        if (alive[i]) ((T *)buf)[k++] = ((const T *)col->data)[i];
        if (es == 4) { GATHER(uint32_t) }
        else if (es == 2) { GATHER(uint16_t) }
        else { GATHER(uint8_t) }
#undef GATHER
        rc = write_rows_par(g, col, buf, total, off, cnt, pop->nblk, o->pipe, err);
    }
    free(buf);
    free(cnt);
    free(off);
    if (rc == OS_OK && os_h5_attr_i64(g, "agents", (long long)total))
        rc = os_fail(err, OS_ERUN, "HDF5: cannot write /cohort/%d attributes", year);
    int bad = H5Gclose(g) < 0;
    bad |= H5Gclose(cohort) < 0;
    if (rc == OS_OK && os_par_max_int(bad))
        rc = os_fail(err, OS_ERUN, "HDF5: cannot write /cohort/%d", year);
    if (rc == OS_OK && os_par_max_int(os_h5out_failed(o, err))) rc = OS_ERUN;
    return rc;
}

/* Gathers the living rows of SRC (ES bytes each) into DST. */
static void gather(void *dst, const void *src, size_t es, const uint8_t *alive, size_t nstore)
{
    size_t k = 0;
#define GATHER(T)                                                                 \
    for (size_t i = 0; i < nstore; i++)                                           \
        if (alive[i]) ((T *)dst)[k++] = ((const T *)src)[i];
    if (es == 4) { GATHER(uint32_t) }
    else if (es == 2) { GATHER(uint16_t) }
    else { GATHER(uint8_t) }
#undef GATHER
}

int os_h5out_snap_write(os_h5out *o, const os_snap *snap, int threaded, os_err *err)
{
    hid_t cohort = group_open(o->file, "cohort");
    char name[16];
    snprintf(name, sizeof name, "%d", snap->year);
    hid_t g = cohort < 0 ? -1 : H5Gcreate2(cohort, name, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    if (g < 0) {
        if (cohort >= 0) H5Gclose(cohort);
        return os_fail(err, OS_ERUN, "HDF5: cannot create /cohort/%d: %s", snap->year,
                       os_h5io_reason("HDF5 error"));
    }
    /* Rows to gather (some stored agents died): one column at a time
     * through one buffer (4 bytes per agent at the peak). */
    int need = 0;
    for (int c = 0; c < snap->ncols; c++) need |= !snap->cols[c].data && snap->alive;
    void *buf = need ? malloc(snap->n ? snap->n * 4 : 1) : NULL;
    int rc = !need || buf ? OS_OK : os_fail(err, OS_ERUN, "out of memory (cohort)");
    for (int c = 0; c < snap->ncols && rc == OS_OK; c++) {
        const os_snap_col *col = &snap->cols[c];
        const void *rows = col->data ? col->data : snap->alive ? buf : col->src;
        if (!col->data && snap->alive) gather(buf, col->src, col->es, snap->alive, snap->nstore);
        rc = os_h5_write_col(g, col->name, col->type, rows, snap->n, col->units, col->description,
                             o->pipe, threaded, err);
    }
    free(buf);
    if (rc == OS_OK && os_h5_attr_i64(g, "agents", (long long)snap->n))
        rc = os_fail(err, OS_ERUN, "HDF5: cannot write /cohort/%d attributes", snap->year);
    int bad = H5Gclose(g) < 0;
    bad |= H5Gclose(cohort) < 0;
    if (rc == OS_OK && bad) rc = os_fail(err, OS_ERUN, "HDF5: cannot write /cohort/%d", snap->year);
    /* The OS's own error, once HDF5 has flushed what it cached. */
    if (rc == OS_OK && os_h5io_errno())
        rc = os_fail(err, OS_ERUN, "%s: cannot write: %s", o->path, os_h5io_reason(""));
    return rc;
}

int os_h5out_cohort(os_h5out *o, const os_pop *pop, int year, os_err *err)
{
    if (os_par_max_int(os_h5out_failed(o, err))) return OS_ERUN;
    /* MPI: synchronous, collective (docs/hdf5-schema.md, output.async). */
    if (o->par) return cohort_par(o, pop, year, err);
    const uint8_t *alive = os_pop_data(pop, OS_COL_ALIVE);
    size_t nlive = 0;
    for (size_t i = 0; i < pop->n; i++) nlive += alive[i] != 0;
    os_snap *snap = calloc(1, sizeof *snap);
    if (!snap) return os_fail(err, OS_ERUN, "out of memory (cohort)");
    snap->year = year;
    snap->n = nlive;
    snap->nstore = pop->n;
    /* After the yearly compaction every stored agent is alive: the columns
     * are then written as they are, without a gathered copy. */
    snap->alive = nlive == pop->n ? NULL : alive;
    for (int c = 0; c < pop->ncols; c++) {
        const os_column *col = &pop->cols[c];
        if (!(col->flags & OS_COL_SNAPSHOT)) continue;
        os_snap_col *sc = &snap->cols[snap->ncols++];
        snprintf(sc->name, sizeof sc->name, "%s", col->name);
        sc->type = os_h5_coltype(col->type);
        sc->es = col->elem_size;
        sc->units = col->units;
        sc->description = col->description;
        sc->src = col->data;
    }
    if (!o->async) {
        int rc = os_h5out_snap_write(o, snap, 1, err);
        free(snap);
        return rc;
    }
    /* output.async: the background writer gets its own copy of the rows,
     * since the step pass changes the columns right after this census. */
    size_t slen = 0;
    for (int c = 0; c < snap->ncols; c++)
        slen += strlen(snap->cols[c].units ? snap->cols[c].units : "") +
                strlen(snap->cols[c].description ? snap->cols[c].description : "") + 2;
    int oom = !(snap->strings = malloc(slen));
    char *at = snap->strings;
    for (int c = 0; c < snap->ncols && !oom; c++) {
        os_snap_col *sc = &snap->cols[c];
        const char *u = sc->units ? sc->units : "", *d = sc->description ? sc->description : "";
        sc->units = strcpy(at, u);
        at += strlen(u) + 1;
        sc->description = strcpy(at, d);
        at += strlen(d) + 1;
        if (!(sc->data = malloc(nlive ? nlive * sc->es : 1))) oom = 1;
        else if (snap->alive) gather(sc->data, sc->src, sc->es, alive, pop->n);
        else memcpy(sc->data, sc->src, nlive * sc->es);
        sc->src = NULL;
    }
    snap->alive = NULL;
    if (oom) {
        os_h5out_snap_free(snap);
        return os_fail(err, OS_ERUN, "out of memory (cohort snapshot copy; output.async: false needs none)");
    }
    return os_h5out_snap_async(o, snap, err);
}

/* Stable sort of the year's log by agent id: an agent's events keep the
 * order in which they were logged (modules in phase order), and the
 * result depends neither on chunking nor on threads or processes. */
static int sort_events(os_event *ev, size_t n)
{
    os_event *tmp = malloc((n ? n : 1) * sizeof *tmp);
    if (!tmp) return -1;
    for (size_t w = 1; w < n; w *= 2) {
        for (size_t lo = 0; lo < n; lo += 2 * w) {
            size_t mid = lo + w < n ? lo + w : n, hi = lo + 2 * w < n ? lo + 2 * w : n;
            size_t i = lo, j = mid, k = lo;
            while (i < mid && j < hi) tmp[k++] = ev[j].id < ev[i].id ? ev[j++] : ev[i++];
            while (i < mid) tmp[k++] = ev[i++];
            while (j < hi) tmp[k++] = ev[j++];
        }
        memcpy(ev, tmp, n * sizeof *ev);
    }
    free(tmp);
    return 0;
}

static const char *const ev_names[] = {"agent", "year", "type", "site", "arm"};

/* /events with its five empty extensible datasets (collective under MPI:
 * every rank calls it with the same arguments). */
static int events_create(hid_t file, os_h5_pipe p, os_err *err)
{
    static const char *const units[] = {"1", "year", "1", "1", "1"};
    static const char *const desc[] = {
        "agent id", "simulated year of the event", "event type code (labels attribute)",
        "site code (labels attribute)", "arm index"};
    hid_t types[] = {H5T_NATIVE_UINT32, H5T_NATIVE_INT16, H5T_NATIVE_UINT8, H5T_NATIVE_UINT8,
                     H5T_NATIVE_UINT8};
    hid_t g = H5Gcreate2(file, "events", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    if (g < 0) return os_fail(err, OS_ERUN, "HDF5: cannot create /events");
    int rc = OS_OK;
    for (int i = 0; i < 5 && !rc; i++) {
        hsize_t dim = 0, maxdim = H5S_UNLIMITED, ch = 65536;
        hid_t sp = H5Screate_simple(1, &dim, &maxdim);
        hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
        H5Pset_chunk(dcpl, 1, &ch);
        H5Pset_shuffle(dcpl);
        if (p.level > 0 && p.codec == OS_CODEC_LZ4)
            H5Pset_filter(dcpl, OS_H5Z_LZ4, H5Z_FLAG_MANDATORY, 0, NULL);
        else if (p.level > 0)
            H5Pset_deflate(dcpl, (unsigned)p.level);
        hid_t d = H5Dcreate2(g, ev_names[i], types[i], sp, H5P_DEFAULT, dcpl, H5P_DEFAULT);
        if (d >= 0) {
            os_h5_attr_str(d, "units", units[i]);
            os_h5_attr_str(d, "description", desc[i]);
            H5Dclose(d);
        }
        H5Pclose(dcpl);
        H5Sclose(sp);
        if (d < 0) rc = os_fail(err, OS_ERUN, "HDF5: cannot create /events/%s", ev_names[i]);
    }
    H5Gclose(g);
    return rc;
}

int os_h5out_events(os_h5out *o, int arm, const os_event_buf *evb, size_t nbuf,
                    const os_pop *pop, os_err *err)
{
    hid_t types[] = {H5T_NATIVE_UINT32, H5T_NATIVE_INT16, H5T_NATIVE_UINT8, H5T_NATIVE_UINT8,
                     H5T_NATIVE_UINT8};
    if (os_par_max_int(os_h5out_failed(o, err))) return OS_ERUN;
    if (os_h5out_to_parallel(o)) return os_fail(err, OS_ERUN, "%s: cannot open the output on every rank", o->path);
    int rc = OS_OK;
    if (H5Lexists(o->file, "events", H5P_DEFAULT) <= 0 && (rc = events_create(o->file, o->pipe, err)))
        return rc;
    size_t n = 0;
    for (size_t k = 0; k < nbuf; k++) n += evb[k].n;
    os_event *ev = malloc((n ? n : 1) * sizeof *ev);
    void *col = malloc(n ? n * 4 : 4);
    /* MPI: where this rank's events go, and the events of all ranks. */
    uint64_t total = n, *cnt = NULL, *off = NULL;
    size_t nblk = o->par ? pop->nblk : 1;
    if (o->par) {
        cnt = calloc(nblk + 1, sizeof *cnt);
        off = calloc(nblk + 1, sizeof *off);
    }
    if (!ev || !col || (o->par && (!cnt || !off))) rc = os_fail(err, OS_ERUN, "out of memory (events)");
    for (size_t k = 0, at = 0; k < nbuf && !rc; at += evb[k].n, k++)
        if (evb[k].n) memcpy(ev + at, evb[k].ev, evb[k].n * sizeof *ev);
    if (!rc && sort_events(ev, n)) rc = os_fail(err, OS_ERUN, "out of memory (events)");
    if (!rc && o->par) {
        uint32_t *ids = col;
        for (size_t k = 0; k < n; k++) ids[k] = ev[k].id;
        os_h5par_count(pop, ids, n, cnt);
        if (os_h5par_place(cnt, nblk, off, &total)) rc = os_fail(err, OS_ERUN, "out of memory (events)");
    } else if (!rc) {
        cnt = &total;  /* one process: one block */
        off = calloc(1, sizeof *off);
        if (!off) rc = os_fail(err, OS_ERUN, "out of memory (events)");
    }
    hid_t g = rc || total == 0 ? -1 : H5Gopen2(o->file, "events", H5P_DEFAULT);
    for (int i = 0; i < 5 && g >= 0 && !rc; i++) {
        for (size_t k = 0; k < n; k++) switch (i) {
            case 0: ((uint32_t *)col)[k] = ev[k].id; break;
            case 1: ((int16_t *)col)[k] = ev[k].year; break;
            case 2: ((uint8_t *)col)[k] = ev[k].type; break;
            case 3: ((uint8_t *)col)[k] = ev[k].site; break;
            default: ((uint8_t *)col)[k] = (uint8_t)arm; break;
            }
        hid_t d = H5Dopen2(g, ev_names[i], H5P_DEFAULT);
        hsize_t newdim = o->ev_n + total;
        herr_t st = d < 0 ? -1 : H5Dset_extent(d, &newdim);
        if (st >= 0 && o->par) {
            st = os_h5par_write(d, types[i], col, o->ev_n, off, cnt, nblk);
        } else if (st >= 0) {
            hsize_t start = o->ev_n, count = n;
            hid_t fs = H5Dget_space(d);
            st = fs < 0 ? -1 : H5Sselect_hyperslab(fs, H5S_SELECT_SET, &start, NULL, &count, NULL);
            hid_t ms = H5Screate_simple(1, &count, NULL);
            if (st >= 0) st = H5Dwrite(d, types[i], ms, fs, H5P_DEFAULT, col);
            H5Sclose(ms);
            if (fs >= 0) H5Sclose(fs);
        }
        if (d >= 0 && H5Dclose(d) < 0) st = -1;
        if (os_par_max_int(st < 0))
            rc = os_fail(err, OS_ERUN, "HDF5: cannot append to /events/%s", ev_names[i]);
    }
    if (g >= 0 && os_par_max_int(H5Gclose(g) < 0) && !rc)
        rc = os_fail(err, OS_ERUN, "HDF5: cannot write /events");
    if (!rc && os_par_max_int(os_h5out_failed(o, err))) rc = OS_ERUN;
    if (!rc) o->ev_n += total;
    free(ev);
    free(col);
    if (cnt != &total) free(cnt);
    free(off);
    return rc;
}

void os_h5out_event_labels(os_h5out *o, const char *types, const char *sites)
{
    hid_t f = os_h5out_file(o);
    if (f < 0 || H5Lexists(f, "events", H5P_DEFAULT) <= 0) return;
    hid_t g = H5Gopen2(f, "events", H5P_DEFAULT);
    const char *names[] = {"type", "site"}, *labels[] = {types, sites};
    for (int i = 0; i < 2; i++) {
        if (!labels[i]) continue;
        hid_t d = H5Dopen2(g, names[i], H5P_DEFAULT);
        if (d < 0) continue;
        if (H5Aexists(d, "labels") > 0) H5Adelete(d, "labels");
        os_h5_attr_str(d, "labels", labels[i]);
        H5Dclose(d);
    }
    H5Gclose(g);
}

void os_h5out_reattach(os_h5out *o)
{
    hid_t f = os_h5out_file(o);
    unsigned long long n = 0;
    if (f >= 0 && H5Lexists(f, "events", H5P_DEFAULT) > 0) {
        hid_t d = H5Dopen2(f, "events/agent", H5P_DEFAULT);
        hid_t sp = H5Dget_space(d);
        n = (unsigned long long)H5Sget_simple_extent_npoints(sp);
        H5Sclose(sp);
        H5Dclose(d);
    }
    os_par_bcast(&n, sizeof n, 0);  /* MPI: only rank 0 holds the file now */
    o->ev_n = (size_t)n;
}
