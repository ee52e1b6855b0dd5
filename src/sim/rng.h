/* rng: counter-based random numbers tied to what they drive (docs/COMMANDS.md).
 *
 * Every input (an element, a risk, a currency's inflation or FX, the slip)
 * has a key derived from (seed, kind, id). The i-th uniform the input
 * consumes in trial j is a pure function of (key, j, i): Philox4x64-10
 * (Random123) on counter (j / 4, i), lane j % 4, so one Philox call gives
 * number i of four consecutive trials and a run that draws trials in order
 * uses all four outputs of every call. Nothing here has state, so
 * any thread can draw any trial, and adding or removing other inputs never
 * changes an input's numbers. The full 64-bit seed enters the key, so seeds
 * s and s + 2^32 differ. */
#ifndef CS_RNG_H
#define CS_RNG_H

#include <stdint.h>
#include <stddef.h>

typedef struct {
    uint64_t k0, k1;
} cs_rng_key;

/* kind is a short tag ("element", "risk", "inflation", "fx", "slip");
 * id the element/risk id or currency code ("" for the slip). */
cs_rng_key cs_rng_key_make(uint64_t seed, const char *kind, const char *id);

/* Fills out[0 .. n-1] with the uniforms 0 .. n-1 of trial j, each in the
 * open interval (0, 1): (k + 0.5) / 2^52 for a random 52-bit k, so the
 * values lie in [2^-53, 1 - 2^-53] and 1 - u is exact. One Philox call per
 * number (use cs_rng_lanes to draw four trials at once). */
void cs_rng_uniforms(cs_rng_key key, uint64_t trial, double *out, size_t n);

/* The single uniform number `index` of trial j. */
double cs_rng_uniform(cs_rng_key key, uint64_t trial, uint32_t index);

/* The uniform number `index` of trials 4 group .. 4 group + 3 into
 * out[0 .. 3] (out[l] is that of trial 4 group + l), from one Philox call. */
void cs_rng_lanes(cs_rng_key key, uint64_t group, uint64_t index, double out[4]);

#endif
