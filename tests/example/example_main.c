/* example_main.c - the osteosim program with the example phase
 * (checkup.c) added after the default phases: what a new phase needs
 * besides its file is one line in a phase table. */
#include "cmd.h"
#include "par.h"
#include "phases.h"

extern const os_module os_mod_checkup;

int main(int argc, char **argv)
{
    const os_module *table[64];
    int n = 0;
    for (int i = 0; i < os_phase_count && n < 63; i++) table[n++] = os_phase_table[i];
    table[n++] = &os_mod_checkup;
    os_phases ph = {table, n};
    os_par_init(&argc, &argv);
    int rc = os_cmd_main(argc, argv, &ph);
    os_par_finalize();
    return rc;
}
