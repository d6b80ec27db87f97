/* test_columns.c - the column registry (sim/model.h): owners, declared
 * reads, the start-up check and its messages, typed lookups; and that
 * docs/columns.md is the registry of the project's phase table. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "engine.h"
#include "phases.h"

/* ---- toy modules ---- */

/* "maker" creates tscore (f32) and flag (u8). */
static int maker_init(os_model *m, void **state, os_err *err)
{
    *state = NULL;
    if (os_model_add_column(m, "maker", "tscore", OS_COL_F32, "SD", "a T-score", 0, err) < 0 ||
        os_model_add_column(m, "maker", "flag", OS_COL_U8, "1", "a flag", 0, err) < 0)
        return OS_ERUN;
    return OS_OK;
}
static const os_module maker = {.name = "maker", .init = maker_init};

/* Readers declare and do nothing else: the start-up check judges them. */
static const os_colread reads_tscore[] = {{"tscore", OS_COL_F32, 0}, {NULL, 0, 0}};
static const os_colread reads_bmd[] = {{"bmd", OS_COL_F32, 0}, {NULL, 0, 0}};
static const os_colread reads_tscore_u8[] = {{"tscore", OS_COL_U8, 0}, {NULL, 0, 0}};
static const os_colread reads_tscore_late[] = {{"tscore", OS_COL_F32, OS_READ_LATE}, {NULL, 0, 0}};
static const os_colread reads_optional[] = {{"iv_x", OS_COL_F32, OS_READ_OPTIONAL}, {NULL, 0, 0}};
static const os_module reader = {.name = "reader", .reads = reads_tscore};
static const os_module reader_bmd = {.name = "fractures", .reads = reads_bmd};
static const os_module reader_u8 = {.name = "reader", .reads = reads_tscore_u8};
static const os_module reader_late = {.name = "reader", .reads = reads_tscore_late};
static const os_module reader_opt = {.name = "reader", .reads = reads_optional};

/* "snoop" declares tscore but looks up flag. */
static int snoop_init(os_model *m, void **state, os_err *err)
{
    *state = NULL;
    return os_model_column(m, "snoop", "flag", OS_COL_U8, err) < 0 ? OS_ERUN : OS_OK;
}
static const os_module snoop = {.name = "snoop", .init = snoop_init, .reads = reads_tscore};

typedef struct toy {
    os_pop pop;
    os_model m;
    void *st[4];
    os_err err;
} toy;

/* Inits the N modules of TABLE in order, then runs the start-up check. */
static int run(toy *t, const os_module *const *table, int n)
{
    memset(t, 0, sizeof *t);
    os_pop_init(&t->pop);
    t->m.pop = &t->pop;
    t->m.modules = table;
    t->m.nmodules = n;
    t->m.states = t->st;
    for (int i = 0; i < n; i++)
        if (table[i]->init && table[i]->init(&t->m, &t->st[i], &t->err)) return OS_ERUN;
    return os_columns_check(&t->m, &t->err);
}

static void expect_msg(const toy *t, const char *want)
{
    if (!strstr(t->err.msg, want)) fail_msg("message '%s' lacks '%s'", t->err.msg, want);
}

/* ---- tests ---- */

static void test_read_of_earlier_column(void **state)
{
    (void)state;
    toy t;
    const os_module *const table[] = {&maker, &reader};
    assert_int_equal(run(&t, table, 2), OS_OK);
    int col = os_model_column(&t.m, "reader", "tscore", OS_COL_F32, &t.err);
    assert_true(col >= OS_COL_NCORE);
    assert_string_equal(t.pop.cols[col].owner, "maker");
    /* The owner looks up its own column without declaring it. */
    assert_int_equal(os_model_column(&t.m, "maker", "flag", OS_COL_U8, &t.err), col + 1);
    /* A lookup with another type than declared fails. */
    assert_int_equal(os_model_column(&t.m, "reader", "tscore", OS_COL_U8, &t.err), -1);
    expect_msg(&t, "models: reader declares column 'tscore' as f32 but looks it up as u8");
    os_pop_free(&t.pop);
}

static void test_read_nobody_creates(void **state)
{
    (void)state;
    toy t;
    const os_module *const table[] = {&maker, &reader_bmd};
    assert_int_equal(run(&t, table, 2), OS_ERUN);
    assert_string_equal(t.err.msg, "models: fractures reads column 'bmd' which no earlier module creates");
    os_pop_free(&t.pop);
}

