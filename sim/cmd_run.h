/* cmd_run.h - `osteosim run` and `osteosim check`: the scenario commands.
 *
 *   osteosim run CONFIG.yaml [-o OUT.h5] [--agents N] [--seed S]
 *                [--threads T] [--set key.path=value ...] [--quiet]
 *   osteosim check CONFIG.yaml [--set key.path=value ...]
 *
 * Commands of the front door (cmd.h): ARGV[0] is the command's name.
 */
#ifndef OS_CMD_RUN_H
#define OS_CMD_RUN_H

#include "cmd_ctx.h"

int os_cmd_run(int argc, char **argv, os_cmd_err *e);
int os_cmd_check(int argc, char **argv, os_cmd_err *e);

#endif
