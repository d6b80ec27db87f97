#ifndef OS_CLI_H
#define OS_CLI_H
#include "model.h"
/* Entry point of the `osteosim` command, running the modules PH (the
 * program's phase table); returns the exit code. */
int os_cli_main(int argc, char **argv, const os_phases *ph);
#endif
