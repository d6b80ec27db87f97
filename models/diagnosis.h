/* diagnosis.h - diagnosis flags shared by the models that read them.
 * The diagnosis module stores them in the u16 population column "dx",
 * refreshed in every census pass (1 July of the year). */
#ifndef OS_DIAGNOSIS_H
#define OS_DIAGNOSIS_H

#include <stdint.h>

#include "config.h"

enum {
    OS_DX_OSTEOPENIA        = 1u << 0,  /* WHO: -2.5 < T < -1          */
    OS_DX_OSTEOPOROSIS      = 1u << 1,  /* WHO: T <= -2.5              */
    OS_DX_SARC_PROBABLE_EW  = 1u << 2,  /* EWGSOP2 probable            */
    OS_DX_SARC_EW           = 1u << 3,  /* EWGSOP2 confirmed           */
    OS_DX_SARC_SEVERE_EW    = 1u << 4,  /* EWGSOP2 severe              */
    OS_DX_SARC_AWGS         = 1u << 5,  /* AWGS 2019 sarcopenia        */
    OS_DX_SARC_SEVERE_AWGS  = 1u << 6,  /* AWGS 2019 severe            */
    /* Osteosarcopenia: confirmed sarcopenia with osteoporosis; broad:
     * with osteopenia or osteoporosis. */
    OS_DX_OSTEOSARC_EW      = 1u << 7,
    OS_DX_OSTEOSARC_AWGS    = 1u << 8,
    OS_DX_OSTEOSARC_BROAD_EW   = 1u << 9,
    OS_DX_OSTEOSARC_BROAD_AWGS = 1u << 10,
};

/* The flags of the sarcopenia definition that drives outcomes
 * (model.sarcopenia_definition, default AWGS 2019): sarcopenia and
 * osteosarcopenia. */
typedef struct os_dx_outcome {
    uint16_t sarc, osteosarc;
} os_dx_outcome;
os_dx_outcome os_dx_outcome_flags(const os_cfg *cfg);

#endif
