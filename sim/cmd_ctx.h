/* cmd_ctx.h - what every command of the front door (cmd.h) shares: the
 * context it is given and the one error line it gives back, and the
 * helpers for --version and for checking standard output. */
#ifndef OS_CMD_CTX_H
#define OS_CMD_CTX_H

#include "err.h"

struct os_phases;

/* What a command gets from the front door and gives back. */
typedef struct os_cmd_err {
    const struct os_phases *ph; /* the modules to run (the program's phase table) */
    os_err err;         /* code and the line, without its "osteosim: " */
    const char *scope;  /* NULL: "osteosim: LINE"; "export": "osteosim export: LINE" */
    const char *usage;  /* printed after the line (a usage text), or NULL */
} os_cmd_err;

typedef int os_cmd_fn(int argc, char **argv, os_cmd_err *e);

/* Sets E to the line FMT of command SCOPE (NULL: the program) and returns
 * CODE, so commands can `return os_cmd_fail(...)`. */
int os_cmd_fail(os_cmd_err *e, const char *scope, int code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* `--version` of every command: prints the version line, returns 0. */
int os_cmd_version(void);

/* Flushes and closes standard output after a command printed its result
 * there (check, info): a full disk or a closed stdout must not pass as
 * success.  0, or OS_ERUN with E set (SAVED_ERRNO: of an earlier write). */
int os_cmd_stdout(os_cmd_err *e, int saved_errno);

#endif
