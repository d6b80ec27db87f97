/* iv_adverse.c - the keys of programmes' adverse events (iv_adverse.h). */
#include "iv_adverse.h"

#include <stdio.h>

const os_param_spec iv_ae_params[] = {
    {"rate", OS_P_REAL, "1/yr", 0, 1, 1, NULL, NULL,
     "yearly probability while on the programme, in excess of placebo"},
    {"cost", OS_P_REAL, "$economics.currency", 0, 1e8, 1, NULL, NULL, "cost per event"},
    {"disutility", OS_P_REAL, "QALY", 0, 1, 1, NULL, NULL, "QALYs lost per event"},
    {"mortality_hr", OS_P_REAL, "1", 0.2, 100, 0, "1", NULL,
     "hazard ratio of death in the year of the event (its excess mortality beyond case_fatality)"},
    {"case_fatality", OS_P_REAL, "1", 0, 1, 0, "0", NULL,
     "probability that the event itself is fatal: the person dies in its year, counted in deaths"},
    {"stops", OS_P_BOOL, NULL, 1.0, 0.0, 0, "false", NULL, "the person stops the programme after the event"},
};
const size_t iv_ae_nparams = sizeof iv_ae_params / sizeof iv_ae_params[0];

const os_field iv_ae_fields[] = {
    OS_FIELD("rate", iv_ae, rate, OS_F_REAL), OS_FIELD("cost", iv_ae, cost, OS_F_REAL),
    OS_FIELD("disutility", iv_ae, disutility, OS_F_REAL),
    OS_FIELD("mortality_hr", iv_ae, mortality_hr, OS_F_REAL),
    OS_FIELD("case_fatality", iv_ae, case_fatality, OS_F_REAL), OS_FIELD("stops", iv_ae, stops, OS_F_BOOL),
};
const size_t iv_ae_nfields = sizeof iv_ae_fields / sizeof iv_ae_fields[0];

/* Whether programme PRE (programmes.<name>) has an event that can kill. */
static int prog_fatal(const os_cfg *cfg, const char *pre)
{
    char key[400];
    const char *const *aes;
    snprintf(key, sizeof key, "%s.adverse", pre);
    size_t na = os_cfg_keys(cfg, key, &aes);
    for (size_t k = 0; k < na; k++) {
        char ck[700];
        snprintf(ck, sizeof ck, "%s.adverse.%s.case_fatality", pre, aes[k]);
        if (os_cfg_has(cfg, ck) && os_cfg_real(cfg, ck) > 0.0) return 1;
    }
    return 0;
}

int iv_adverse_any_fatal(const os_cfg *cfg, const char *prefix)
{
    if (prefix) return prog_fatal(cfg, prefix);
    const char *const *names;
    size_t n = os_cfg_keys(cfg, "programmes", &names);
    for (size_t i = 0; i < n; i++) {
        char pre[300];
        snprintf(pre, sizeof pre, "programmes.%s", names[i]);
        if (prog_fatal(cfg, pre)) return 1;
    }
    return 0;
}
