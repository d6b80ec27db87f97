/* report.c - the run summary: throughput, memory, and headline counts for
 * the first and last year of the reference arm. */
#include "report.h"

#include "cea.h"

#include <math.h>

#include <omp.h>
#include <string.h>
#include <sys/resource.h>

/* Headline columns, printed when a model registered them. */
static const char *const headline[] = {
    "population", "osteoporosis", "sarcopenia_ewgsop2", "sarcopenia_awgs2019",
    "osteosarcopenia_ewgsop2", "osteosarcopenia_awgs2019", "falls",
    "fractures_hip", "fractures_vertebral", "fractures_wrist", "fractures_other",
    "deaths", "cost", "qaly",
};

static double year_total(const os_summary *s, int col, int year, int sex, int arm)
{
    double t = 0;
    for (size_t r = 0; r < s->nrows; r++)
        if (s->year[r] == year && s->arm[r] == arm && (sex < 0 || s->sex[r] == sex))
            t += s->values[r * (size_t)s->ncols + col];
    return t;
}

void os_report_run(FILE *out, const os_cfg *cfg, const os_summary *s,
                   const os_run_stats *st, const char *output, int nthreads)
{
    int y0 = (int)os_cfg_int(cfg, "run.start_year"), y1 = (int)os_cfg_int(cfg, "run.end_year");
    int nt = nthreads > 0 ? nthreads : (int)os_cfg_int(cfg, "run.threads");
    if (nt <= 0) nt = omp_get_max_threads();
    double rate = st->wall_seconds > 0 ? st->agent_years / st->wall_seconds : 0;
    fprintf(out, "osteosim: scenario %s, seed %llu, %d-%d\n", os_cfg_str(cfg, "scenario.name"),
            (unsigned long long)(uint64_t)os_cfg_int(cfg, "run.seed"), y0, y1);
    const char *desc = os_cfg_str(cfg, "scenario.description");
    if (desc && *desc) fprintf(out, "  %s\n", desc);
    fprintf(out, "  agent-years      %.4g in %.3f s: %.4g agent-years/s (%d threads, %.4g per thread)\n",
            st->agent_years, st->wall_seconds, rate, nt, rate / nt);
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    fprintf(out, "  bytes per agent  %zu (population store row); peak agents %zu; peak RSS %.1f MiB\n",
            st->bytes_per_agent, st->peak_agents, (double)ru.ru_maxrss / 1024.0);
    fprintf(out, "  random blocks    %.2f Philox blocks per agent-year\n",
            st->agent_years > 0 ? (double)st->rng_blocks / st->agent_years : 0.0);
    fprintf(out, "  output           %s\n", output ? output : "(none)");
    os_arms arms;
    os_engine_arms(cfg, &arms);
    int ref = arms.ref;
    char h[4][32];
    snprintf(h[0], sizeof h[0], "women %d", y0);
    snprintf(h[1], sizeof h[1], "men %d", y0);
    snprintf(h[2], sizeof h[2], "women %d", y1);
    snprintf(h[3], sizeof h[3], "men %d", y1);
    fprintf(out, "  %-26s %16s %16s %16s %16s\n", "reference arm, ages 50+", h[0], h[1], h[2], h[3]);
    for (size_t k = 0; k < sizeof headline / sizeof headline[0]; k++) {
        int c = os_summary_find(s, headline[k]);
        if (c < 0) continue;
        fprintf(out, "  %-26s %16.0f %16.0f %16.0f %16.0f\n", headline[k],
                year_total(s, c, y0, 0, ref), year_total(s, c, y0, 1, ref),
                year_total(s, c, y1, 0, ref), year_total(s, c, y1, 1, ref));
    }
}

void os_report_arms(FILE *out, const os_cfg *cfg, const os_summary *s)
{
    os_arms arms;
    os_engine_arms(cfg, &arms);
    if (arms.n < 2) return;
    static os_cea c;   /* large; the report runs once per process */
    memset(&c, 0, sizeof c);
    c.narms = arms.n;
    c.ref = arms.ref;
    c.nwtp = os_cea_wtp(cfg, c.wtp, OS_CEA_MAX_WTP);
    os_cea_totals(s, c.narms, c.tot, &c.population0);
    os_cea_compare(&c);
    int y0 = (int)os_cfg_int(cfg, "run.start_year"), y1 = (int)os_cfg_int(cfg, "run.end_year");
    const char *money = os_cfg_has(cfg, "economics.currency") ? os_cfg_str(cfg, "economics.currency") : "";
    fprintf(out, "  arms against %s, %d-%d (costs and QALYs discounted; %s):\n", arms.names[c.ref], y0, y1,
            money);
    fprintf(out, "  %-24s %12s %12s %12s %14s %14s %14s %10s\n", "arm", "fx averted", "hip averted",
            "deaths avert", "QALYs gained", "incr. cost", "ICER", "dominance");
    static const char *const dom[] = {"", "dominant", "dominated", "reference"};
    for (int a = 0; a < c.narms; a++) {
        const double *t = c.tot[a], *r = c.tot[c.ref];
        double fx = (r[OS_CEA_FX_HIP] + r[OS_CEA_FX_VERTEBRAL] + r[OS_CEA_FX_WRIST] + r[OS_CEA_FX_OTHER]) -
                    (t[OS_CEA_FX_HIP] + t[OS_CEA_FX_VERTEBRAL] + t[OS_CEA_FX_WRIST] + t[OS_CEA_FX_OTHER]);
        char icer[32];
        if (isnan(c.icer[a])) snprintf(icer, sizeof icer, "-");
        else snprintf(icer, sizeof icer, "%.0f", c.icer[a]);
        fprintf(out, "  %-24s %12.0f %12.0f %12.0f %14.0f %14.4g %14s %10s\n", arms.names[a], fx,
                r[OS_CEA_FX_HIP] - t[OS_CEA_FX_HIP], r[OS_CEA_DEATHS] - t[OS_CEA_DEATHS], c.d_qaly[a],
                c.d_cost[a], icer, dom[c.dominance[a]]);
    }
    for (int w = 0; w < c.nwtp; w++) {
        fprintf(out, "  net monetary benefit at %.0f %s/QALY:", c.wtp[w], money);
        for (int a = 0; a < c.narms; a++) fprintf(out, " %s %.4g;", arms.names[a], c.nmb[a][w]);
        fprintf(out, "\n");
    }
}
