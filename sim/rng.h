/* rng.h - counter-based random streams (Random123 Philox4x32-10).
 *
 * Every draw belongs to one agent, one simulated year and one named purpose:
 *     key     = (agent id, low 32 bits of the seed)
 *     counter = (year, purpose, block index, high 32 bits of the seed)
 * so a draw does not depend on which thread, chunk or process computes it,
 * and every arm of a scenario sees the same draws for the same purpose
 * (common random numbers).  A stream yields 4 uniforms per Philox call and
 * can be read as long as needed (2^32 blocks).
 *
 * Purposes are named strings hashed once at module init (os_rng_purpose), so
 * adding a model needs no central enum.
 */
#ifndef OS_RNG_H
#define OS_RNG_H

#include <stdint.h>

#include <gsl/gsl_rng.h>

typedef struct os_rng {
    uint32_t key[2];
    uint32_t ctr[4];
    uint32_t buf[4];
    int pos;           /* next unused word of buf; 4 = empty */
    int has_spare;     /* Box-Muller keeps its second normal */
    double spare;
} os_rng;

/* 32-bit FNV-1a hash of a purpose name. */
uint32_t os_rng_purpose(const char *name);

void os_rng_init(os_rng *r, uint64_t seed, uint32_t agent, uint32_t year,
                 uint32_t purpose);

/* Next 32 random bits. */
static inline uint32_t os_rng_u32(os_rng *r);

/* Uniform on the open interval (0, 1), 32-bit resolution. */
static inline double os_rng_uniform(os_rng *r);

/* Standard normal (Box-Muller on two uniforms). */
double os_rng_normal(os_rng *r);

/* Bernoulli(p) as 0/1. */
static inline int os_rng_bernoulli(os_rng *r, double p)
{
    return os_rng_uniform(r) < p;
}

/* A gsl_rng view of a stream, for GSL's distributions (gamma, beta, ...)
 * outside hot loops.  The gsl_rng must be freed with gsl_rng_free. */
gsl_rng *os_rng_gsl_alloc(void);
void os_rng_gsl_reset(gsl_rng *g, uint64_t seed, uint32_t agent,
                      uint32_t year, uint32_t purpose);

/* ---- inline implementation ---- */
void os_rng_refill(os_rng *r);

static inline uint32_t os_rng_u32(os_rng *r)
{
    if (r->pos >= 4) os_rng_refill(r);
    return r->buf[r->pos++];
}

static inline double os_rng_uniform(os_rng *r)
{
    /* (k + 0.5) / 2^32 is never 0 or 1, so log(u) and 1/u are safe. */
    return ((double)os_rng_u32(r) + 0.5) * (1.0 / 4294967296.0);
}

#endif
