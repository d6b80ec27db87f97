#ifndef OS_CMD_INFO_H
#define OS_CMD_INFO_H
#include <stdio.h>
#include "cmd_ctx.h"
#include "err.h"
/* `osteosim info OUT.h5` (cmd.h): ARGV[0] is "info". */
int os_cmd_info(int argc, char **argv, os_cmd_err *e);
/* Prints a summary of an osteosim output file (osteosim info; VERBOSE:
 * every dataset). */
int os_info_print(const char *path, FILE *out, int verbose, os_err *err);
/* The resolved configuration stored in an output file (root attribute
 * `config`), or NULL with err set.  Caller frees. */
char *os_info_config(const char *path, os_err *err);
#endif
