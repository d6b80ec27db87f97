#include "cmd.h"
#include "par.h"

int main(int argc, char **argv)
{
    os_par_init(&argc, &argv);  /* MPI, when started by mpirun or srun */
    int rc = os_cmd_main(argc, argv);
    os_par_finalize();
    return rc;
}
