#include "rng.h"

#include <math.h>

#include <Random123/philox.h>
#include <Random123/gsl_microrng.h>

uint32_t os_rng_purpose(const char *name)
{
    uint32_t h = 2166136261u;          /* FNV-1a offset basis */
    for (const unsigned char *p = (const unsigned char *)name; *p; p++) {
        h ^= *p;
        h *= 16777619u;                /* FNV prime */
    }
    return h;
}

void os_rng_init(os_rng *r, uint64_t seed, uint32_t agent, uint32_t year,
                 uint32_t purpose)
{
    r->key[0] = agent;
    r->key[1] = (uint32_t)seed;
    r->ctr[0] = year;
    r->ctr[1] = purpose;
    r->ctr[2] = 0;
    r->ctr[3] = (uint32_t)(seed >> 32);
    r->pos = 4;
    r->has_spare = 0;
    r->spare = 0.0;
}

_Thread_local uint64_t os_rng_blocks;

uint64_t os_rng_take_blocks(void)
{
    uint64_t n = os_rng_blocks;
    os_rng_blocks = 0;
    return n;
}


double os_rng_normal(os_rng *r)
{
    if (r->has_spare) {
        r->has_spare = 0;
        return r->spare;
    }
    double u1 = os_rng_uniform(r), u2 = os_rng_uniform(r);
    double rad = sqrt(-2.0 * log(u1));
    double ang = 2.0 * M_PI * u2;
    r->spare = rad * sin(ang);
    r->has_spare = 1;
    return rad * cos(ang);
}

double os_rng_box_muller(double u1, double u2)
{
    /* The same expressions as os_rng_normal's first normal. */
    double rad = sqrt(-2.0 * log(u1));
    double ang = 2.0 * M_PI * u2;
    return rad * cos(ang);
}

/* GSL adaptor shipped with Random123: gsl_rng_os_philox draws from a
 * Philox counter/key pair set by os_philox_reset. */
GSL_MICRORNG(os_philox, philox4x32);

gsl_rng *os_rng_gsl_alloc(void)
{
    return gsl_rng_alloc(gsl_rng_os_philox);
}

void os_rng_gsl_reset(gsl_rng *g, uint64_t seed, uint32_t agent,
                      uint32_t year, uint32_t purpose)
{
    /* The micro-RNG reserves the last counter word for its own index, so
     * the seed's high bits go into the purpose word instead. */
    philox4x32_ctr_t c = {{year, purpose ^ (uint32_t)(seed >> 32), 0x5eedu, 0}};
    philox4x32_key_t k = {{agent, (uint32_t)seed}};
    os_philox_reset(g, c, k);
}
