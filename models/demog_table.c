/* demog_table.c - reading and validating the demography tables
 * `year,sex,age,value` (docs/demography.md, "Table format").
 *
 * A wrong table must never run: the population table given as the death
 * rates kills everyone in a year, a missing age group makes the population
 * silently short, a table for other years extrapolates rates decades away.
 * So every problem is one line naming the file (and line where there is
 * one) and the column: "PATH:LINE: column X: what is wrong".
 *
 * Accepted: a leading UTF-8 byte-order mark (spreadsheets write one; it is
 * dropped), CRLF line ends, spaces around fields, '#' comment lines and
 * blank lines.  Refused with a reason: directories and other non-regular
 * files (a FIFO would block), NUL bytes, CR-only line ends, bad fields.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "demography.h"

#define MAX_LINE 1024
#define MAX_FILE (64 << 20)
#define HEADER "year,sex,age,value"

typedef struct row { int year, sex, age, line; double value; } row;

static const char *const col_name[4] = {"year", "sex", "age", "value"};
static const char *const sex_name[2] = {"female", "male"};

/* S as printable ASCII for a message: at most 40 characters, anything else
 * as \xNN, so an error never carries an invisible character. */
static const char *shown(const char *s, char *out, size_t n)
{
    size_t k = 0;
    for (int i = 0; s[i] && k + 5 < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (i == 40) { memcpy(out + k, "...", 3); k += 3; break; }
        if (c >= 0x20 && c < 0x7f) out[k++] = (char)c;
        else k += (size_t)snprintf(out + k, n - k, "\\x%02x", c);
    }
    out[k] = 0;
    return out;
}

static char *trim(char *s)
{
    while (*s == ' ' || *s == '\t') s++;
    size_t n = strlen(s);
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t')) s[--n] = 0;
    return s;
}

/* Splits LINE at commas into at most MAX trimmed fields; returns the count
 * (MAX + 1 when there are more). */
static int split(char *line, char **f, int max)
{
    int nf = 0;
    char *p = line;
    for (;;) {
        char *c = strchr(p, ',');
        if (c) *c = 0;
        if (nf == max) return max + 1;
        f[nf++] = trim(p);
        if (!c) return nf;
        p = c + 1;
    }
}

static int parse_int(const char *s, long lo, long hi, int *out)
{
    char *end;
    errno = 0;
    long x = strtol(s, &end, 10);
    if (end == s || *end || errno || x < lo || x > hi) return -1;
    *out = (int)x;
    return 0;
}

static int header_error(const char *path, int line, char *buf, os_err *err)
{
    char show[256], copy[MAX_LINE];
    shown(buf, show, sizeof show);
    snprintf(copy, sizeof copy, "%s", buf);
    char *f[8];
    int nf = split(copy, f, 7);
    for (int c = 0; c < 4; c++) {
        int found = 0;
        for (int i = 0; i < nf && i < 7; i++) found |= strcmp(f[i], col_name[c]) == 0;
        if (!found)
            return os_fail(err, OS_ECONFIG, "%s:%d: column %s: missing from the header '%s' "
                           "(expected '" HEADER "'%s)", path, line, col_name[c], show,
                           strstr(buf, "age_group") ? "; convert WPP files with scripts/wpp_to_osteosim.py" : "");
    }
    return os_fail(err, OS_ECONFIG, "%s:%d: header: expected exactly '" HEADER "', got '%s'",
                   path, line, show);
}

/* One data line into R; 0 or the error. */
static int parse_row(const char *path, int line, char *buf, row *r, int sign, os_err *err)
{
    char show[256], *f[4];
    int nf = split(buf, f, 4);
    if (nf != 4)
        return os_fail(err, OS_ECONFIG, "%s:%d: expected 4 fields " HEADER ", got %s%d", path, line,
                       nf > 4 ? "more than " : "", nf > 4 ? 4 : nf);
    if (parse_int(f[0], 1800, 2300, &r->year))
        return os_fail(err, OS_ECONFIG, "%s:%d: column year: '%s' is not a year 1800..2300", path,
                       line, shown(f[0], show, sizeof show));
    if (strcmp(f[1], "female") == 0) r->sex = OS_FEMALE;
    else if (strcmp(f[1], "male") == 0) r->sex = OS_MALE;
    else
        return os_fail(err, OS_ECONFIG, "%s:%d: column sex: '%s' is not female or male", path, line,
                       shown(f[1], show, sizeof show));
    if (parse_int(f[2], 0, OS_DEMOG_MAX_AGE, &r->age))
        return os_fail(err, OS_ECONFIG, "%s:%d: column age: '%s' is not a whole age 0..%d", path,
                       line, shown(f[2], show, sizeof show), OS_DEMOG_MAX_AGE);
    char *end;
    r->value = strtod(f[3], &end);
    if (end == f[3] || *end || !isfinite(r->value))
        return os_fail(err, OS_ECONFIG, "%s:%d: column value: '%s' is not a finite number", path,
                       line, shown(f[3], show, sizeof show));
    if (r->value < 0 && !sign)
        return os_fail(err, OS_ECONFIG, "%s:%d: column value: %s is negative", path, line, f[3]);
    r->line = line;
    return OS_OK;
}

