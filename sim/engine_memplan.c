/* engine_memplan.c - memory estimate of a run and its limit (engine_memplan.h). */
#include "engine_memplan.h"

#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "engine_settings.h"
#include "par.h"

/* Program, libraries, tables, summary and HDF5 caches: measured about
 * 21 MiB for a small run, about 30 MiB per rank with MPI. */
#define FIXED_BYTES (32.0 * 1024 * 1024)
/* The store grows by a quarter when full (pop.c). */
#define GROWTH 1.25

/* ---- the estimate ---- */

void os_model_trial(os_model *m, os_pop *pop, void **states, const os_cfg *cfg,
                    const os_phases *ph, const os_arms *arms, int arm)
{
    os_pop_init(pop);
    memset(m, 0, sizeof *m);
    m->cfg = cfg;
    m->pop = pop;
    m->seed = (uint64_t)os_cfg_int(cfg, "run.seed");
    m->start_year = (int)os_cfg_int(cfg, "run.start_year");
    m->end_year = (int)os_cfg_int(cfg, "run.end_year");
    m->year = m->start_year;
    m->closed = os_settings_closed(cfg);
    m->arm = arm;
    m->arm_name = arms->names[arm];
    m->is_reference = arm == arms->ref;
    m->programmes = arms->programmes[arm];
    m->nprogrammes = arms->nprogrammes[arm];
    m->nthreads = 1;
    m->chunk_size = (size_t)os_cfg_int(cfg, "run.chunk_size");
    m->event_log = os_cfg_bool(cfg, "output.event_log");
    m->modules = ph->modules;
    m->nmodules = ph->n;
    m->states = states;
}

/* Init and check hooks of every module for ARM, without agents. */
static int trial_arm(const os_cfg *cfg, const os_phases *ph, const os_arms *arms, int arm,
                     size_t *row, os_plan *plan, os_err *err)
{
    os_pop pop;
    os_model m;
    void *states[OS_TRIAL_MAX_MODULES] = {0};
    if (ph->n > OS_TRIAL_MAX_MODULES) return os_fail(err, OS_ERUN, "too many modules");
    os_model_trial(&m, &pop, states, cfg, ph, arms, arm);
    memset(plan, 0, sizeof *plan);
    snprintf(plan->agents_hint, sizeof plan->agents_hint, "run.agents");
    int rc = OS_OK;
    if (os_summary_column(&m, "population", "persons", "", err) < 0 ||
        os_summary_column(&m, "agents", "agents", "", err) < 0)
        rc = OS_ERUN;
    for (int i = 0; i < m.nmodules && !rc; i++)
        if (m.modules[i]->init) rc = m.modules[i]->init(&m, &states[i], err);
    if (!rc) rc = os_columns_check(&m, err);
    *row = os_pop_row_bytes(&pop);
    for (int i = 0; i < m.nmodules && !rc; i++)
        if (m.modules[i]->check) rc = m.modules[i]->check(&m, states[i], plan, err);
    for (int i = m.nmodules - 1; i >= 0; i--)
        if (states[i] && m.modules[i]->destroy) m.modules[i]->destroy(states[i]);
    os_pop_free(&pop);
    return rc ? (err->code ? err->code : OS_ERUN) : OS_OK;
}

/* Node-local processes: the ranks that share this machine's memory. */
static int local_ranks(void)
{
    static const char *const vars[] = {"OMPI_COMM_WORLD_LOCAL_SIZE", "MPI_LOCALNRANKS",
                                       "PMI_LOCAL_SIZE"};
    for (size_t i = 0; i < sizeof vars / sizeof vars[0]; i++) {
        const char *v = getenv(vars[i]);
        long n = v ? strtol(v, NULL, 10) : 0;
        if (n >= 1 && n <= 1000000) return (int)n;
    }
    return os_par_size();
}

