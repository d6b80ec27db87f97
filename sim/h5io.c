/* h5io.c - OS errors of HDF5 writes; closing a failed file (h5io.h). */
#define _GNU_SOURCE /* memfd_create */
#include "h5io.h"

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define NWATCH 4

/* What HDF5's error hook has seen.  File-scope, as signal-handler state
 * is: the hook is installed process-wide (H5Eset_auto2 on the default
 * stack) and runs inside any failing HDF5 call, wherever it was made, and
 * `stuck` mirrors HDF5's own process-wide table of open files.  The hook
 * gets it as its client data; nothing else in the program keeps it. */
typedef struct h5io_state {
    char watched[NWATCH][4200];  /* the files being written (output, checkpoint) */
    int first_errno;             /* the first OS error on any of them */
    char failed_name[4200];      /* and the file it was on */
    int stuck;                   /* a file HDF5 could not close */
} h5io_state;

static h5io_state io;

/* HDF5's file drivers name the file and the errno in the message of the
 * failing call: "... filename = 'F', ... errno = N, ..." (writes) or
 * "unable to open file: name = 'F', errno = N, ..." (create). */
static herr_t on_record(unsigned n, const H5E_error2_t *e, void *data)
{
    (void)n;
    h5io_state *st = data;
    assert(st == &io);
    const char *q = e->desc ? strstr(e->desc, "name = '") : NULL;
    const char *en = e->desc ? strstr(e->desc, "errno = ") : NULL;
    if (st->first_errno || !q || !en || atoi(en + 8) <= 0) return 0;
    for (int k = 0; k < NWATCH; k++) {
        size_t len = strlen(st->watched[k]);
        if (len && strncmp(q + 8, st->watched[k], len) == 0 && q[8 + len] == '\'') {
            st->first_errno = atoi(en + 8);
            snprintf(st->failed_name, sizeof st->failed_name, "%s", st->watched[k]);
            break;
        }
    }
    return 0;
}

static herr_t on_error(hid_t stack, void *data)
{
    H5Ewalk2(stack, H5E_WALK_UPWARD, on_record, data);
    return 0;  /* prints nothing: errors come back as one line */
}

void os_h5io_watch(const char *name)
{
    assert(name && *name);
    int k = 0;
    while (k < NWATCH && io.watched[k][0] && strcmp(io.watched[k], name) != 0) k++;
    if (k == NWATCH) k = NWATCH - 1;  /* the newest replaces the last */
    snprintf(io.watched[k], sizeof io.watched[k], "%s", name);
    H5Eset_auto2(H5E_DEFAULT, on_error, &io);
}

int os_h5io_errno(void)
{
    return io.first_errno;
}

const char *os_h5io_reason(const char *fallback)
{
    return io.first_errno ? strerror(io.first_errno) : fallback;
}

const char *os_h5io_target(char *buf, size_t n)
{
    if (!io.first_errno) return NULL;
    snprintf(buf, n, "%s", io.failed_name);
    char *t = strstr(buf, ".tmp.");
    while (t && strstr(t + 1, ".tmp.")) t = strstr(t + 1, ".tmp.");
    if (t) *t = 0;  /* TARGET.tmp.PID -> TARGET */
    return buf;
}

/* Points the sec2 descriptor of FILE at an anonymous memory file, so the
 * writes HDF5 still makes while closing it succeed (and cost no disk). */
static void redirect(hid_t file)
{
    hid_t fapl = H5Fget_access_plist(file);
    int sec2 = fapl >= 0 && H5Pget_driver(fapl) == H5FD_SEC2;
    if (fapl >= 0) H5Pclose(fapl);
    void *h = NULL;
    if (!sec2 || H5Fget_vfd_handle(file, H5P_DEFAULT, &h) < 0 || !h) return;
    int fd = *(int *)h;
    int sink = memfd_create("osteosim-discard", MFD_CLOEXEC);
    if (sink < 0) {
        /* No memory file: an emptied (unlinked) file frees the space. */
        if (ftruncate(fd, 0) != 0) { /* the close may fail: nothing better */ }
        return;
    }
    dup2(sink, fd);
    close(sink);
}

int os_h5io_close(hid_t file, const char *tmp, int keep)
{
    if (file < 0) return -1;
    if (keep && !io.first_errno && H5Fflush(file, H5F_SCOPE_GLOBAL) >= 0 && !io.first_errno) {
        if (H5Fclose(file) >= 0 && !io.first_errno) return 0;
        if (H5Iis_valid(file) <= 0) {  /* closed after all: drop the file */
            if (tmp) remove(tmp);
            return -1;
        }
    }
    if (tmp) remove(tmp);
    redirect(file);
    if (H5Fclose(file) < 0) io.stuck = 1;
    return -1;
}

hid_t os_h5io_create(const char *name)
{
    os_h5io_watch(name);
    hid_t f = H5Fcreate(name, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    /* A create that failed writing the superblock leaves its file behind
     * inside HDF5, unclosable. */
    if (f < 0 && io.first_errno) io.stuck = 1;
    return f;
}

int os_h5io_stuck(void)
{
    return io.stuck || H5Fget_obj_count(H5F_OBJ_ALL, H5F_OBJ_FILE) > 0;
}

int os_h5io_sync(const char *path)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return errno;
    int e = fsync(fd) != 0 && errno != EINVAL && errno != EROFS ? errno : 0;
    if (close(fd) != 0 && !e && errno != EINTR) e = errno;
    return e;
}