/* Reads the lines of F into *ROWS; checks the header. */
static int read_rows(FILE *f, const char *path, row **rows, size_t *n, int *last, int sign,
                     os_err *err)
{
    char *buf = NULL;
    size_t bcap = 0, cap = 0;
    ssize_t len;
    int line = 0, header = 0, rc = OS_OK;
    *rows = NULL;
    *n = 0;
    while (rc == OS_OK && (len = getline(&buf, &bcap, f)) >= 0) {
        line++;
        char *s = buf;
        if (line == 1 && len >= 3 && memcmp(s, "\xef\xbb\xbf", 3) == 0) s += 3, len -= 3;
        if (memchr(s, 0, (size_t)len)) {
            rc = os_fail(err, OS_ECONFIG, "%s:%d: NUL byte: not a text table (UTF-16? save it as UTF-8)", path, line);
            break;
        }
        while (len && (s[len - 1] == '\n' || s[len - 1] == '\r' || s[len - 1] == ' ')) s[--len] = 0;
        if (strchr(s, '\r')) {
            rc = os_fail(err, OS_ECONFIG, "%s:%d: carriage return inside a line (CR-only line ends?); "
                         "use LF or CRLF", path, line);
            break;
        }
        if (len > MAX_LINE) {
            rc = os_fail(err, OS_ECONFIG, "%s:%d: line longer than %d characters", path, line, MAX_LINE);
            break;
        }
        if (len == 0 || s[0] == '#') continue;
        if (!header) {
            if (strcmp(s, HEADER) != 0) { rc = header_error(path, line, s, err); break; }
            header = line;
            continue;
        }
        if (*n == cap) {
            cap = cap ? 2 * cap : 256;
            row *q = realloc(*rows, cap * sizeof *q);
            if (!q) { rc = os_fail(err, OS_ERUN, "%s: out of memory", path); break; }
            *rows = q;
        }
        if ((rc = parse_row(path, line, s, &(*rows)[*n], sign, err)) == OS_OK) (*n)++;
    }
    free(buf);
    if (rc == OS_OK && ferror(f)) rc = os_fail(err, OS_ECONFIG, "%s: read error: %s", path, strerror(errno));
    if (rc == OS_OK && line == 0) rc = os_fail(err, OS_ECONFIG, "%s: empty file (expected the header '" HEADER "')", path);
    if (rc == OS_OK && !header)
        rc = os_fail(err, OS_ECONFIG, "%s:%d: no header line '" HEADER "'", path, line);
    if (rc == OS_OK && *n == 0)
        rc = os_fail(err, OS_ECONFIG, "%s:%d: no data rows after the header", path, header);
    *last = line;
    return rc;
}

static int cmp_int(const void *a, const void *b)
{
    int x = *(const int *)a, y = *(const int *)b;
    return (x > y) - (x < y);
}

/* Sorted distinct values of ROWS' field at OFFSET into *OUT. */
static int distinct(const row *rows, size_t n, size_t offset, int **out)
{
    int *v = malloc((n ? n : 1) * sizeof *v);
    if (!(*out = v)) return -1;
    for (size_t i = 0; i < n; i++)
        v[i] = *(const int *)((const char *)&rows[i] + offset);
    qsort(v, n, sizeof *v, cmp_int);
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (k == 0 || v[i] != v[k - 1]) v[k++] = v[i];
    return (int)k;
}

static int index_of(const int *v, int n, int x)
{
    const int *p = bsearch(&x, v, (size_t)n, sizeof *v, cmp_int);
    return p ? (int)(p - v) : -1;
}

