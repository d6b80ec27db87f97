/* events.h - codes and labels of the per-event log (/events/), the
 * prior-fracture flags shared by the event models, and the small pure
 * functions of the event and economics models (exported for the tests).
 *
 * os_event_log(c, id, year, type, site): TYPE is an OS_EV_* code, SITE an
 * OS_SITE_* code.  The labels below are written as attributes of /events/.
 */
#ifndef OS_EVENTS_H
#define OS_EVENTS_H

#include <stdint.h>

#include "model.h"

/* A vertebral deformity that does not come to clinical attention is logged
 * as OS_EV_VERT_DEFORMITY; a clinical one as a vertebral OS_EV_FRACTURE. */
enum {
    OS_EV_FALL = 0, OS_EV_FRACTURE, OS_EV_HOSPITAL, OS_EV_DEATH, OS_EV_VERT_DEFORMITY,
    OS_EV_NTYPES
};

/* Fracture sites; also the site of a hospital stay (OS_SITE_OTHER_CAUSE for
 * stays not caused by a fracture) and of a fall (OS_SITE_NONE). */
enum {
    OS_SITE_HIP = 0, OS_SITE_VERTEBRAL, OS_SITE_WRIST, OS_SITE_OTHER,
    OS_SITE_NONE, OS_SITE_OTHER_CAUSE, OS_SITE_NCODES
};
#define OS_NFX_SITES 4

/* Labels of the codes above, written as the `labels` attributes of
 * /events/type and /events/site; keep them in step with the enums. */
#define OS_EVENT_TYPE_LABELS "0=fall,1=fracture,2=hospital_stay,3=death,4=vertebral_deformity"
#define OS_EVENT_SITE_LABELS \
    "0=hip,1=vertebral,2=wrist,3=other_major,4=none,5=other_cause"

/* u8 column "fx_flags": bit s = clinical fracture at site s during this
 * year's step; bit 4+s = ever (before this year or in it). */
#define OS_FX_THIS_YEAR(s) ((uint8_t)(1u << (s)))
#define OS_FX_EVER(s) ((uint8_t)(1u << (4 + (s))))
#define OS_FX_THIS_YEAR_ANY 0x0Fu
#define OS_FX_EVER_ANY 0xF0u
/* u8 column "fx_years": years since the last fracture or vertebral
 * deformity (1 = last year), saturating at 255; meaningless when no
 * OS_FX_EVER bit is set and "vert_deformities" is 0. */

/* Relative risk of a new fracture T years after the last one (T >= 1):
 * log-linear from RR1 at 1 year to RR10 at 10 years, RR10 after. */
double os_prior_fracture_rr(int t, double rr1, double rr10);

/* Discount factor for YEAR with discounting from START_YEAR at RATE
 * (costs and QALYs of year START_YEAR + t are divided by (1 + RATE)^t). */
double os_discount_factor(double rate, int start_year, int year);

/* Steady-state probability that an agent of SEX, AGE, GRIP and GAIT fell in
 * a year, under the falls model's two-state chain (FALLS is the falls
 * module's state, os_model_state(m, "falls")). */
double os_falls_steady_prob(const void *falls, int sex, double age,
                            float grip, float gait);

/* A FRAX-like (not FRAX) 10-year probability of a first clinical fracture
 * at the sites of SITES (bit k: site k; vertebral: clinical ones) for an
 * agent of SEX and AGE with today's BMD, GRIP and GAIT held constant, the
 * last fracture PRIOR_YEARS ago (0: none), and Q_DEATH[t] the competing
 * probability of death in year t: the model's own site hazards, fall
 * probability and prior-fracture risk, aged forward year by year
 * (FRACTURES: os_model_state(m, "fractures")). */
double os_fx_prob10(const void *fractures, unsigned sites, int sex, double age, float bmd, float grip,
                    float gait, int prior_years, const double q_death[10]);

#endif
