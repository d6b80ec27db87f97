/* Diagnosis classification exactly at the cut-points. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "diagnosis.h"
#include "physiology.h"

static os_dx_par par(void)
{
    os_dx_par p = {
        .t_osteoporosis = -2.5, .t_normal = -1.0,
        .ew_grip = {16, 27}, .ew_chair = 15, .ew_asm = {15, 20},
        .ew_asmi = {5.5, 7.0}, .ew_gait = 0.8,
        .aw_grip = {18, 28}, .aw_asmi = {5.7, 7.0}, .aw_gait = 1.0,
        .aw_chair = 12,
    };
    return p;
}

/* Healthy woman: height 1 m so ASMI = ASM. */

static void test_who(void **state)
{
    (void)state;
    os_dx_par p = par();
    assert_int_equal(os_dx_classify(&p, 0, -2.5f, 20, 1, 30, 1.5f, 8) & 3, OS_DX_OSTEOPOROSIS);
    assert_int_equal(os_dx_classify(&p, 0, -2.49f, 20, 1, 30, 1.5f, 8) & 3, OS_DX_OSTEOPENIA);
    assert_int_equal(os_dx_classify(&p, 0, -1.0f, 20, 1, 30, 1.5f, 8) & 3, 0);
    assert_int_equal(os_dx_classify(&p, 0, -1.01f, 20, 1, 30, 1.5f, 8) & 3, OS_DX_OSTEOPENIA);
    assert_int_equal(os_dx_classify(&p, 0, 0.0f, 20.0f, 1.0f, 30.0f, 1.5f, 8.0f), 0);
}

static void test_ewgsop2(void **state)
{
    (void)state;
    os_dx_par p = par();
    /* grip exactly 16 is not low (< 16); chair exactly 15 not slow (> 15) */
    assert_int_equal(os_dx_classify(&p, 0, 0, 20, 1, 16.0f, 1.5f, 15.0f) & OS_DX_SARC_PROBABLE_EW, 0);
    assert_int_equal(os_dx_classify(&p, 0, 0, 20, 1, 15.99f, 1.5f, 8) & OS_DX_SARC_PROBABLE_EW, OS_DX_SARC_PROBABLE_EW);
    assert_int_equal(os_dx_classify(&p, 0, 0, 20, 1, 30, 1.5f, 15.01f) & OS_DX_SARC_PROBABLE_EW, OS_DX_SARC_PROBABLE_EW);
    /* confirmed needs ASM < 15 or ASMI < 5.5: ASM 15 at h=1.6 (ASMI 5.86) no */
    unsigned d = os_dx_classify(&p, 0, 0, 15.0f, 1.6f, 15, 1.5f, 8);
    assert_int_equal(d & OS_DX_SARC_EW, 0);
    d = os_dx_classify(&p, 0, 0, 14.99f, 1.6f, 15, 1.5f, 8);
    assert_int_equal(d & OS_DX_SARC_EW, OS_DX_SARC_EW);
    /* severe: gait <= 0.8 */
    d = os_dx_classify(&p, 0, 0, 14.0f, 1.6f, 15, 0.8f, 8);
    assert_int_equal(d & OS_DX_SARC_SEVERE_EW, OS_DX_SARC_SEVERE_EW);
    d = os_dx_classify(&p, 0, 0, 14.0f, 1.6f, 15, 0.81f, 8);
    assert_int_equal(d & OS_DX_SARC_SEVERE_EW, 0);
    /* men: grip < 27, ASMI < 7.0 via ASM 25 at h 2.0 (6.25) */
    d = os_dx_classify(&p, 1, 0, 25.0f, 2.0f, 26.99f, 1.5f, 8);
    assert_int_equal(d & OS_DX_SARC_EW, OS_DX_SARC_EW);
    d = os_dx_classify(&p, 1, 0, 25.0f, 2.0f, 27.0f, 1.5f, 8);
    assert_int_equal(d & (OS_DX_SARC_EW | OS_DX_SARC_PROBABLE_EW), 0);
}

static void test_awgs(void **state)
{
    (void)state;
    os_dx_par p = par();
    /* ASMI exactly 5.7 is not low; chair exactly 12 is slow (>= 12) */
    unsigned d = os_dx_classify(&p, 0, 0, 5.7f, 1.0f, 30, 1.5f, 12.0f);
    assert_int_equal(d & OS_DX_SARC_AWGS, 0);
    d = os_dx_classify(&p, 0, 0, 5.69f, 1.0f, 30, 1.5f, 12.0f);
    assert_int_equal(d & (OS_DX_SARC_AWGS | OS_DX_SARC_SEVERE_AWGS), OS_DX_SARC_AWGS);
    d = os_dx_classify(&p, 0, 0, 5.69f, 1.0f, 30, 1.0f, 11.99f);   /* gait 1.0 ok */
    assert_int_equal(d & OS_DX_SARC_AWGS, 0);
    d = os_dx_classify(&p, 0, 0, 5.69f, 1.0f, 17.99f, 0.99f, 8);   /* severe */
    assert_int_equal(d & (OS_DX_SARC_AWGS | OS_DX_SARC_SEVERE_AWGS),
                     OS_DX_SARC_AWGS | OS_DX_SARC_SEVERE_AWGS);
    d = os_dx_classify(&p, 1, 0, 6.99f, 1.0f, 28.0f, 1.5f, 8);     /* men grip 28 ok */
    assert_int_equal(d & OS_DX_SARC_AWGS, 0);
    d = os_dx_classify(&p, 1, 0, 6.99f, 1.0f, 27.99f, 1.5f, 8);
    assert_int_equal(d & OS_DX_SARC_AWGS, OS_DX_SARC_AWGS);
}

static void test_osteosarcopenia(void **state)
{
    (void)state;
    os_dx_par p = par();
    unsigned d = os_dx_classify(&p, 0, -2.5f, 5.0f, 1.0f, 15, 1.5f, 8);
    assert_true(d & OS_DX_OSTEOSARC_EW);
    assert_true(d & OS_DX_OSTEOSARC_AWGS);
    assert_true(d & OS_DX_OSTEOSARC_BROAD_EW);
    assert_true(d & OS_DX_OSTEOSARC_BROAD_AWGS);
    d = os_dx_classify(&p, 0, -2.0f, 5.0f, 1.0f, 15, 1.5f, 8);
    assert_false(d & (OS_DX_OSTEOSARC_EW | OS_DX_OSTEOSARC_AWGS));
    assert_true(d & OS_DX_OSTEOSARC_BROAD_EW);
    d = os_dx_classify(&p, 0, -1.0f, 5.0f, 1.0f, 15, 1.5f, 8);
    assert_false(d & (OS_DX_OSTEOSARC_BROAD_EW | OS_DX_OSTEOSARC_BROAD_AWGS));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_who),
        cmocka_unit_test(test_ewgsop2),
        cmocka_unit_test(test_awgs),
        cmocka_unit_test(test_osteosarcopenia),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
