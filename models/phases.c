/* phases.c - the yearly phase table.
 *
 * Modules run in this order in every hook (see sim/model.h).  To add a
 * model: write models/NAME.c exporting `const os_module os_mod_NAME`, and
 * add one line below.  The program (sim/main.c) passes os_model_phases to
 * the engine; the engine itself knows no module.
 */
#include "phases.h"

extern const os_module os_mod_demography;
extern const os_module os_mod_risk_factors;
extern const os_module os_mod_interventions;
extern const os_module os_mod_bone;
extern const os_module os_mod_muscle;
extern const os_module os_mod_diagnosis;
extern const os_module os_mod_body_fat;
extern const os_module os_mod_falls;
extern const os_module os_mod_fractures;
extern const os_module os_mod_hospital;
extern const os_module os_mod_disability;
extern const os_module os_mod_excess_mortality;
extern const os_module os_mod_mortality;
extern const os_module os_mod_economics;
extern const os_module os_mod_lifetime;
extern const os_module os_mod_migration;

const os_module *const os_phase_table[] = {
    &os_mod_demography,   /* base population, entrants, life tables      */
    &os_mod_risk_factors, /* menopause, activity, smoking, vit D, ...    */
    &os_mod_interventions, /* the arm's programmes -> effect columns     */
    &os_mod_bone,         /* BMD trajectory                              */
    &os_mod_muscle,       /* muscle mass, strength, performance          */
    &os_mod_diagnosis,    /* WHO, EWGSOP2, AWGS 2019 (census)            */
    &os_mod_body_fat,     /* percent body fat, osteosarcopenic obesity   */
    &os_mod_falls,        /* falls                                       */
    &os_mod_fractures,    /* fractures by site                           */
    &os_mod_hospital,     /* hospital stays -> bed rest                  */
    &os_mod_disability,   /* ADL dependence, care homes                  */
    &os_mod_excess_mortality, /* hazard ratios of disease and fractures  */
    &os_mod_mortality,    /* deaths                                      */
    &os_mod_economics,    /* costs, life-years, QALYs                    */
    &os_mod_lifetime,     /* closed cohorts: lifetime risks, LE, QALE    */
    &os_mod_migration,    /* net emigrants leave (after the year's events) */
};
const int os_phase_count =
    (int)(sizeof os_phase_table / sizeof os_phase_table[0]);
const os_phases os_model_phases = {
    os_phase_table, (int)(sizeof os_phase_table / sizeof os_phase_table[0])};
