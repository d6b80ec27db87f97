/* engine_validate.c - declaration and validation of a scenario: the
 * engine's settings, the arms, and every module's parameters. */
#include <stdio.h>
#include <string.h>

#include "engine.h"
#include "res_evppi.h"
#include "res_subgroups.h"
#include "res_targets.h"

void os_engine_arms(const os_cfg *cfg, os_arms *a)
{
    memset(a, 0, sizeof *a);
    const char *const *names;
    size_t n = os_cfg_keys(cfg, "arms", &names);
    if (n == 0) {
        a->n = 1;
        a->names[0] = "status_quo";
        return;
    }
    char key[160];
    for (size_t i = 0; i < n && i < OS_MAX_ARMS; i++) {
        a->names[i] = names[i];
        snprintf(key, sizeof key, "arms.%s", names[i]);
        a->nprogrammes[i] = (int)os_cfg_str_list(cfg, key, &a->programmes[i]);
    }
    a->n = n < OS_MAX_ARMS ? (int)n : OS_MAX_ARMS;
    const char *ref = os_cfg_has(cfg, "economics.reference_arm") ? os_cfg_str(cfg, "economics.reference_arm") : NULL;
    for (int i = 0; ref && i < a->n; i++)
        if (!strcmp(a->names[i], ref)) a->ref = i;
}

/* arms.<name>: a list of programme names, one key per user-named arm. */
static int declare_arms(os_cfg *cfg, os_err *err)
{
    const char *const *names;
    size_t n = os_cfg_keys(cfg, "arms", &names);
    char key[160];
    if (n > OS_MAX_ARMS)
        return os_fail(err, OS_ECONFIG, "%s: arms: %zu arms, at most %d", os_cfg_origin(cfg, "arms"), n,
                       OS_MAX_ARMS);
    for (size_t i = 0; i < n; i++) {
        const char *c = names[i];
        int ok = *c && strlen(c) < 64;
        for (; *c && ok; c++) ok = (*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
                                   (*c >= '0' && *c <= '9') || *c == '_' || *c == '-';
        snprintf(key, sizeof key, "arms.%s", names[i]);
        if (!ok)
            return os_fail(err, OS_ECONFIG, "%s: %s: arm names use letters, digits, _ and - (at most 63)",
                           os_cfg_origin(cfg, key), key);
        os_param_spec arm = {names[i], OS_P_STR_LIST, NULL, 1.0, 0.0, 1, NULL, NULL,
                             "programmes of this arm (names under programmes)"};
        if (os_cfg_declare_under(cfg, "arms", &arm, 1, err)) return OS_ECONFIG;
    }
    return OS_OK;
}

/* Arms have at most OS_MAX_ARM_PROGRAMMES programmes and distinct names.
 * (That the programmes exist is the interventions module's check.) */
static int check_arms(const os_cfg *cfg, os_err *err)
{
    os_arms a;
    os_engine_arms(cfg, &a);
    char key[160];
    for (int i = 0; i < a.n; i++) {
        snprintf(key, sizeof key, "arms.%s", a.names[i]);
        if (a.nprogrammes[i] > OS_MAX_ARM_PROGRAMMES)
            return os_fail(err, OS_ECONFIG, "%s: %s: %d programmes, at most %d", os_cfg_origin(cfg, key),
                           key, a.nprogrammes[i], OS_MAX_ARM_PROGRAMMES);
        for (int k = 0; k < i; k++)
            if (!strcmp(a.names[k], a.names[i]))
                return os_fail(err, OS_ECONFIG, "%s: %s: arm named twice", os_cfg_origin(cfg, key), key);
    }
    return OS_OK;
}

/* The reference arm exists. */
static int check_reference(const os_cfg *cfg, os_err *err)
{
    if (!os_cfg_has(cfg, "economics.reference_arm")) return OS_OK;
    os_arms a;
    os_engine_arms(cfg, &a);
    const char *ref = os_cfg_str(cfg, "economics.reference_arm");
    int found = 0;
    for (int i = 0; i < a.n; i++) found |= !strcmp(a.names[i], ref);
    if (!found)
        return os_fail(err, OS_ECONFIG, "%s: economics.reference_arm: no arm '%s'",
                       os_cfg_origin(cfg, "economics.reference_arm"), ref);
    return OS_OK;
}

/* Calibration target files are read now, so a broken one is a
 * configuration error before the run rather than after it. */
static int check_targets(const os_cfg *cfg, os_err *err)
{
    static const char *const tkeys[] = {"calibration.targets", "calibration.targets_extra"};
    for (size_t k = 0; k < sizeof tkeys / sizeof tkeys[0]; k++) {
        if (!os_cfg_has(cfg, tkeys[k])) continue;
        os_targets t;
        if (os_targets_load(&t, os_cfg_path(cfg, tkeys[k]), err)) return OS_ECONFIG;
        os_targets_free(&t);
    }
    return OS_OK;
}

/* run.end_year is not before run.start_year; cohort years are inside. */
static int check_years(const os_cfg *cfg, os_err *err)
{
    long y0 = os_cfg_int(cfg, "run.start_year"), y1 = os_cfg_int(cfg, "run.end_year");
    if (y1 < y0)
        return os_fail(err, OS_ECONFIG, "%s: run.end_year: %ld is before run.start_year %ld",
                       os_cfg_origin(cfg, "run.end_year"), y1, y0);
    const long *cy;
    size_t ncy = os_cfg_int_list(cfg, "output.cohort_years", &cy);
    for (size_t i = 0; i < ncy; i++)
        if (cy[i] < y0 || cy[i] > y1)
            return os_fail(err, OS_ECONFIG,
                           "%s: output.cohort_years: %ld is outside run.start_year..run.end_year (%ld..%ld)",
                           os_cfg_origin(cfg, "output.cohort_years"), cy[i], y0, y1);
    return OS_OK;
}

int os_engine_validate(os_cfg *cfg, const os_phases *ph, os_err *err)
{
    if (os_cfg_declare(cfg, os_engine_params, os_engine_nparams, err)) return OS_ECONFIG;
    if (os_cfg_declare(cfg, os_targets_params, os_targets_nparams, err)) return OS_ECONFIG;
    if (os_cfg_declare(cfg, os_arms_params, os_arms_nparams, err)) return OS_ECONFIG;
    if (os_subgroups_declare(cfg, err) || os_evppi_declare(cfg, err)) return OS_ECONFIG;
    for (int i = 0; i < ph->n; i++) {
        const os_module *mod = ph->modules[i];
        if (mod->nparams && os_cfg_declare(cfg, mod->params, mod->nparams, err))
            return OS_ECONFIG;
        if (mod->declare && mod->declare(cfg, err)) return OS_ECONFIG;
    }
    if (declare_arms(cfg, err)) return OS_ECONFIG;
    if (os_cfg_validate(cfg, err)) return OS_ECONFIG;
    if (check_arms(cfg, err)) return OS_ECONFIG;
    for (int i = 0; i < ph->n; i++)
        if (ph->modules[i]->validate && ph->modules[i]->validate(cfg, err)) return OS_ECONFIG;
    if (check_reference(cfg, err)) return OS_ECONFIG;
    if (check_targets(cfg, err)) return OS_ECONFIG;
    return check_years(cfg, err);
}