int os_memplan_make(const os_cfg *cfg, const os_phases *ph, os_memplan *p, os_err *err)
{
    memset(p, 0, sizeof *p);
    os_arms arms;
    os_engine_arms(cfg, &arms);
    for (int a = 0; a < arms.n; a++) {
        size_t row;
        os_plan plan;
        int rc = trial_arm(cfg, ph, &arms, a, &row, &plan, err);
        if (rc) return rc;
        if (a == 0 || plan.peak_agents > p->mod.peak_agents) p->mod = plan;
        if (a == 0 || row > p->row_bytes) {
            p->row_bytes = row;
            snprintf(p->row_arm, sizeof p->row_arm, "%s", arms.names[a]);
        }
    }
    p->nranks = os_par_size();
    /* Each rank holds its part of every block of ids (par.h). */
    p->rows = (p->mod.peak_agents + (uint64_t)p->nranks - 1) / (uint64_t)p->nranks;
    /* Rows with growth slack, one column's old copy while it is moved
     * (realloc), the cohort snapshot's gathered and compressed column, and
     * the event log with its sorted copies (about one event per agent). */
    const long *cy;
    int snapshots = !os_cfg_has(cfg, "output.cohort_years") ||
                    os_cfg_int_list(cfg, "output.cohort_years", &cy) > 0;
    p->per_agent = GROWTH * (double)p->row_bytes + 4.0 * GROWTH + (snapshots ? 8.0 : 0.0) +
                   (os_cfg_bool(cfg, "output.event_log") ? 24.0 : 0.0);
    /* output.async (one process): the background writer's copy of a
     * snapshot, at most a whole row per agent (h5out_async.c). */
    if (snapshots && os_cfg_bool(cfg, "output.async") && p->nranks == 1)
        p->per_agent += GROWTH * (double)p->row_bytes;
    p->bytes = FIXED_BYTES + (double)p->rows * p->per_agent;
    /* The start population kept for the arms after the first: this
     * process's part of it, one row each (no growth slack). */
    uint64_t start_rows = (p->mod.start_agents + (uint64_t)p->nranks - 1) / (uint64_t)p->nranks;
    p->start_bytes = arms.n > 1 ? (double)start_rows * (double)p->row_bytes : 0.0;
    const char *mode = os_cfg_str(cfg, "run.shared_start");
    if (mode && (!strcmp(mode, "on") || !strcmp(mode, "verify"))) p->bytes += p->start_bytes;
    return OS_OK;
}

/* ---- sizes ---- */

static const char *fmt_bytes(double b, char *buf, size_t n)
{
    static const char *const unit[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};
    int u = 0;
    while (b >= 1024 && u < 5) b /= 1024, u++;
    snprintf(buf, n, u ? "%.1f %s" : "%.0f %s", b, unit[u]);
    return buf;
}

int os_memplan_parse_size(const char *s, double *out)
{
    char *end;
    double v = strtod(s, &end);
    if (end == s || !isfinite(v) || v <= 0) return -1;
    while (*end == ' ') end++;
    static const struct { const char *u; double f; } units[] = {
        {"", 1}, {"B", 1}, {"K", 0x1p10}, {"KiB", 0x1p10}, {"KB", 1e3}, {"M", 0x1p20},
        {"MiB", 0x1p20}, {"MB", 1e6}, {"G", 0x1p30}, {"GiB", 0x1p30}, {"GB", 1e9},
        {"T", 0x1p40}, {"TiB", 0x1p40}, {"TB", 1e12}};
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++)
        if (strcmp(end, units[i].u) == 0) {
            *out = floor(v * units[i].f);
            return *out >= 1 ? 0 : -1;
        }
    return -1;
}

/* ---- the limit ---- */

/* A "NAME VALUE kB" line of /proc/meminfo in bytes, or -1. */
static double meminfo(const char *name)
{
    FILE *f = fopen("/proc/meminfo", "r");
    if (!f) return -1;
    char line[256];
    double v = -1;
    size_t n = strlen(name);
    while (fgets(line, sizeof line, f))
        if (!strncmp(line, name, n) && line[n] == ':') {
            v = strtod(line + n + 1, NULL) * 1024.0;
            break;
        }
    fclose(f);
    return v;
}

/* A number in a one-line file ("max" and missing files: -1). */
static double file_number(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f) return -1;
    char buf[64] = "";
    char *ok = fgets(buf, sizeof buf, f);
    fclose(f);
    if (!ok || !isdigit((unsigned char)buf[0])) return -1;
    return strtod(buf, NULL);
}

