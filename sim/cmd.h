/* cmd.h - the front door of the `osteosim` command.
 *
 *   osteosim run|check|info|export|calibrate|psa-merge|floor|dsa ...
 *
 * Every command is an os_cmd_fn: ARGV[0] is its name, it does its work and
 * returns its exit code, and on failure it leaves the one line to print in
 * E.  It prints no error itself: os_cmd_main prints the line once and, under
 * MPI, ends the other ranks when they may be waiting for this one.
 *
 * Exit codes: 0 success, 1 run failure (I/O, numerical), 2 usage or
 * configuration error, 3 stopped by SIGINT/SIGTERM (err.h).
 */
#ifndef OS_CMD_H
#define OS_CMD_H

#include "cmd_ctx.h"

/* The program: runs command ARGV[1] and returns the exit code. */
int os_cmd_main(int argc, char **argv, const struct os_phases *ph);

#endif
