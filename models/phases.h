/* phases.h - the program's phase table (phases.c), passed to the engine
 * by sim/main.c. */
#ifndef OS_PHASES_H
#define OS_PHASES_H

#include "model.h"

extern const os_module *const os_phase_table[];
extern const int os_phase_count;
/* The same table as an os_phases, for os_engine_validate/os_engine_run. */
extern const os_phases os_model_phases;

#endif
