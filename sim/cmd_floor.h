#ifndef OS_CMD_FLOOR_H
#define OS_CMD_FLOOR_H
#include "cmd_ctx.h"
/* `osteosim floor`: the benchmark's lower bound (scripts/bench.sh).  A
 * command of the front door (cmd.h): ARGV[0] is "floor". */
int os_cmd_floor(int argc, char **argv, os_cmd_err *e);
#endif
