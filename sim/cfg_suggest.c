/* cfg_suggest.c - "did you mean" for unknown configuration keys. */
#include "config.h"

#include <stdlib.h>
#include <string.h>


/* Optimal string alignment distance (Levenshtein plus adjacent swaps, so
 * "agnets" is one edit from "agents"). */
static size_t osa(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    size_t *d = malloc((la + 1) * (lb + 1) * sizeof *d);
    if (!d) return (size_t)-1;
#define D(i, j) d[(i) * (lb + 1) + (j)]
    for (size_t i = 0; i <= la; i++) D(i, 0) = i;
    for (size_t j = 0; j <= lb; j++) D(0, j) = j;
    for (size_t i = 1; i <= la; i++)
        for (size_t j = 1; j <= lb; j++) {
            size_t cost = a[i - 1] != b[j - 1];
            size_t v = D(i - 1, j) + 1;
            if (D(i, j - 1) + 1 < v) v = D(i, j - 1) + 1;
            if (D(i - 1, j - 1) + cost < v) v = D(i - 1, j - 1) + cost;
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] && D(i - 2, j - 2) + 1 < v)
                v = D(i - 2, j - 2) + 1;
            D(i, j) = v;
        }
    size_t r = D(la, lb);
#undef D
    free(d);
    return r;
}

static const char *last(const char *k)
{
    const char *dot = strrchr(k, '.');
    return dot ? dot + 1 : k;
}

/* The candidate nearest KEY: by the whole dotted path, or by the last
 * component alone (a key put under the wrong parent), whichever is closer;
 * ties go to the closer whole path.  NULL when nothing is close. */
const char *os_cfg_suggest(const char *key, const char *const *cands, size_t n)
{
    const char *best = NULL;
    size_t bs = (size_t)-1, bf = (size_t)-1;
    size_t kl = strlen(last(key));
    if (strlen(key) > 1024) return NULL;   /* the distance costs len x len */
    for (size_t i = 0; i < n; i++) {
        size_t full = osa(key, cands[i]);
        size_t tail = osa(last(key), last(cands[i]));
        size_t lim = kl / 3 > 2 ? kl / 3 : 2;
        size_t s = full;
        if (tail <= lim && tail + 1 < s) s = tail + 1;
        if (s < bs || (s == bs && full < bf)) {
            best = cands[i];
            bs = s;
            bf = full;
        }
    }
    size_t limit = strlen(key) / 3 > 3 ? strlen(key) / 3 : 3;
    return bs <= limit ? best : NULL;
}
