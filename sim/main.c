/* main.c - the osteosim program: the engine's command line with the
 * model modules of models/phases.c, the one place sim/ names models/. */
#include "cmd.h"
#include "par.h"
#include "phases.h"

int main(int argc, char **argv)
{
    os_par_init(&argc, &argv);  /* MPI, when started by mpirun or srun */
    int rc = os_cmd_main(argc, argv, &os_model_phases);
    os_par_finalize();
    return rc;
}
