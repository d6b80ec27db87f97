/* err.h - one error path for the whole program.
 *
 * Every fallible function returns 0 on success or a non-zero OS_E* code and,
 * on failure, fills an os_err with ONE line that names where the problem is
 * (file:line: key.path: what is wrong).  Callers propagate; only the CLI
 * prints.  Exit codes follow the CLI contract (see cmd_run.c).
 */
#ifndef OS_ERR_H
#define OS_ERR_H

#include <stdarg.h>

enum {
    OS_OK = 0,
    OS_ERUN = 1,    /* run failure: I/O, numerical            -> exit 1 */
    OS_ECONFIG = 2, /* usage or configuration error           -> exit 2 */
    OS_EINTR = 3    /* stopped by a signal after checkpointing -> exit 3 */
};

typedef struct os_err {
    int code;
    char msg[1024];
} os_err;

/* Sets err (if non-NULL) and returns code, so callers can `return os_fail(...)`. */
int os_fail(os_err *err, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
