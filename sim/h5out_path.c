/* h5out_path.c - checking output targets; stale temporary files (h5out_path.h). */
#include "h5out_path.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "par.h"

/* The directory part of PATH ("." if none); caller frees. */
static char *dir_part(const char *path)
{
    const char *slash = strrchr(path, '/');
    if (!slash) return strdup(".");
    return strndup(path, slash == path ? 1 : (size_t)(slash - path));
}

static const char *kind_of(mode_t m)
{
    if (S_ISDIR(m)) return "is a directory";
    if (S_ISFIFO(m)) return "is a FIFO (named pipe)";
    if (S_ISCHR(m) || S_ISBLK(m)) return "is a device";
    if (S_ISSOCK(m)) return "is a socket";
    return "is not a regular file";
}

/* A new name: its directory must exist (a run failure otherwise, as when
 * the file cannot be created). */
static int check_new(const char *path, char **resolved, os_err *err)
{
    char *dir = dir_part(path);
    if (!dir) return os_fail(err, OS_ERUN, "out of memory");
    struct stat st;
    int rc = OS_OK;
    if (stat(dir, &st) != 0)
        rc = os_fail(err, OS_ERUN, "%s: cannot create: directory %s: %s", path, dir, strerror(errno));
    else if (!S_ISDIR(st.st_mode))
        rc = os_fail(err, OS_ERUN, "%s: cannot create: %s is not a directory", path, dir);
    free(dir);
    if (!rc && !(*resolved = strdup(path))) rc = os_fail(err, OS_ERUN, "out of memory");
    return rc;
}

int os_outpath_resolve(const char *path, const char *opt, char **resolved, os_err *err)
{
    *resolved = NULL;
    if (!path || !*path) return os_fail(err, OS_ECONFIG, "%s: empty file name", opt);
    struct stat st;
    if (lstat(path, &st) != 0) {
        if (errno == ENOENT || errno == ENOTDIR) return check_new(path, resolved, err);
        return os_fail(err, OS_ERUN, "%s: %s", path, strerror(errno));
    }
    char *target = S_ISLNK(st.st_mode) ? realpath(path, NULL) : strdup(path);
    if (!target) {
        if (errno == ENOENT)
            return os_fail(err, OS_ECONFIG, "%s: symbolic link to a missing file: not written "
                           "(give the file's own path)", path);
        return os_fail(err, OS_ERUN, "%s: %s", path, strerror(errno));
    }
    if (stat(target, &st) != 0) {
        int e = errno;
        free(target);
        return os_fail(err, OS_ERUN, "%s: %s", path, strerror(e));
    }
    if (!S_ISREG(st.st_mode)) {
        free(target);
        return os_fail(err, OS_ECONFIG, "%s: %s: %s writes regular files only", path,
                       kind_of(st.st_mode), opt);
    }
    *resolved = target;
    return OS_OK;
}

/* Same file: same device and inode; two new names: the same name in the
 * same directory. */
static int same_file(const char *a, const char *b)
{
    struct stat sa, sb;
    int ea = stat(a, &sa), eb = stat(b, &sb);
    if (ea == 0 && eb == 0) return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
    if (ea == 0 || eb == 0) return 0;
    const char *na = strrchr(a, '/'), *nb = strrchr(b, '/');
    if (strcmp(na ? na + 1 : a, nb ? nb + 1 : b) != 0) return 0;
    char *da = dir_part(a), *db = dir_part(b);
    int same = da && db && stat(da, &sa) == 0 && stat(db, &sb) == 0 &&
               sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
    free(da);
    free(db);
    return same;
}

int os_outpath_not_input(const char *target, const char *input, const char *what,
                         os_err *err)
{
    if (!input || !*input || !same_file(target, input)) return OS_OK;
    return os_fail(err, OS_ECONFIG, "%s: is %s of this run: not overwritten (write elsewhere)",
                   target, what);
}

/* PID of a temporary name "BASE.tmp.PID", or 0 for any other name. */
static long temp_pid(const char *name, const char *base, size_t blen)
{
    if (strncmp(name, base, blen) != 0 || strncmp(name + blen, ".tmp.", 5) != 0) return 0;
    const char *d = name + blen + 5;
    if (!*d || strlen(d) > 10) return 0;
    for (const char *p = d; *p; p++)
        if (*p < '0' || *p > '9') return 0;
    long pid = strtol(d, NULL, 10);
    return pid > 0 && pid <= INT_MAX ? pid : 0;
}

