/* rng: stateless uniforms from Philox4x64-10 (Random123), keyed by
 * (seed, kind, id) and counted by (trial / 4, index), lane trial % 4
 * (docs/COMMANDS.md).
 *
 * Only uniforms live here; turning them into draws is dist's job. There is
 * no generator state to share or lock. */
#include "rng.h"

#include <Random123/philox.h>

/* splitmix64's output function (Steele, Lea & Flood 2014): mixes every
 * input bit into every output bit, so ids that differ in one character give
 * unrelated keys. */
static uint64_t splitmix64_mix(uint64_t z)
{
    z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
    return z ^ (z >> 31);
}

/* FNV-1a 64 (Fowler, Noll, Vo) over bytes, continuing from h. */
static uint64_t fnv1a(uint64_t h, const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        h ^= *p;
        h *= UINT64_C(0x100000001b3);
    }
    return h;
}

cs_rng_key cs_rng_key_make(uint64_t seed, const char *kind, const char *id)
{
    uint64_t h = UINT64_C(0xcbf29ce484222325); /* FNV-1a 64 offset basis */
    h = fnv1a(h, kind ? kind : "");
    /* A 0 byte between kind and id, so ("ab", "c") and ("a", "bc") differ. */
    h *= UINT64_C(0x100000001b3);
    h = fnv1a(h, id ? id : "");
    cs_rng_key key = {seed, splitmix64_mix(h)};
    return key;
}

/* The 52 high bits as the midpoint of one of 2^52 equal cells of [0, 1):
 * (k + 0.5) 2^-52 is exact in double, never 0 or 1, and 1 - u is exact
 * too, so the u -> 1 - u symmetry of quantiles holds bit for bit. (With 53
 * bits the midpoints above 0.5 would not be representable and the top one
 * would round to 1.) Range [2^-53, 1 - 2^-53]. */
static double to_unit(uint64_t x)
{
    return ((double)(x >> 12) + 0.5) * 0x1p-52;
}

static philox4x64_ctr_t block(cs_rng_key key, uint64_t group, uint64_t index)
{
    philox4x64_ctr_t ctr = {{group, index, 0, 0}};
    philox4x64_key_t k = {{key.k0, key.k1}};
    return philox4x64(ctr, k);
}

void cs_rng_lanes(cs_rng_key key, uint64_t group, uint64_t index, double out[4])
{
    const philox4x64_ctr_t r = block(key, group, index);
    for (int lane = 0; lane < 4; lane++)
        out[lane] = to_unit(r.v[lane]);
}

void cs_rng_uniforms(cs_rng_key key, uint64_t trial, double *out, size_t n)
{
    for (size_t i = 0; i < n; i++)
        out[i] = cs_rng_uniform(key, trial, (uint32_t)i);
}

double cs_rng_uniform(cs_rng_key key, uint64_t trial, uint32_t index)
{
    const philox4x64_ctr_t r = block(key, trial >> 2, index);
    return to_unit(r.v[trial & 3]);
}
