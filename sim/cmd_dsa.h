#ifndef OS_CMD_DSA_H
#define OS_CMD_DSA_H
#include "cmd_ctx.h"
/* `osteosim dsa SCENARIO -o OUT.h5`: one-way deterministic sensitivity
 * analysis (res_dsa.h).  A command of the front door (cmd.h): ARGV[0] is
 * "dsa". */
int os_cmd_dsa(int argc, char **argv, os_cmd_err *e);
#endif
