/* run_mode.c - run.mode: an open population projection (the default) or a
 * closed cohort followed to death (the reference-case design of lifetime
 * cost-effectiveness models).  In a closed run the engine asks for no
 * entrants after the start year; which ages the start population holds is
 * the population module's choice. */
#include <string.h>

#include "engine.h"

int os_engine_closed(const os_cfg *cfg)
{
    return os_cfg_has(cfg, "run.mode") && strcmp(os_cfg_str(cfg, "run.mode"), "cohort") == 0;
}
