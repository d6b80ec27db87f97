/* res_report.c - the run summary: throughput, memory, and headline counts for
 * the first and last year of the reference arm. */
#include "res_report.h"

#include "res_cea.h"
#include "model_roles.h"
#include "rng_fill.h"

#include <math.h>

#include <omp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

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
    fprintf(out, "  random blocks    %.2f Philox blocks per agent-year (batched kernel %s)\n",
            st->agent_years > 0 ? (double)st->rng_blocks / st->agent_years : 0.0, os_rng_fill_kernel());
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
    for (int c = 0; c < s->ncols; c++) {   /* the headline columns the modules flagged */
        if (!(s->cols[c].flags & OS_SUM_REPORT)) continue;
        fprintf(out, "  %-26s %16.0f %16.0f %16.0f %16.0f\n", s->cols[c].name,
                year_total(s, c, y0, 0, ref), year_total(s, c, y0, 1, ref),
                year_total(s, c, y1, 0, ref), year_total(s, c, y1, 1, ref));
    }
}

/* Averted counts of the arms table: per kind of event with a column
 * flagged OS_SUM_ARMS, the kind's total, then each flagged site. */
typedef struct averted {
    int n;
    char head[OS_MAX_SUMMARY_COLS][64];
    int ncols[OS_MAX_SUMMARY_COLS], idx[OS_MAX_SUMMARY_COLS][OS_MAX_SUMMARY_COLS];
} averted;

static void averted_of(averted *v, const os_summary *s)
{
    int first[OS_MAX_SUMMARY_COLS], nk = os_roles_kinds(s->cols, s->ncols, first);
    v->n = 0;
    for (int i = 0; i < nk; i++) {
        int idx[OS_MAX_SUMMARY_COLS], n = os_roles_kind_cols(s->cols, s->ncols, first[i], idx, NULL), any = 0;
        for (int j = 0; j < n; j++) any |= (s->cols[idx[j]].flags & OS_SUM_ARMS) != 0;
        if (!any) continue;
        const os_summary_col *k = &s->cols[first[i]];
        snprintf(v->head[v->n], sizeof v->head[0], "%s averted", k->abbrev[0] ? k->abbrev : k->label);
        v->ncols[v->n] = n;
        memcpy(v->idx[v->n++], idx, (size_t)n * sizeof idx[0]);
        for (int j = 0; j < n && n > 1; j++) {
            const os_summary_col *c = &s->cols[idx[j]];
            if (!(c->flags & OS_SUM_ARMS) || v->n == OS_MAX_SUMMARY_COLS) continue;
            snprintf(v->head[v->n], sizeof v->head[0], "%s averted", c->site[0] ? c->site : c->name);
            v->ncols[v->n] = 1;
            v->idx[v->n++][0] = idx[j];
        }
    }
}

static double sum_of(const double *t, const int *idx, int n)
{
    double x = 0;
    for (int j = 0; j < n; j++) x += t[idx[j]];
    return x;
}

void os_report_arms(FILE *out, const os_cfg *cfg, const os_summary *s, const char *horizon)
{
    os_arms arms;
    os_engine_arms(cfg, &arms);
    if (arms.n < 2) return;
    /* Large (hundreds of KiB): on the heap, not the stack. */
    os_cea *c = malloc(sizeof *c);
    averted *v = malloc(sizeof *v);
    if (!c || !v) {
        fputs("  arms report: out of memory\n", out);
        free(c);
        free(v);
        return;
    }
    os_cea_setup(c, s, &arms);
    averted_of(v, s);
    int y0 = (int)os_cfg_int(cfg, "run.start_year"), y1 = (int)os_cfg_int(cfg, "run.end_year");
    char span[160];
    if (horizon) snprintf(span, sizeof span, "%s", horizon);
    else snprintf(span, sizeof span, "%d-%d", y0, y1);
    const char *money = os_roles_units(s->cols, s->ncols, OS_ROLE_COST);
    const char *effect = os_roles_units(s->cols, s->ncols, OS_ROLE_UTILITY);
    char gained[64];
    snprintf(gained, sizeof gained, "%ss gained", effect);
    fprintf(out, "  arms against %s, %s (costs and %ss discounted; %s):\n", arms.names[c->ref], span, effect,
            money);
    fprintf(out, "  %-24s", "arm");
    for (int i = 0; i < v->n; i++) fprintf(out, " %12.12s", v->head[i]);
    fprintf(out, " %14s %14s %14s %10s\n", gained, "incr. cost", "ICER", "dominance");
    static const char *const dom[] = {"", "dominant", "dominated", "reference"};
    for (int a = 0; a < c->narms; a++) {
        char icer[32];
        if (isnan(c->icer[a])) snprintf(icer, sizeof icer, "-");
        else snprintf(icer, sizeof icer, "%.0f", c->icer[a]);
        fprintf(out, "  %-24s", arms.names[a]);
        for (int i = 0; i < v->n; i++)
            fprintf(out, " %12.0f", sum_of(c->tot[c->ref], v->idx[i], v->ncols[i]) - sum_of(c->tot[a], v->idx[i], v->ncols[i]));
        fprintf(out, " %14.0f %14.4g %14s %10s\n", c->d_effect[a], c->d_cost[a], icer, dom[c->dominance[a]]);
    }
    for (int w = 0; w < c->nwtp; w++) {
        fprintf(out, "  net monetary benefit at %.0f %s/%s:", c->wtp[w], money, effect);
        for (int a = 0; a < c->narms; a++) fprintf(out, " %s %.4g;", arms.names[a], c->nmb[a][w]);
        fprintf(out, "\n");
    }
    free(c);
    free(v);
}