/* Room left under the memory limits of this process's cgroup and its
 * parents (v2), or of the container's cgroup (v1); -1 if none. */
static double cgroup_room(void)
{
    double room = -1;
    char rel[512] = "", path[600];
    FILE *f = fopen("/proc/self/cgroup", "r");
    if (f) {
        char line[512];
        while (fgets(line, sizeof line, f))
            if (!strncmp(line, "0::", 3)) {
                snprintf(rel, sizeof rel, "%.500s", line + 3);
                rel[strcspn(rel, "\n")] = 0;
            }
        fclose(f);
    }
    for (;;) {
        snprintf(path, sizeof path, "/sys/fs/cgroup%s/memory.max", strcmp(rel, "/") ? rel : "");
        double max = file_number(path);
        snprintf(path, sizeof path, "/sys/fs/cgroup%s/memory.current", strcmp(rel, "/") ? rel : "");
        double cur = file_number(path);
        if (max > 0 && cur >= 0 && (room < 0 || max - cur < room)) room = max - cur;
        char *slash = strrchr(rel, '/');
        if (!slash || slash == rel) break;
        *slash = 0;
    }
    double max = file_number("/sys/fs/cgroup/memory/memory.limit_in_bytes");
    double cur = file_number("/sys/fs/cgroup/memory/memory.usage_in_bytes");
    if (max > 0 && max < 0x1p60 && cur >= 0 && (room < 0 || max - cur < room)) room = max - cur;
    return room;
}

/* Address space left under ulimit -v, or -1. */
static double rlimit_room(void)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_AS, &rl) || rl.rlim_cur == RLIM_INFINITY) return -1;
    FILE *f = fopen("/proc/self/statm", "r");
    unsigned long pages = 0;
    if (f) {
        if (fscanf(f, "%lu", &pages) != 1) pages = 0;
        fclose(f);
    }
    return (double)rl.rlim_cur - (double)pages * (double)sysconf(_SC_PAGESIZE);
}

/* The least of the machine's available memory and this process's limits. */
static double machine_room(char *source, size_t n)
{
    double room = meminfo("MemAvailable");
    snprintf(source, n, "MemAvailable");
    if (room < 0) {
        room = (double)sysconf(_SC_AVPHYS_PAGES) * (double)sysconf(_SC_PAGESIZE);
        snprintf(source, n, "free memory");
    }
    double cg = cgroup_room(), rl = rlimit_room();
    if (cg >= 0 && (room <= 0 || cg < room)) room = cg, snprintf(source, n, "cgroup memory limit");
    if (rl >= 0 && (room <= 0 || rl < room)) room = rl, snprintf(source, n, "ulimit -v");
    return room > 0 ? room : 0;
}

int os_memplan_limit(const os_cfg *cfg, double *limit, char *source, size_t n, os_err *err)
{
    const char *s = os_cfg_str(cfg, "run.max_memory");
    if (s && *s && strcmp(s, "auto") != 0) {
        if (os_memplan_parse_size(s, limit))
            return os_fail(err, OS_ECONFIG, "%s: run.max_memory: '%s' is not a size in bytes like "
                           "8589934592, \"8 GiB\" or \"512MB\" (or auto)",
                           os_cfg_origin(cfg, "run.max_memory"), s);
        snprintf(source, n, "run.max_memory");
        return OS_OK;
    }
    *limit = machine_room(source, n);
    int local = local_ranks();
    if (local > 1) {
        *limit /= local;
        size_t len = strlen(source);
        snprintf(source + len, n - len, " / %d ranks", local);
    }
    /* MPI: the least over the ranks, so that all refuse or none does. */
    if (os_par_size() > 1) *limit = -os_par_max_double(-*limit);
    return OS_OK;
}

/* ---- the verdict ---- */

