/* interventions.h - what the intervention module tells the others.
 *
 * In an arm with programmes, models/interventions.c runs before bone and
 * muscle in every step and writes, for each living agent, the combined
 * effect of the programmes it is on (or recovering from) this year into the
 * f32 columns below.  The modules that own the rates apply them:
 *
 *   iv_bmd        bone.c      added to the yearly log-change of BMD (1/yr)
 *   iv_mass       muscle.c    added to the yearly log-change of ASM (1/yr)
 *   iv_strength   muscle.c    added to the log-change of grip and gait
 *                             speed, subtracted from that of chair-stand time
 *   iv_fall_rr    falls.c     multiplies the probability of falling
 *   iv_fx_rr_<s>  fractures.c multiplies the hazard of a fracture at site s
 *   iv_cost       economics.c programme, screening and adverse-event costs
 *   iv_qaly_loss  economics.c QALYs lost to adverse events
 *   iv_ae_death   mortality.c a fatal adverse event this year (u8; only
 *                             when some adverse event has a case fatality)
 *
 * The mortality rate ratio multiplies the agent's "mortality_hr" directly.
 * In an arm without programmes the columns do not exist and the modules
 * skip them (os_chunk_find_f32 gives NULL; each declares them as optional
 * reads, sim/model.h), so the reference arm pays nothing for the feature.
 */
#ifndef OS_INTERVENTIONS_H
#define OS_INTERVENTIONS_H

#include "model.h"

#define OS_IV_BMD "iv_bmd"
#define OS_IV_MASS "iv_mass"
#define OS_IV_STRENGTH "iv_strength"
#define OS_IV_FALL_RR "iv_fall_rr"
#define OS_IV_COST "iv_cost"
#define OS_IV_QALY_LOSS "iv_qaly_loss"
/* u8, only where an adverse event has a case fatality (iv_adverse.h):
 * 1 when the person dies of one this year; mortality.c ends the life. */
#define OS_IV_AE_DEATH "iv_ae_death"
/* iv_fx_rr_hip, iv_fx_rr_vertebral, iv_fx_rr_wrist, iv_fx_rr_other */
#define OS_IV_FX_RR_PREFIX "iv_fx_rr_"

#endif
