/* iv_adverse.h - adverse events of programmes (models/iv_adverse.c):
 * the keys of one event, under programmes.<name>.adverse.<event>
 * (docs/programmes.md#adverse-events), and whether any can kill.
 *
 * An event strikes with probability `rate` in each year on the
 * programme; it costs `cost` and `disutility` QALYs, multiplies the
 * person's hazard of death in that year by `mortality_hr`, may stop the
 * programme, and with probability `case_fatality` is itself fatal: the
 * interventions module flags the person in the u8 column iv_ae_death and
 * the mortality module ends the life in the same year, counted in
 * `deaths` (and in adverse_event_deaths).  The flag column exists only in
 * arms with such a programme, the summary column only when some arm lists
 * one, so configurations without one run exactly as before.
 */
#ifndef OS_IV_ADVERSE_H
#define OS_IV_ADVERSE_H

#include "config.h"

#define IV_MAX_AE 8

typedef struct iv_ae {
    double rate, cost, disutility, mortality_hr, case_fatality;
    int stops;
} iv_ae;

extern const os_param_spec iv_ae_params[];
extern const size_t iv_ae_nparams;
extern const os_field iv_ae_fields[];
extern const size_t iv_ae_nfields;

/* 1 if an adverse event of the programme at PREFIX ("programmes.<name>";
 * NULL: of any programme of CFG) has a case fatality above zero. */
int iv_adverse_any_fatal(const os_cfg *cfg, const char *prefix);

#endif
