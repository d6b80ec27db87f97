/* cmd_ctx.c - what every command shares (cmd_ctx.h). */
#include "cmd_ctx.h"

#include <assert.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "version.h"

int os_cmd_fail(os_cmd_err *e, const char *scope, int code, const char *fmt, ...)
{
    assert(e && code != OS_OK);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->err.msg, sizeof e->err.msg, fmt, ap);
    va_end(ap);
    /* One line, whatever the caller formatted (as os_fail). */
    for (char *p = e->err.msg; *p; p++)
        if (*p == '\n' || *p == '\r') *p = ' ';
    e->err.code = code;
    e->scope = scope;
    return code;
}

int os_cmd_version(void)
{
    printf("osteosim %s (commit %s)\n", OS_VERSION, OS_GIT_COMMIT);
    return 0;
}

int os_cmd_stdout(os_cmd_err *e, int saved_errno)
{
    errno = 0;
    int bad = fflush(stdout) != 0 || ferror(stdout);
    int en = errno ? errno : saved_errno;
    bad |= fclose(stdout) != 0;
    if (!en) en = errno;
    if (!bad) return OS_OK;
    return os_cmd_fail(e, NULL, OS_ERUN, "standard output: %s", strerror(en ? en : EIO));
}