static void test_read_of_later_column(void **state)
{
    (void)state;
    toy t;
    const os_module *const table[] = {&reader, &maker};
    assert_int_equal(run(&t, table, 2), OS_ERUN);
    expect_msg(&t, "models: reader reads column 'tscore' which no earlier module creates (maker creates it;");
    assert_null(strchr(t.err.msg, '\n'));
    os_pop_free(&t.pop);
}

static void test_late_read(void **state)
{
    (void)state;
    toy t;
    const os_module *const later[] = {&reader_late, &maker};
    assert_int_equal(run(&t, later, 2), OS_OK);
    os_pop_free(&t.pop);
    /* "late" must stay true: an earlier module's column is not late. */
    const os_module *const earlier[] = {&maker, &reader_late};
    assert_int_equal(run(&t, earlier, 2), OS_ERUN);
    expect_msg(&t, "models: reader declares its read of column 'tscore' late, but maker creates it earlier");
    os_pop_free(&t.pop);
}

static void test_type_mismatch(void **state)
{
    (void)state;
    toy t;
    const os_module *const table[] = {&maker, &reader_u8};
    assert_int_equal(run(&t, table, 2), OS_ERUN);
    assert_string_equal(t.err.msg, "models: reader reads column 'tscore' as u8, but maker creates it as f32");
    os_pop_free(&t.pop);
}

static void test_undeclared_lookup(void **state)
{
    (void)state;
    toy t;
    const os_module *const table[] = {&maker, &snoop};
    assert_int_equal(run(&t, table, 2), OS_ERUN);
    assert_string_equal(t.err.msg, "models: snoop looks up column 'flag', which its reads do not declare");
    os_pop_free(&t.pop);
}

static void test_optional_read(void **state)
{
    (void)state;
    toy t;
    const os_module *const table[] = {&maker, &reader_opt};
    assert_int_equal(run(&t, table, 2), OS_OK);
    os_chunk c = {.begin = 3, .n = 2};
    assert_int_equal(os_model_column_opt(&t.m, "reader", "iv_x", OS_COL_F32, &t.err), -1);
    assert_int_equal(t.err.code, 0);
    assert_null(os_chunk_find_f32(&t.m, &c, "reader", "iv_x"));
    /* Not optional for a module that does not declare it so. */
    assert_int_equal(os_model_column_opt(&t.m, "maker", "iv_x", OS_COL_F32, &t.err), -2);
    expect_msg(&t, "which its reads do not declare");
    /* Present: typed rows from the chunk's first. */
    int col = os_model_add_column(&t.m, "maker", "iv_x", OS_COL_F32, "1", "", 0, &t.err);
    size_t first;
    assert_int_equal(os_pop_append(&t.pop, 5, &first, &t.err), 0);
    assert_int_equal(os_model_column_opt(&t.m, "reader", "iv_x", OS_COL_F32, &t.err), col);
    float *x = os_chunk_find_f32(&t.m, &c, "reader", "iv_x");
    assert_ptr_equal(x, (float *)os_pop_data(&t.pop, col) + 3);
    assert_ptr_equal(os_chunk_f32(&t.m, &c, col), x);
    assert_ptr_equal(os_chunk_u8(&t.m, &c, OS_COL_SEX), (uint8_t *)os_pop_data(&t.pop, OS_COL_SEX) + 3);
    os_pop_free(&t.pop);
}

static void test_column_without_owner(void **state)
{
    (void)state;
    toy t;
    const os_module *const table[] = {&maker};
    assert_int_equal(run(&t, table, 1), OS_OK);
    assert_true(os_pop_add_column(&t.pop, "stray", OS_COL_U8, "1", "", 0, &t.err) > 0);
    assert_int_equal(os_columns_check(&t.m, &t.err), OS_ERUN);
    expect_msg(&t, "models: column 'stray' has no owner");
    assert_int_equal(os_model_add_column(&t.m, "nobody", "x", OS_COL_U8, "1", "", 0, &t.err), -1);
    expect_msg(&t, "not in the phase table");
    os_pop_free(&t.pop);
}

/* ---- the project's registry and docs/columns.md ---- */

#define DOC_ARM "exercise"   /* one programme: the effect columns appear once */

