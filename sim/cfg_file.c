/* cfg_file.c - reading YAML input files safely (cfg_file.h). */
#include "cfg_file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int why_not(const struct stat *st, size_t max, char *why, size_t n)
{
    if (S_ISDIR(st->st_mode)) snprintf(why, n, "is a directory, not a file");
    else if (S_ISFIFO(st->st_mode)) snprintf(why, n, "is a FIFO, not a regular file");
    else if (S_ISCHR(st->st_mode) || S_ISBLK(st->st_mode)) snprintf(why, n, "is a device, not a regular file");
    else if (!S_ISREG(st->st_mode)) snprintf(why, n, "is not a regular file");
    else if (max && (size_t)st->st_size > max) snprintf(why, n, "is larger than %zu MiB", max >> 20);
    else return 0;
    return -1;
}

int os_cfg_file_ok(const char *path, size_t max, char *why, size_t n)
{
    struct stat st;
    if (stat(path, &st)) {
        snprintf(why, n, "%s", strerror(errno));
        return -1;
    }
    return why_not(&st, max, why, n);
}

int os_cfg_file_read(const char *path, char **text, size_t *len, char *why, size_t n)
{
    *text = NULL;
    *len = 0;
    if (os_cfg_file_ok(path, OS_CFG_MAX_BYTES, why, n)) return -1;
    /* O_NONBLOCK: should the path have become a FIFO since the stat, the
     * open does not wait for a writer; fstat below then refuses it. */
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    struct stat st;
    if (fd < 0 || fstat(fd, &st)) {
        snprintf(why, n, "%s", strerror(errno));
        if (fd >= 0) close(fd);
        return -1;
    }
    if (why_not(&st, OS_CFG_MAX_BYTES, why, n)) {
        close(fd);
        return -1;
    }
    size_t cap = (size_t)st.st_size + 1, got = 0;
    char *buf = malloc(cap + 1);
    ssize_t r = 1;
    while (buf && got <= OS_CFG_MAX_BYTES) {   /* the file may grow as we read */
        r = read(fd, buf + got, cap - got);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) break;
        got += (size_t)r;
        if (got == cap) {
            char *p = realloc(buf, (cap *= 2) + 1);
            if (!p) free(buf);
            buf = p;
        }
    }
    if (r < 0) snprintf(why, n, "%s", strerror(errno));
    else if (!buf) snprintf(why, n, "out of memory");
    else if (got > OS_CFG_MAX_BYTES) snprintf(why, n, "is larger than %zu MiB", OS_CFG_MAX_BYTES >> 20);
    close(fd);
    if (r < 0 || !buf || got > OS_CFG_MAX_BYTES) {
        free(buf);
        return -1;
    }
    buf[got] = 0;
    *text = buf;
    *len = got;
    return 0;
}
