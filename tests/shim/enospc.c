/* enospc.c - LD_PRELOAD shim for the disk-full test: the file system that
 * holds directory OS_ENOSPC_DIR fills up after OS_ENOSPC_AFTER bytes.
 * write, pwrite and writev (and the 64-bit aliases) to regular files on
 * that file system fail with ENOSPC once that many bytes were written to
 * them in total (the write that crosses the limit is cut short, as on a
 * real full disk).  Other files, pipes and terminals are not affected.
 * With OS_ENOSPC_MATCH set, only files whose path contains that string
 * count and fail (e.g. the checkpoint's temporary file alone). */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <unistd.h>

static atomic_llong used;

static long long limit_bytes = -2;
static dev_t full_dev;

static long long limit(void)
{
    if (limit_bytes == -2) {
        const char *s = getenv("OS_ENOSPC_AFTER"), *d = getenv("OS_ENOSPC_DIR");
        struct stat st;
        limit_bytes = s && *s && d && stat(d, &st) == 0 ? atoll(s) : -1;
        if (limit_bytes >= 0) full_dev = st.st_dev;
    }
    return limit_bytes;
}

static int on_full_fs(int fd)
{
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_dev != full_dev) return 0;
    const char *m = getenv("OS_ENOSPC_MATCH");
    if (!m || !*m) return 1;
    char link[64], path[4096];
    snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
    ssize_t n = readlink(link, path, sizeof path - 1);
    if (n < 0) return 0;
    path[n] = 0;
    return strstr(path, m) != NULL;
}

/* How many of N bytes may be written now; -1 with errno ENOSPC for none. */
static ssize_t allow(int fd, size_t n)
{
    long long lim = limit();
    if (lim < 0 || n == 0 || !on_full_fs(fd)) return (ssize_t)n;
    long long before = atomic_fetch_add(&used, (long long)n);
    if (before >= lim) {
        errno = ENOSPC;
        return -1;
    }
    return before + (long long)n > lim ? (ssize_t)(lim - before) : (ssize_t)n;
}

#define REAL(name) static __typeof__(name) *real; if (!real) real = (__typeof__(name) *)dlsym(RTLD_NEXT, #name)

static ssize_t real_write(int fd, const void *buf, size_t n)
{
    REAL(write);
    return real(fd, buf, n);
}

ssize_t write(int fd, const void *buf, size_t n)
{
    ssize_t k = allow(fd, n);
    return k < 0 ? -1 : real_write(fd, buf, (size_t)k);
}

ssize_t pwrite(int fd, const void *buf, size_t n, off_t off)
{
    REAL(pwrite);
    ssize_t k = allow(fd, n);
    return k < 0 ? -1 : real(fd, buf, (size_t)k, off);
}

ssize_t pwrite64(int fd, const void *buf, size_t n, off_t off)
{
    REAL(pwrite64);
    ssize_t k = allow(fd, n);
    return k < 0 ? -1 : real(fd, buf, (size_t)k, off);
}

ssize_t writev(int fd, const struct iovec *iov, int cnt)
{
    REAL(writev);
    size_t n = 0;
    for (int i = 0; i < cnt; i++) n += iov[i].iov_len;
    ssize_t k = allow(fd, n);
    if (k < 0) return -1;
    if ((size_t)k == n) return real(fd, iov, cnt);
    /* Cut short: write the first K bytes only. */
    ssize_t done = 0;
    for (int i = 0; i < cnt && done < k; i++) {
        size_t part = iov[i].iov_len < (size_t)(k - done) ? iov[i].iov_len : (size_t)(k - done);
        ssize_t w = real_write(fd, iov[i].iov_base, part);
        if (w < 0) return done ? done : -1;
        done += w;
    }
    return done;
}
