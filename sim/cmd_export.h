#ifndef OS_CMD_EXPORT_H
#define OS_CMD_EXPORT_H
#include "cmd_ctx.h"
/* `osteosim export OUT.h5 --table NAME [--csv FILE]`: one output group as a
 * tidy CSV table.  A command of the front door (cmd.h): argv[0] is "export";
 * returns the exit code (0 ok, 1 I/O or missing group, 2 usage or a file
 * that is not a valid output). */
int os_cmd_export(int argc, char **argv, os_cmd_err *e);
#endif
