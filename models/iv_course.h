/* iv_course.h - a programme's course over time: persistence, sequences
 * after another programme, and what stopping does (models/iv_course.c).
 *
 * The keys, under programmes.<name> (docs/programmes.md):
 *   persistence.year_1 .. year_10   share of starters still on it after N
 *                                   years (a persistence curve); beyond the
 *                                   last year given, `discontinuation`
 *   sequence.after, sequence.when   offered only to people who stopped
 *                                   (stopped), are on (on) or were found by
 *                                   the screening of (found) another
 *                                   programme of the same arm, listed before
 *   sequence.rebound_prevented      share of that programme's after-stop
 *                                   rebound prevented while on this one
 *   after_stop.rebound_gain_share   share of the BMD gained on the programme
 *                                   lost over rebound_years after stopping
 *   after_stop.fracture_rr.<site>   rate ratio during rebound_years, beyond
 *                                   the BMD pathway (denosumab's vertebral
 *                                   fractures after stopping)
 */
#ifndef OS_IV_COURSE_H
#define OS_IV_COURSE_H

#include "events.h"
#include "model.h"

#define IV_MAX_PERSIST 10

enum { IV_SEQ_STOPPED = 0, IV_SEQ_ON, IV_SEQ_FOUND };

typedef struct iv_course {
    double persist[IV_MAX_PERSIST];   /* NAN past the curve's last year */
    int npersist;
    const char *after;                /* sequence.after, NULL if none */
    int when;                         /* IV_SEQ_* */
    double prevented;                 /* sequence.rebound_prevented */
    int prev;                         /* index of `after` in the arm, -1 none */
    double gain_share;                /* after_stop.rebound_gain_share */
    double post_fx_rr[OS_NFX_SITES];  /* after_stop.fracture_rr.<site> */
} iv_course;

extern const os_param_spec iv_course_params[];
extern const size_t iv_course_nparams;

/* Reads the course keys under PREFIX ("programmes.<name>") into C and
 * checks that the persistence curve has no gaps. */
int iv_course_read(const os_cfg *cfg, const char *prefix, iv_course *c, os_err *err);

/* Probability of stopping at the end of year YEARS_ON (1, 2, ...) on the
 * programme: 1 - S(t) / S(t - 1) on the persistence curve, DISCONT past it
 * (clamped to [0, 1]: a probabilistic draw may make the curve rise). */
static inline double iv_course_stop_prob(const iv_course *c, double discont, int years_on)
{
    if (years_on < 1 || years_on > c->npersist) return discont;
    double before = years_on == 1 ? 1.0 : c->persist[years_on - 2];
    double q = before > 0.0 ? 1.0 - c->persist[years_on - 1] / before : 1.0;
    return q < 0.0 ? 0.0 : (q > 1.0 ? 1.0 : q);
}

/* The BMD log-change of year YEARS_OFF (1, 2, ...) after stopping, from
 * the fixed rebound REBOUND over REBOUND_YEARS and the share of the gain
 * GAIN made on the programme; 0 after the rebound window. */
static inline double iv_course_rebound(const iv_course *c, double rebound, double rebound_years,
                                       int years_off, double gain)
{
    if (!(years_off <= rebound_years)) return 0.0;
    double r = rebound;
    if (c->gain_share > 0.0 && rebound_years > 0.0) r -= c->gain_share * gain / rebound_years;
    return r;
}

/* The checks of the configured (not drawn) values, at validation: the
 * persistence curve never rises.  A probabilistic draw may make it rise;
 * iv_course_stop_prob clamps then. */
int iv_course_check(const os_cfg *cfg, const char *prefix, os_err *err);

/* Resolves sequence.after of the arm's programme K among NAMES[0..K):
 * sets C->prev, or fails naming the key. */
int iv_course_link(const os_cfg *cfg, const char *const *names, int k, iv_course *c, os_err *err);

#endif
