/* iv_course.c - reading a programme's course keys (iv_course.h). */
#include "iv_course.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#define PERSIST(n) \
    {"persistence.year_" #n, OS_P_REAL, "1", 0, 1, 0, NULL, NULL, \
     "share of starters still on the programme after " #n " years on it"}
#define POST_RR(s) \
    {"after_stop.fracture_rr." s, OS_P_REAL, "1", 0, 20, 0, "1", NULL, \
     s " fracture rate ratio during the rebound window, beyond the BMD pathway"}

const os_param_spec iv_course_params[] = {
    PERSIST(1), PERSIST(2), PERSIST(3), PERSIST(4), PERSIST(5),
    PERSIST(6), PERSIST(7), PERSIST(8), PERSIST(9), PERSIST(10),
    {"sequence.after", OS_P_STRING, NULL, 1, 0, 0, NULL, NULL,
     "programme of the same arm, listed before this one, that this one follows"},
    {"sequence.when", OS_P_STRING, NULL, 1, 0, 0, "stopped", "stopped|on|found",
     "offered from the year after the other programme stops, while on it, or once its screening found the person"},
    {"sequence.rebound_prevented", OS_P_REAL, "1", 0, 1, 0, "0", NULL,
     "share of the other programme's after-stop rebound (BMD and fracture rate ratios) prevented while on this one"},
    {"after_stop.rebound_gain_share", OS_P_REAL, "1", 0, 2, 0, "0", NULL,
     "share of the BMD log-gain made on the programme lost over rebound_years after stopping"},
    POST_RR("hip"), POST_RR("vertebral"), POST_RR("wrist"), POST_RR("other"),
};
const size_t iv_course_nparams = sizeof iv_course_params / sizeof iv_course_params[0];

#define CF(key, member, type) OS_FIELD(key, iv_course, member, type)
static const os_field course_fields[] = {
    CF("persistence.year_1", persist[0], OS_F_REAL), CF("persistence.year_2", persist[1], OS_F_REAL),
    CF("persistence.year_3", persist[2], OS_F_REAL), CF("persistence.year_4", persist[3], OS_F_REAL),
    CF("persistence.year_5", persist[4], OS_F_REAL), CF("persistence.year_6", persist[5], OS_F_REAL),
    CF("persistence.year_7", persist[6], OS_F_REAL), CF("persistence.year_8", persist[7], OS_F_REAL),
    CF("persistence.year_9", persist[8], OS_F_REAL), CF("persistence.year_10", persist[9], OS_F_REAL),
    CF("sequence.after", after, OS_F_STR), CF("sequence.when", when, OS_F_CHOICE),
    CF("sequence.rebound_prevented", prevented, OS_F_REAL),
    CF("after_stop.rebound_gain_share", gain_share, OS_F_REAL),
    CF("after_stop.fracture_rr.hip", post_fx_rr[0], OS_F_REAL),
    CF("after_stop.fracture_rr.vertebral", post_fx_rr[1], OS_F_REAL),
    CF("after_stop.fracture_rr.wrist", post_fx_rr[2], OS_F_REAL),
    CF("after_stop.fracture_rr.other", post_fx_rr[3], OS_F_REAL),
};
#undef CF

int iv_course_read(const os_cfg *cfg, const char *prefix, iv_course *c, os_err *err)
{
    memset(c, 0, sizeof *c);
    c->prev = -1;
    if (os_cfg_read(cfg, prefix, course_fields, sizeof course_fields / sizeof course_fields[0], c, err))
        return OS_ECONFIG;
    char key[400];
    while (c->npersist < IV_MAX_PERSIST && !isnan(c->persist[c->npersist])) c->npersist++;
    for (int y = c->npersist; y < IV_MAX_PERSIST; y++) {
        if (isnan(c->persist[y])) continue;
        snprintf(key, sizeof key, "%s.persistence.year_%d", prefix, y + 1);
        return os_fail(err, OS_ECONFIG, "%s: %s: the persistence curve has a gap: year_%d is missing",
                       os_cfg_origin(cfg, key), key, c->npersist + 1);
    }
    return OS_OK;
}

int iv_course_check(const os_cfg *cfg, const char *prefix, os_err *err)
{
    iv_course c;
    if (iv_course_read(cfg, prefix, &c, err)) return OS_ECONFIG;
    for (int y = 1; y < c.npersist; y++) {
        if (c.persist[y] <= c.persist[y - 1]) continue;
        char key[400];
        snprintf(key, sizeof key, "%s.persistence.year_%d", prefix, y + 1);
        return os_fail(err, OS_ECONFIG, "%s: %s: %g is above year_%d's %g: persistence cannot rise",
                       os_cfg_origin(cfg, key), key, c.persist[y], y, c.persist[y - 1]);
    }
    return OS_OK;
}

int iv_course_link(const os_cfg *cfg, const char *const *names, int k, iv_course *c, os_err *err)
{
    c->prev = -1;
    if (!c->after) return OS_OK;
    for (int j = 0; j < k; j++)
        if (strcmp(names[j], c->after) == 0) {
            c->prev = j;
            return OS_OK;
        }
    char key[400];
    snprintf(key, sizeof key, "programmes.%s.sequence.after", names[k]);
    return os_fail(err, OS_ECONFIG, "%s: %s: '%s' is not a programme listed before '%s' in the arm",
                   os_cfg_origin(cfg, key), key, c->after, names[k]);
}
