/* test_psa_posterior.c - PSA draws from a calibration posterior
 * (sim/psa_posterior.c, sim/res_psa.c): the particle of a draw is chosen
 * with probability equal to its weight, depends only on (seed, draw), and
 * sets the posterior's parameters jointly, while the others are drawn from
 * their distributions exactly as without a posterior. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "psa_posterior.h"
#include "res_psa.h"

/* A posterior of N particles of the parameters KEYS, held in memory. */
typedef struct fixture {
    os_posterior post;
    char *keys[4];
    double samples[16 * 4], weights[16], cum[16];
} fixture;

static void make(fixture *f, const double *w, size_t n, const char *const *keys, size_t p)
{
    memset(f, 0, sizeof *f);
    double sum = 0, sq = 0;
    for (size_t i = 0; i < n; i++) {
        f->weights[i] = w[i];
        sum += w[i];
        sq += w[i] * w[i];
        f->cum[i] = sum;
        /* particle i holds i + 1 in its first parameter, a distinct value
         * in each other one (correlated: all grow with i) */
        for (size_t j = 0; j < p; j++) f->samples[i * p + j] = (double)(i + 1) * (j ? 0.01 * (double)j : 1.0);
    }
    for (size_t j = 0; j < p; j++) f->keys[j] = (char *)keys[j];
    f->post.n = n;
    f->post.p = p;
    f->post.params = f->keys;
    f->post.samples = f->samples;
    f->post.weights = f->weights;
    f->post.cum = f->cum;
    f->post.ess = sum * sum / sq;
    f->post.path = (char *)"(memory)";
}

/* Counts of each particle over K draws are binomial(K, w_i): within 4.5
 * standard errors (fixed seed, so the test is deterministic; the bound
 * fails by chance with probability below 1e-5 per particle). */
static void test_pick_proportional(void **state)
{
    (void)state;
    static const double w[6] = {0.4, 0.25, 0.2, 0.1, 0.05, 0.0};
    static const char *const keys[1] = {"a"};
    fixture f;
    make(&f, w, 6, keys, 1);
    enum { K = 60000 };
    int count[6] = {0};
    for (int k = 1; k <= K; k++) {
        size_t i = os_posterior_pick(&f.post, 12345, k);
        assert_true(i < 6);
        count[i]++;
    }
    for (int i = 0; i < 6; i++) {
        double want = K * w[i], sd = sqrt(K * w[i] * (1 - w[i]));
        if (fabs(count[i] - want) > 4.5 * sd)
            fail_msg("particle %d: %d of %d draws, expected %.0f +- %.0f", i, count[i], K, want, 4.5 * sd);
    }
    assert_int_equal(count[5], 0);   /* weight 0: never */
}

/* The particle of draw k is a function of (seed, k) alone: the same in
 * any order of evaluation, and another seed gives other particles. */
static void test_pick_counter_based(void **state)
{
    (void)state;
    static const double w[8] = {0.125, 0.125, 0.125, 0.125, 0.125, 0.125, 0.125, 0.125};
    static const char *const keys[1] = {"a"};
    fixture f;
    make(&f, w, 8, keys, 1);
    size_t fwd[200], differ = 0;
    for (int k = 1; k <= 200; k++) fwd[k - 1] = os_posterior_pick(&f.post, 99, k);
    for (int k = 200; k >= 1; k--) assert_int_equal(os_posterior_pick(&f.post, 99, k), fwd[k - 1]);
    for (int k = 1; k <= 200; k++) differ += os_posterior_pick(&f.post, 100, k) != fwd[k - 1];
    /* independent picks agree with probability 1/8: about 175 differ */
    assert_true(differ > 140);
}

static const os_param_spec specs[] = {
    {"run.seed", OS_P_INT, "1", 0, 1e18, 1, NULL, NULL, ""},
    {"a", OS_P_REAL, "1", 0, 100, 1, NULL, NULL, "in the posterior, with a distribution"},
    {"b", OS_P_REAL, "1", 0, 100, 1, NULL, NULL, "in the posterior, fixed"},
    {"c", OS_P_REAL, "1", 0, 100, 1, NULL, NULL, "not in the posterior"},
};

static os_cfg *load(void)
{
    os_cfg *cfg;
    os_err err = {0};
    static const char *const text =
        "run: {seed: 7}\n"
        "a: {value: 50, dist: {type: normal, mean: 50, sd: 5}}\n"
        "b: {value: 1, dist: {type: fixed}}\n"
        "c: {value: 3, dist: {type: gamma, shape: 3, scale: 1}}\n";
    if (os_cfg_load_string(&cfg, text, "test", NULL, NULL, 0, &err)) fail_msg("%s", err.msg);
    if (os_cfg_declare(cfg, specs, sizeof specs / sizeof specs[0], &err)) fail_msg("%s", err.msg);
    if (os_cfg_validate(cfg, &err)) fail_msg("%s", err.msg);
    return cfg;
}

/* Posterior parameters take the particle's values (never a prior draw),
 * jointly; the others are the draws of a PSA without a posterior. */
static void test_apply_joint(void **state)
{
    (void)state;
    static const double w[4] = {0.1, 0.2, 0.3, 0.4};
    static const char *const keys[2] = {"b", "a"};
    fixture f;
    make(&f, w, 4, keys, 2);
    os_err err = {0};
    os_cfg *with = load(), *without = load();
    for (int k = 1; k <= 50; k++) {
        assert_int_equal(os_psa_apply(with, k, &f.post, NULL, 0, &err), 0);
        assert_int_equal(os_psa_apply(without, k, NULL, NULL, 0, &err), 0);
        size_t i = os_posterior_pick(&f.post, 7, k);
        assert_true(os_cfg_real(with, "b") == f.samples[i * 2 + 0]);
        assert_true(os_cfg_real(with, "a") == f.samples[i * 2 + 1]);
        /* the pair comes from one particle */
        assert_true(fabs(os_cfg_real(with, "a") - 0.01 * os_cfg_real(with, "b")) < 1e-12);
        assert_true(os_cfg_real(with, "c") == os_cfg_real(without, "c"));
        assert_true(os_cfg_real(without, "b") == 1);   /* fixed: not drawn */
    }
    os_cfg_free(with);
    os_cfg_free(without);
}

/* A value outside the parameter's valid range is an error naming the
 * file and the dataset, not clamped. */
static void test_apply_out_of_range(void **state)
{
    (void)state;
    static const double w[2] = {0.5, 0.5};
    static const char *const keys[1] = {"a"};
    fixture f;
    make(&f, w, 2, keys, 1);
    f.samples[0] = f.samples[1] = 250;   /* a is declared on [0, 100] */
    os_err err = {0};
    os_cfg *cfg = load();
    assert_int_equal(os_psa_apply(cfg, 1, &f.post, NULL, 0, &err), OS_ECONFIG);
    assert_non_null(strstr(err.msg, "(memory): /posterior/samples: particle"));
    assert_non_null(strstr(err.msg, "a"));
    os_cfg_free(cfg);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pick_proportional),
        cmocka_unit_test(test_pick_counter_based),
        cmocka_unit_test(test_apply_joint),
        cmocka_unit_test(test_apply_out_of_range),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