int os_memplan_fits(const os_cfg *cfg, const os_memplan *p, double limit, const char *source,
                    os_err *err)
{
    if (limit <= 0 || p->bytes <= limit) return OS_OK;
    char need[32], have[32];
    fmt_bytes(p->bytes, need, sizeof need);
    fmt_bytes(limit, have, sizeof have);
    /* Agents stored per process that fit, and the setting that gives them
     * (the count scales with it). */
    double fit_rows = limit > FIXED_BYTES ? floor((limit - FIXED_BYTES) / p->per_agent) : 0;
    double fit_all = fit_rows * p->nranks;
    double fixed = (double)p->mod.peak_fixed, scaled = (double)p->mod.peak_agents - fixed;
    double ratio = scaled > 0 ? (double)p->mod.start_agents / scaled : 0;
    /* 0.1 %: the entrant weight is rounded, so the count is not exactly
     * proportional. */
    double setting = fit_all > fixed ? floor((fit_all - fixed) * ratio * 0.999) : 0;
    char what[256];
    snprintf(what, sizeof what, "about %s per process (up to %llu agents, %zu bytes each in arm %s, plus buffers)", need,
             (unsigned long long)p->rows, p->row_bytes, p->row_arm);
    if (strcmp(source, "run.max_memory") == 0)
        return os_fail(err, OS_ECONFIG, "%s: run.max_memory: %s is less than the run needs, %s: "
                       "about %.0f agents would fit (%s %.0f)", os_cfg_origin(cfg, "run.max_memory"),
                       have, what, fit_all, p->mod.agents_hint, setting);
    return os_fail(err, OS_ECONFIG, "memory: the run needs %s but %s is available (%s): about %.0f "
                   "agents would fit (%s %.0f); run.max_memory overrides the limit", what, have,
                   source, fit_all, p->mod.agents_hint, setting);
}

int os_memplan_start_mode(const os_cfg *cfg, const os_memplan *p, double limit)
{
    const char *mode = os_cfg_str(cfg, "run.shared_start");
    if (!mode || !strcmp(mode, "auto"))
        return limit <= 0 || p->bytes + p->start_bytes <= limit ? OS_START_SHARED : OS_START_SEPARATE;
    if (!strcmp(mode, "on")) return OS_START_SHARED;
    if (!strcmp(mode, "verify")) return OS_START_VERIFY;
    return OS_START_SEPARATE;
}

int os_memplan_check_run(const os_cfg *cfg, const os_phases *ph, int *start_mode, os_err *err)
{
    os_memplan p;
    double limit;
    char source[96];
    int rc = os_memplan_make(cfg, ph, &p, err);
    if (!rc) rc = os_memplan_limit(cfg, &limit, source, sizeof source, err);
    if (!rc) rc = os_memplan_fits(cfg, &p, limit, source, err);
    /* MPI: the limit is the least over the ranks, so all decide alike. */
    if (!rc) *start_mode = os_memplan_start_mode(cfg, &p, limit);
    return rc;
}

void os_memplan_print(FILE *f, const os_cfg *cfg, const os_memplan *p, int start_mode)
{
    char need[32];
    fmt_bytes(p->bytes, need, sizeof need);
    fprintf(f, "# memory estimate: %s per process at most: up to %llu agents stored (the start "
            "population and every entrant, nobody dying%s) x %.1f bytes (%zu bytes per agent in arm "
            "%s, store growth, snapshot and log buffers) + %.0f MiB\n",
            need, (unsigned long long)p->rows, p->nranks > 1 ? ", this rank's part" : "",
            p->per_agent, p->row_bytes, p->row_arm, FIXED_BYTES / 1048576.0);
    if (p->start_bytes > 0) {
        const char *m = os_cfg_str(cfg, "run.shared_start");
        fmt_bytes(p->start_bytes, need, sizeof need);
        int in = m && (!strcmp(m, "on") || !strcmp(m, "verify"));
        fprintf(f, "# shared start population (run.shared_start %s): %s%s: %s\n", m ? m : "auto", need,
                in ? ", included above" : "", start_mode == OS_START_SEPARATE
                ? "not used, every arm builds its own" : "built once, copied to every arm");
    }
    const char *s = os_cfg_str(cfg, "run.max_memory");
    fprintf(f, "# memory limit: %s%s\n", s && *s && strcmp(s, "auto") ? "run.max_memory " : "",
            s && *s && strcmp(s, "auto") ? s
            : "auto (a run refuses to start above the memory available to it: MemAvailable, "
              "cgroup, ulimit -v)");
}