/* Places the rows in the complete grid years x sexes x ages. */
static int fill_grid(os_demog_table *t, const row *rows, size_t n, os_err *err)
{
    const char *path = t->path;
    t->ny = distinct(rows, n, offsetof(row, year), &t->years);
    t->na = distinct(rows, n, offsetof(row, age), &t->ages);
    size_t cells = t->ny < 0 || t->na < 0 ? 0 : (size_t)t->ny * 2 * (size_t)t->na;
    t->v = malloc((cells ? cells : 1) * sizeof *t->v);
    t->line = calloc(cells ? cells : 1, sizeof *t->line);
    if (!cells || !t->v || !t->line) return os_fail(err, OS_ERUN, "%s: out of memory", path);
    for (size_t i = 0; i < n; i++) {
        const row *r = &rows[i];
        size_t k = ((size_t)index_of(t->years, t->ny, r->year) * 2 + (size_t)r->sex) * (size_t)t->na +
                   (size_t)index_of(t->ages, t->na, r->age);
        if (t->line[k])
            return os_fail(err, OS_ECONFIG, "%s:%d: duplicate row for year %d, %s, age %d (first at line %d)",
                           path, r->line, r->year, sex_name[r->sex], r->age, t->line[k]);
        t->line[k] = r->line;
        t->v[k] = r->value;
    }
    for (size_t k = 0; k < cells; k++)
        if (!t->line[k]) {
            size_t ai = k % (size_t)t->na, s = (k / (size_t)t->na) % 2, yi = k / (2 * (size_t)t->na);
            return os_fail(err, OS_ECONFIG, "%s: table incomplete: no row for year %d, %s, age %d "
                           "(every year x sex x age group must be present once)",
                           path, t->years[yi], sex_name[s], t->ages[ai]);
        }
    return OS_OK;
}

/* Missing groups or years leave no row at all, so the grid is complete but
 * short: steps must be even (age groups after the abridged 0 and 1-4). */
static int check_steps(const os_demog_table *t, os_err *err)
{
    for (int i = t->na - 3; i >= 0; i--) {
        int step = t->ages[i + 1] - t->ages[i], want = t->ages[t->na - 1] - t->ages[t->na - 2];
        if (t->ages[i] >= 5 && step != want)
            return os_fail(err, OS_ECONFIG, "%s: column age: groups %d and %d are %d years apart, the "
                           "others %d: is an age group missing?", t->path, t->ages[i], t->ages[i + 1],
                           step, want);
    }
    for (int i = 0; i + 2 < t->ny; i++) {
        int step = t->years[i + 1] - t->years[i], next = t->years[i + 2] - t->years[i + 1];
        if (step != next)
            return os_fail(err, OS_ECONFIG, "%s: column year: years %d, %d, %d are unevenly spaced: "
                           "is a year missing?", t->path, t->years[i], t->years[i + 1], t->years[i + 2]);
    }
    return OS_OK;
}

void os_demog_table_free(os_demog_table *t)
{
    free(t->years);
    free(t->ages);
    free(t->v);
    free(t->line);
    memset(t, 0, sizeof *t);
}

/* SIGN: values may be negative (net migration). */
static int table_read(os_demog_table *t, const char *path, int sign, os_err *err)
{
    memset(t, 0, sizeof *t);
    snprintf(t->path, sizeof t->path, "%s", path);
    struct stat st;
    if (stat(path, &st) != 0)
        return os_fail(err, OS_ECONFIG, "%s: cannot open: %s", path, strerror(errno));
    if (S_ISDIR(st.st_mode))
        return os_fail(err, OS_ECONFIG, "%s: is a directory, not a table file", path);
    if (!S_ISREG(st.st_mode))
        return os_fail(err, OS_ECONFIG, "%s: not a regular file", path);
    /* Real tables are well under a megabyte; never read a huge file whole. */
    if (st.st_size > MAX_FILE)
        return os_fail(err, OS_ECONFIG, "%s: %lld bytes is too large for a demography table (at most %d)",
                       path, (long long)st.st_size, MAX_FILE);
    FILE *f = fopen(path, "r");
    if (!f) return os_fail(err, OS_ECONFIG, "%s: cannot open: %s", path, strerror(errno));
    row *rows;
    size_t n;
    int last;
    int rc = read_rows(f, path, &rows, &n, &last, sign, err);
    fclose(f);
    if (rc == OS_OK) rc = fill_grid(t, rows, n, err);
    if (rc == OS_OK) rc = check_steps(t, err);
    free(rows);
    if (rc) os_demog_table_free(t), snprintf(t->path, sizeof t->path, "%s", path);
    return rc;
}

