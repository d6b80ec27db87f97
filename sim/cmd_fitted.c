/* cmd_fitted.c - the parameter file of `osteosim calibrate` (cmd_fitted.h). */
#include "cmd_fitted.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "version.h"

static int seg_cmp(const void *a, const void *b)
{
    const char *x = ((const os_fit_param *)a)->key, *y = ((const os_fit_param *)b)->key;
    for (;;) {
        size_t lx = strcspn(x, "."), ly = strcspn(y, ".");
        size_t l = lx < ly ? lx : ly;
        int d = strncmp(x, y, l);
        if (d) return d;
        if (lx != ly) return lx < ly ? -1 : 1;
        if (!x[lx] || !y[ly]) return x[lx] ? 1 : (y[ly] ? -1 : 0);
        x += lx + 1;
        y += ly + 1;
    }
}

static void write_dist(FILE *f, os_dist d)
{
    static const char *const names[] = {"", "fixed", "normal", "lognormal", "gamma", "beta", "uniform", "triangular"};
    static const char *const fields[][3] = {
        {0}, {0}, {"mean", "sd"}, {"meanlog", "sdlog"}, {"shape", "scale"}, {"a", "b"},
        {"min", "max"}, {"min", "mode", "max"}};
    fprintf(f, "{type: %s", names[d.type]);
    for (int i = 0; i < 3 && fields[d.type][i]; i++) fprintf(f, ", %s: %.10g", fields[d.type][i], d.p[i]);
    fputs("}", f);
}

/* The prior's spread, moved so that its centre is the fitted value V: the
 * uncertainty of a fitted parameter is centred on the fit (PSA draws). */
static os_dist recentre(os_dist d, double v)
{
    switch (d.type) {
    case OS_DIST_NORMAL: d.p[0] = v; break;
    case OS_DIST_LOGNORMAL: if (v > 0) d.p[0] = log(v); break;
    case OS_DIST_GAMMA: if (d.p[0] > 0) d.p[1] = v / d.p[0]; break;
    case OS_DIST_BETA: {
        double n = d.p[0] + d.p[1];
        if (v > 0 && v < 1) { d.p[0] = v * n; d.p[1] = (1 - v) * n; }
        break;
    }
    case OS_DIST_UNIFORM: {
        double shift = v - 0.5 * (d.p[0] + d.p[1]);
        d.p[0] += shift; d.p[1] += shift;
        break;
    }
    case OS_DIST_TRIANGULAR: {
        double shift = v - d.p[1];
        d.p[0] += shift; d.p[1] = v; d.p[2] += shift;
        break;
    }
    default: break;
    }
    return d;
}

/* Order of the file: keys sorted by segment, values and dists alongside. */
typedef struct entry {
    os_fit_param key;
    double value;
    os_dist dist;
} entry;

static int entry_cmp(const void *a, const void *b)
{
    return seg_cmp(&((const entry *)a)->key, &((const entry *)b)->key);
}

int os_fitted_write_values(const os_cfg *cfg, const os_fit_param *params, size_t n, const double *values,
                           const os_dist *dists, const char *header, const char *source, const char *out,
                           os_err *err)
{
    entry *keys = malloc((n ? n : 1) * sizeof *keys);
    if (!keys) return os_fail(err, OS_ERUN, "out of memory");
    for (size_t i = 0; i < n; i++) keys[i] = (entry){params[i], values[i], dists[i]};
    qsort(keys, n, sizeof *keys, entry_cmp);
    /* Written under a temporary name and renamed when complete, so a failed
     * write never leaves a half-finished parameter file at OUT. */
    char tmp[4096];
    snprintf(tmp, sizeof tmp, "%s.tmp.%ld", out, (long)getpid());
    FILE *f = fopen(tmp, "w");
    if (!f) {
        free(keys);
        return os_fail(err, OS_ERUN, "%s: cannot write fitted parameters: %s", out, strerror(errno));
    }
    errno = 0;
    fputs(header, f);
    const char *prev = "";
    for (size_t i = 0; i < n; i++) {
        const char *k = keys[i].key.key;
        /* Shared leading segments with the previous key are not repeated. */
        int depth = 0;
        const char *a = k, *b = prev;
        for (;;) {
            size_t la = strcspn(a, "."), lb = strcspn(b, ".");
            if (!a[la] || !b[lb] || la != lb || strncmp(a, b, la)) break;
            a += la + 1;
            b += lb + 1;
            depth++;
        }
        while (*a) {
            size_t l = strcspn(a, ".");
            fprintf(f, "%*s%.*s:\n", 2 * depth, "", (int)l, a);
            depth++;
            a += l + (a[l] ? 1 : 0);
        }
        const char *unit = os_cfg_unit(cfg, k);
        fprintf(f, "%*svalue: %.9g\n", 2 * depth, "", keys[i].value);
        if (unit && *unit) fprintf(f, "%*sunit: \"%s\"\n", 2 * depth, "", unit);
        os_dist d = keys[i].dist;
        if (d.type != OS_DIST_NONE) {
            fprintf(f, "%*sdist: ", 2 * depth, "");
            write_dist(f, d);
            fputc('\n', f);
        }
        fprintf(f, "%*ssource: \"%s\"\n", 2 * depth, "", source);
        prev = k;
    }
    free(keys);
    int bad = ferror(f), e = errno;  /* a failed write's errno (0 before the writes) */
    if (fclose(f) != 0 || bad) {
        e = !bad ? errno : e ? e : EIO;
        remove(tmp);
        return os_fail(err, OS_ERUN, "%s: write failed: %s", out, strerror(e));
    }
    if (rename(tmp, out) != 0) {
        e = errno;
        remove(tmp);
        return os_fail(err, OS_ERUN, "%s: cannot rename the finished file into place: %s", out,
                       strerror(e));
    }
    return OS_OK;
}

int os_fitted_write(const os_cfg *cfg, const os_targets *tg, int evals, double obj,
                    const char *out, const char *targets_path, os_err *err)
{
    size_t n = tg->nfit;
    double *v = malloc((n ? n : 1) * sizeof *v);
    os_dist *d = malloc((n ? n : 1) * sizeof *d);
    if (!v || !d) {
        free(v);
        free(d);
        return os_fail(err, OS_ERUN, "out of memory");
    }
    for (size_t i = 0; i < n; i++) {
        v[i] = os_cfg_real(cfg, tg->fit[i].key);
        d[i] = recentre(os_cfg_dist(cfg, tg->fit[i].key), v[i]);
    }
    char date[32], header[2048], source[1400];
    time_t now = time(NULL);
    strftime(date, sizeof date, "%Y-%m-%d", gmtime(&now));
    snprintf(header, sizeof header,
             "# Written by osteosim %s calibrate on %s: fitted to %s\n"
             "# (objective %.6g after %d evaluations).  Include after the\n"
             "# files that hold these keys' original values.\n",
             OS_VERSION, date, targets_path, obj, evals);
    snprintf(source, sizeof source,
             "fitted by osteosim calibrate to %s on %s; dist: the prior's spread centred on the fit", targets_path, date);
    int rc = os_fitted_write_values(cfg, tg->fit, n, v, d, header, source, out, err);
    free(v);
    free(d);
    return rc;
}