static const char doc_head[] =
    "# Population columns\n\n"
    "<!-- Generated from the column registry (sim/model.h) by scripts/columns_doc.sh;\n"
    "     the unit test test_columns fails when this file is out of date. -->\n\n"
    "Every column of the population store, in store order, with the module that\n"
    "creates it (its owner) and the modules that declare it in their `reads`\n"
    "(`os_module.reads`; \"late\": created by a later module, read after init;\n"
    "\"writes\": the reader also changes it).  The engine checks the declarations\n"
    "at start-up (`os_columns_check`).  Shown for arm `" DOC_ARM "` of\n"
    "`configs/china_programmes.yaml`: the `iv*` columns exist only in arms with\n"
    "programmes, `ivK_state` and `ivK_years` once per programme K of the arm.\n\n";

/* Inits every module of the phase table for arm NAME of CFG; prints the
 * registry to OUT. */
static void print_registry(os_cfg *cfg, const char *name, FILE *out)
{
    os_arms arms;
    os_engine_arms(cfg, &arms);
    int arm = -1;
    for (int a = 0; a < arms.n; a++)
        if (!strcmp(arms.names[a], name)) arm = a;
    assert_true(arm >= 0);
    os_pop pop;
    os_pop_init(&pop);
    os_model m = {0};
    void *states[64] = {0};
    os_err err = {0};
    m.cfg = cfg;
    m.pop = &pop;
    m.start_year = (int)os_cfg_int(cfg, "run.start_year");
    m.end_year = (int)os_cfg_int(cfg, "run.end_year");
    m.year = m.start_year;
    m.arm = arm;
    m.arm_name = arms.names[arm];
    m.is_reference = arm == arms.ref;
    m.programmes = arms.programmes[arm];
    m.nprogrammes = arms.nprogrammes[arm];
    m.nthreads = 1;
    m.chunk_size = (size_t)os_cfg_int(cfg, "run.chunk_size");
    m.modules = os_phase_table;
    m.nmodules = os_phase_count;
    m.states = states;
    assert_true(os_summary_column(&m, "population", "persons", "", &err) >= 0);
    assert_true(os_summary_column(&m, "agents", "agents", "", &err) >= 0);
    for (int i = 0; i < m.nmodules; i++)
        if (m.modules[i]->init && m.modules[i]->init(&m, &states[i], &err)) fail_msg("%s", err.msg);
    if (os_columns_check(&m, &err)) fail_msg("%s", err.msg);
    fputs(doc_head, out);
    os_columns_print(&m, out);
    for (int i = m.nmodules - 1; i >= 0; i--)
        if (states[i] && m.modules[i]->destroy) m.modules[i]->destroy(states[i]);
    os_pop_free(&pop);
}

static char *slurp(FILE *f, size_t *n)
{
    fseek(f, 0, SEEK_END);
    long len = ftell(f);
    rewind(f);
    char *b = calloc((size_t)len + 1, 1);
    *n = fread(b, 1, (size_t)len, f);
    return b;
}

/* OS_COLUMNS_DOC=PATH writes the table to PATH instead of comparing. */
static void test_docs_match_registry(void **state)
{
    (void)state;
    os_cfg *cfg;
    os_err err = {0};
    if (os_cfg_load(&cfg, OS_SOURCE_DIR "/configs/china_programmes.yaml", NULL, 0, &err) ||
        os_engine_validate(cfg, &os_model_phases, &err))
        fail_msg("%s", err.msg);
    FILE *tmp = tmpfile();
    assert_non_null(tmp);
    print_registry(cfg, DOC_ARM, tmp);
    os_cfg_free(cfg);
    size_t n;
    char *got = slurp(tmp, &n);
    fclose(tmp);
    const char *out = getenv("OS_COLUMNS_DOC");
    if (out && *out) {
        FILE *f = fopen(out, "w");
        assert_non_null(f);
        fwrite(got, 1, n, f);
        fclose(f);
    } else {
        FILE *f = fopen(OS_SOURCE_DIR "/docs/columns.md", "r");
        if (!f) fail_msg("docs/columns.md missing: run scripts/columns_doc.sh");
        size_t m;
        char *want = slurp(f, &m);
        fclose(f);
        if (m != n || memcmp(got, want, n))
            fail_msg("docs/columns.md is out of date: run scripts/columns_doc.sh");
        free(want);
    }
    free(got);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_read_of_earlier_column),
        cmocka_unit_test(test_read_nobody_creates),
        cmocka_unit_test(test_read_of_later_column),
        cmocka_unit_test(test_late_read),
        cmocka_unit_test(test_type_mismatch),
        cmocka_unit_test(test_undeclared_lookup),
        cmocka_unit_test(test_optional_read),
        cmocka_unit_test(test_column_without_owner),
        cmocka_unit_test(test_docs_match_registry),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