int os_demog_table_read(os_demog_table *t, const char *path, os_err *err)
{
    return table_read(t, path, 0, err);
}

int os_demog_table_read_signed(os_demog_table *t, const char *path, os_err *err)
{
    return table_read(t, path, 1, err);
}

int os_demog_table_check(const os_demog_table *t, os_demog_kind kind, os_err *err)
{
    size_t cells = (size_t)t->ny * 2 * (size_t)t->na;
    int all_small = 1;
    for (size_t k = 0; k < cells; k++) all_small &= t->v[k] <= 5.0;
    for (size_t k = 0; k < cells; k++) {
        double v = t->v[k];
        if (kind == OS_TABLE_POPULATION && (v != floor(v) || v > 4294967295.0))
            return os_fail(err, OS_ECONFIG, "%s:%d: column value: %.10g is not a whole number of persons "
                           "below 2^32%s", t->path, t->line[k], v,
                           all_small ? " (is this the death-rate table?)" : "");
        if (kind == OS_TABLE_MORTALITY && !(v > 0 && v <= 5.0))
            return os_fail(err, OS_ECONFIG, "%s:%d: column value: death rate %.10g is outside (0, 5] "
                           "per person-year%s", t->path, t->line[k], v,
                           v > 5 && v == floor(v) ? " (is this the population table?)" : "");
    }
    return OS_OK;
}

/* Period length of table year YI (the last as long as the one before). */
static int period(const os_demog_table *t, int yi)
{
    if (yi + 1 < t->ny) return t->years[yi + 1] - t->years[yi];
    return t->ny > 1 ? t->years[yi] - t->years[yi - 1] : 5;
}

int os_demog_table_last(const os_demog_table *t, os_demog_kind kind)
{
    int last = t->years[t->ny - 1];
    return kind == OS_TABLE_POPULATION ? last : last + period(t, t->ny - 1) - 1;
}

void os_demog_table_interp(const os_demog_table *t, int year, double *out)
{
    int i = 0;
    while (i + 1 < t->ny && t->years[i + 1] <= year) i++;
    int j = i + 1 < t->ny && t->years[i] < year ? i + 1 : i;
    double w = j == i ? 0.0 : (double)(year - t->years[i]) / (t->years[j] - t->years[i]);
    for (int s = 0; s < 2; s++)
        for (int ai = 0; ai < t->na; ai++) {
            double a = os_demog_table_at(t, i, s, ai), b = os_demog_table_at(t, j, s, ai);
            /* At a table year: the value itself, unrounded arithmetic aside. */
            double v = j == i ? a : a > 0 && b > 0 ? exp((1 - w) * log(a) + w * log(b))
                                                   : a + w * (b - a);
            out[s * t->na + ai] = j == i ? a : floor(v + 0.5);
        }
}

int os_demog_table_covers(const os_demog_table *t, os_demog_kind kind, int start, int end,
                          int extrap, os_err *err)
{
    int first = t->years[0], last = t->years[t->ny - 1];
    if (kind == OS_TABLE_POPULATION) {
        if (start < first || start > last)
            return os_fail(err, OS_ECONFIG, "%s: column year: no table for run.start_year %d: "
                           "the population tables cover %d..%d (a start between table years is interpolated)",
                           t->path, start, first, last);
        if (end > last && !extrap)
            return os_fail(err, OS_ECONFIG, "%s: column year: tables end at %d; the entrants up to "
                           "run.end_year %d need a table for %d or later", t->path, last, end, end);
        return OS_OK;
    }
    int stop = os_demog_table_last(t, kind);
    if (first > start || stop < start || (stop < end && !extrap))
        return os_fail(err, OS_ECONFIG, "%s: column year: death rates for %d..%d do not cover the run "
                       "years %d..%d (run.start_year, run.end_year)%s", t->path, first, stop, start,
                       end, stop < start ? ": no death rates to extrapolate from" : "");
    if (t->ages[0] > OS_DEMOG_ENTRY_AGE)
        return os_fail(err, OS_ECONFIG, "%s: column age: the first age group starts at %d; death rates "
                       "are needed from age %d", t->path, t->ages[0], OS_DEMOG_ENTRY_AGE);
    return OS_OK;
}