/* Whether the temporary file NAME in DIRFD belongs to an ended run. */
static int is_stale(int dirfd, const char *name, long pid)
{
    if (pid == (long)getpid() || kill((pid_t)pid, 0) == 0 || errno != ESRCH) return 0;
    struct stat st;
    if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISREG(st.st_mode) ||
        st.st_uid != geteuid())
        return 0;
    /* A writer in another process namespace (another container, another
     * host on a shared file system) has a pid this one cannot see; HDF5
     * holds a lock on a file it writes. */
    int fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) return 0;
    int free_ = flock(fd, LOCK_EX | LOCK_NB) == 0;
    close(fd);
    return free_;
}

void os_outpath_sweep(const char *target)
{
    char *dir = dir_part(target);
    const char *slash = strrchr(target, '/');
    const char *base = slash ? slash + 1 : target;
    size_t blen = strlen(base);
    DIR *d = dir && blen ? opendir(dir) : NULL;
    free(dir);
    if (!d) return;
    struct dirent *e;
    while ((e = readdir(d))) {
        long pid = temp_pid(e->d_name, base, blen);
        if (pid && is_stale(dirfd(d), e->d_name, pid)) unlinkat(dirfd(d), e->d_name, 0);
    }
    closedir(d);
}

typedef struct input_ctx {
    const char *target, *allowed;
    os_err *err;
} input_ctx;

static int not_cfg_file(void *ctx, const char *path, const char *what)
{
    const input_ctx *x = ctx;
    if (x->allowed && same_file(path, x->allowed)) return OS_OK;
    return os_outpath_not_input(x->target, path, what, x->err);
}

/* TARGET is none of the inputs; ALLOWED (the checkpoint a resumed run
 * rewrites, whose text is also the configuration's source) excepted. */
static int not_an_input(const char *target, const char *from, const char *resume,
                        const char *allowed, const os_cfg *cfg, os_err *err)
{
    input_ctx x = {target, allowed, err};
    int rc = os_outpath_not_input(target, from, "the --from file", err);
    if (!rc) rc = os_outpath_not_input(target, resume, "the --resume checkpoint", err);
    if (!rc) rc = os_cfg_each_file(cfg, not_cfg_file, &x);
    return rc;
}

int os_outpath_run(const char *output, const char *opt, const char *ckpt, const char *from,
                   const char *resume, const os_cfg *cfg, char **out, char **ck, os_err *err)
{
    char buf[4200];
    *ck = NULL;
    int rc = os_outpath_resolve(output, opt, out, err);
    if (!rc) rc = not_an_input(*out, from, resume, NULL, cfg, err);
    if (rc) return rc;
    if (!ckpt) {
        size_t len = strlen(*out);
        int h5 = len > 3 && strcmp(*out + len - 3, ".h5") == 0;
        snprintf(buf, sizeof buf, "%.*s.ckpt.h5", (int)(h5 ? len - 3 : len), *out);
        ckpt = buf;
    }
    rc = os_outpath_resolve(ckpt, "--checkpoint", ck, err);
    if (!rc) rc = os_outpath_not_input(*ck, *out, "the output file", err);
    if (!rc) rc = not_an_input(*ck, from, NULL, resume, cfg, err);
    /* Runs that ended without cleaning up (SIGKILL) left these. */
    if (!rc && os_par_rank() == 0) {
        os_outpath_sweep(*out);
        os_outpath_sweep(*ck);
    }
    return rc;
}

int os_outpath_calibrate(const char *output, const char *opt, const os_cfg *cfg,
                         char *const *inputs, size_t n, char **out, os_err *err)
{
    int rc = os_outpath_resolve(output, opt, out, err);
    if (!rc) rc = not_an_input(*out, NULL, NULL, NULL, cfg, err);
    for (size_t i = 0; i < n && !rc; i++)
        rc = os_outpath_not_input(*out, inputs[i], i ? "a file included by the targets file"
                                                     : "the targets file", err);
    if (!rc) os_outpath_sweep(*out);
    if (rc) {
        free(*out);
        *out = NULL;
    }
    return rc;
}
