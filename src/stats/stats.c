/* stats: percentiles, moments, ranks and the quantile sketch (see stats.h).
 *
 * Sorting is an LSD radix sort on the IEEE bit patterns (fast and
 * deterministic); ranks sort (key, index) pairs the same way, and average
 * ranks depend only on which values are equal, never on how ties were
 * ordered. Nothing here prints or keeps global state. The radix sorts keep
 * their digit counts in thread-local tables: nothing is shared. */
#include "stats.h"

#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/* ---- Sorting doubles --------------------------------------------------- */

#define SIGN_BIT UINT64_C(0x8000000000000000)

/* Maps a double to an unsigned key with the same order: positives get the
 * sign bit set, negatives are complemented (so larger magnitude sorts
 * lower). -0.0 sorts just below +0.0, which compare equal anyway. */
static uint64_t key_of_double(double d)
{
    uint64_t u;
    memcpy(&u, &d, sizeof u);
    return (u & SIGN_BIT) ? ~u : u | SIGN_BIT;
}

static double double_of_key(uint64_t k)
{
    uint64_t u = (k & SIGN_BIT) ? k & ~SIGN_BIT : ~k;
    double d;
    memcpy(&d, &u, sizeof d);
    return d;
}

/* Insertion sort of a short run of keys. */
static void insertion_sort_keys(uint64_t *keys, size_t n)
{
    for (size_t i = 1; i < n; i++) {
        uint64_t k = keys[i];
        size_t j = i;
        for (; j > 0 && keys[j - 1] > k; j--)
            keys[j] = keys[j - 1];
        keys[j] = k;
    }
}

/* For a radix sort of the `bits` highest bits in which the n >= 2 keys
 * differ (the bits above those are the same in every key): how many low
 * bits it leaves unsorted, or -1 when every key is the same. */
static int unsorted_bits(const uint64_t *key, size_t n, int bits)
{
    uint64_t differ = 0;
    for (size_t i = 1; i < n; i++)
        differ |= key[i] ^ key[0];
    if (differ == 0)
        return -1;
    int width = 0; /* the keys differ only in bits 0 .. width-1 */
    while (width < 64 && (differ >> width) != 0)
        width++;
    return width > bits ? width - bits : 0;
}

/* Sorts keys (ascending) with scratch room for n more. An LSD radix sort,
 * 11 bits a pass, over at most the 22 highest bits in which the keys
 * differ (bits above them are the same in every key; a pass whose digit is
 * the same in every key is skipped). When the keys differ in more than 22
 * bits, the keys are then in order of their high bits, and each run of keys
 * that share them is sorted on its own, which completes a full sort. For
 * amounts such runs are short and few: 22 bits past the common prefix
 * split the values' spread into about 4 million slots, against a block's
 * 1 024 to 32 768 values, so two passes and a scan for the runs cost less
 * than a third pass over every key. */
static void radix_sort_keys(uint64_t *keys, uint64_t *scratch, size_t n)
{
    enum { BITS = 11, PASSES = 2, RADIX = 1 << BITS };
    static _Thread_local uint32_t count[PASSES][RADIX];
    int low = n < 2 ? -1 : unsorted_bits(keys, n, BITS * PASSES);
    if (low < 0)
        return;
    memset(count, 0, sizeof count);
    for (size_t i = 0; i < n; i++) {
        uint64_t k = keys[i] >> low;
        for (int d = 0; d < PASSES; d++)
            count[d][(k >> (BITS * d)) & (RADIX - 1)]++;
    }

    uint64_t *src = keys, *dst = scratch;
    for (int d = 0; d < PASSES; d++) {
        int shift = low + BITS * d;
        if (shift >= 64 || count[d][(src[0] >> shift) & (RADIX - 1)] == n)
            continue;
        uint32_t *offset = count[d], sum = 0;
        for (int b = 0; b < RADIX; b++) {
            uint32_t c = offset[b];
            offset[b] = sum;
            sum += c;
        }
        for (size_t i = 0; i < n; i++)
            dst[offset[(src[i] >> shift) & (RADIX - 1)]++] = src[i];
        uint64_t *t = src;
        src = dst;
        dst = t;
    }
    if (src != keys)
        memcpy(keys, src, n * sizeof *keys);
    if (low == 0)
        return;
    /* Runs of keys equal in bits low .. 63: they differ in fewer than
     * `low` <= 42 bits, so a recursive sort of a run leaves runs of at
     * most 20 bits, whose own sort leaves none (three levels at most). */
    for (size_t i = 0; i < n;) {
        size_t j = i + 1;
        while (j < n && (keys[j] >> low) == (keys[i] >> low))
            j++;
        if (j - i >= 64)
            radix_sort_keys(keys + i, scratch, j - i);
        else if (j - i > 1)
            insertion_sort_keys(keys + i, j - i);
        i = j;
    }
}

/* Sorts the keys of x through keys (2n words), n < 2^32, leaving x as it
 * is. Exact zeros (+0.0, common in risk and year rows: a risk that does not
 * occur, a year with no flow) are set aside: keys[0 .. m-1] are the other
 * values' keys in order, *negatives of them below zero, and the sorted x
 * is keys[0 .. negatives-1], then n - m zeros, then the rest (where a full
 * sort puts the zeros). Returns m. */
static size_t sorted_keys(const double *x, size_t n, uint64_t *keys, size_t *negatives)
{
    size_t m = 0, neg = 0;
    for (size_t i = 0; i < n; i++) {
        uint64_t k = key_of_double(x[i]);
        keys[m] = k;
        m += k != UINT64_C(0x8000000000000000); /* the key of +0.0 */
    }
    if (m > 1)
        radix_sort_keys(keys, keys + m, m);
    while (neg < m && keys[neg] < UINT64_C(0x8000000000000000))
        neg++;
    *negatives = neg;
    return m;
}

/* The value at position p of the sorted x of sorted_keys. */
static double sorted_at(const uint64_t *keys, size_t n, size_t m, size_t negatives, size_t p)
{
    size_t zeros = n - m;
    if (p < negatives)
        return double_of_key(keys[p]);
    return p < negatives + zeros ? 0.0 : double_of_key(keys[p - zeros]);
}

/* Radix sort of x through keys (2n words), n < 2^32. */
static void sort_with_keys(double *x, size_t n, uint64_t *keys)
{
    size_t negatives, m = sorted_keys(x, n, keys, &negatives);
    for (size_t i = 0; i < n; i++)
        x[i] = sorted_at(keys, n, m, negatives, i);
}

static int compare_doubles(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Allocates 2n 64-bit words while it runs; if that fails it falls back to
 * qsort (slower, same result). */
void cs_stats_sort_doubles(double *x, size_t n)
{
    if (n < 2)
        return;
    if (n < 64) {
        for (size_t i = 1; i < n; i++) {
            double v = x[i];
            size_t j = i;
            for (; j > 0 && x[j - 1] > v; j--)
                x[j] = x[j - 1];
            x[j] = v;
        }
        return;
    }
    uint64_t *keys = n < UINT32_MAX ? malloc(2 * n * sizeof *keys) : NULL;
    if (!keys) {
        qsort(x, n, sizeof *x, compare_doubles);
        return;
    }
    sort_with_keys(x, n, keys);
    free(keys);
}

void cs_stats_sort_doubles_work(double *x, size_t n, uint64_t *work)
{
    if (n < 64 || !work || n >= UINT32_MAX)
        cs_stats_sort_doubles(x, n);
    else
        sort_with_keys(x, n, work);
}

/* ---- Percentiles and moments ------------------------------------------- */

/* Interpolates between the values at positions lo and lo + 1 (R type 7).
 * Returning x_lo when the fraction is 0 keeps exact order statistics exact
 * (and avoids 0 * inf if the neighbours differ by more than DBL_MAX). */
static double interpolate(double x_lo, double x_hi, double fraction)
{
    if (fraction <= 0)
        return x_lo;
    double gap = x_hi - x_lo;
    if (!isfinite(gap) && isfinite(x_lo) && isfinite(x_hi))
        return x_lo * (1 - fraction) + x_hi * fraction; /* ends of opposite signs near DBL_MAX */
    return x_lo + fraction * gap;
}

double cs_stats_interpolate(double x_lo, double x_hi, double fraction)
{
    return interpolate(x_lo, x_hi, fraction);
}

void cs_stats_rank(uint64_t n, double p, uint64_t *lo, double *fraction)
{
    *lo = 0;
    *fraction = 0;
    if (n < 2 || !(p > 0)) /* also NaN */
        return;
    if (p >= 1) {
        *lo = n - 1;
        return;
    }
    double pct = p * 100, whole = nearbyint(pct);
    if (whole >= 1 && fabs(pct - whole) <= 1e-9 && n - 1 <= UINT64_MAX / 100) {
        uint64_t h100 = (n - 1) * (uint64_t)whole;
        *lo = h100 / 100;
        *fraction = (double)(h100 % 100) / 100.0;
        return;
    }
    double h = (double)(n - 1) * p;
    *lo = (uint64_t)floor(h);
    *fraction = h - (double)*lo;
    if (*lo >= n - 1) {
        *lo = n - 1;
        *fraction = 0;
    }
}

double cs_stats_percentile_sorted(const double *sorted, size_t n, double p)
{
    if (n == 0)
        return NAN;
    uint64_t lo;
    double fraction;
    cs_stats_rank(n, p, &lo, &fraction);
    if (lo >= n - 1)
        return sorted[n - 1];
    return interpolate(sorted[lo], sorted[lo + 1], fraction);
}

/* The values of ranks k and, when two, k + 1 (0-based, sorted ascending)
 * of x[0 .. n-1] into at[0] and at[1], reordering x. A radix selection on
 * the values' sort keys: each pass counts the 11 highest bits in which the
 * remaining values differ, keeps only the values whose digit holds rank k
 * (moved to the front, in order) and goes on inside them; when rank k is
 * the last of its digit, rank k + 1 is the smallest above it, which one
 * more scan finds. No comparisons that go either way at random, and about
 * three reads of the values in all (the first pass keeps a 2 048th of
 * them when they spread), against a quickselect's partitions. The ranks
 * are those of cs_stats_sort_doubles, -0.0 just below +0.0 included. */
static void select_ranks(double *x, size_t n, size_t k, bool two, double at[2])
{
    enum { BITS = 11, RADIX = 1 << BITS };
    uint32_t count[RADIX];
    for (;;) {
        if (n < 64) {
            cs_stats_sort_doubles(x, n);
            at[0] = x[k];
            at[1] = two ? x[k + 1] : x[k];
            return;
        }
        uint64_t first = key_of_double(x[0]), differ = 0;
        for (size_t i = 1; i < n; i++)
            differ |= key_of_double(x[i]) ^ first;
        if (differ == 0) { /* every value the same, bit for bit */
            at[0] = at[1] = x[0];
            return;
        }
        int width = 0;
        while (width < 64 && (differ >> width) != 0)
            width++;
        int shift = width > BITS ? width - BITS : 0;
        memset(count, 0, sizeof count);
        for (size_t i = 0; i < n; i++)
            count[(key_of_double(x[i]) >> shift) & (RADIX - 1)]++;
        size_t below = 0;
        unsigned d = 0;
        while (below + count[d] <= k)
            below += count[d++];
        if (two && k + 1 == below + count[d]) {
            uint64_t last = 0, next = UINT64_MAX;
            for (size_t i = 0; i < n; i++) {
                uint64_t key = key_of_double(x[i]);
                unsigned digit = (unsigned)(key >> shift) & (RADIX - 1);
                if (digit == d)
                    last = key > last ? key : last;
                else if (digit > d)
                    next = key < next ? key : next;
            }
            at[0] = double_of_key(last);
            at[1] = double_of_key(next);
            return;
        }
        size_t m = 0;
        for (size_t i = 0; i < n; i++) { /* branch-free: a move whether kept or not */
            double v = x[i];
            x[m] = v;
            m += ((unsigned)(key_of_double(v) >> shift) & (RADIX - 1)) == d;
        }
        n = m;
        k -= below;
    }
}

double cs_stats_percentile_select(double *x, size_t n, double p)
{
    if (n == 0)
        return NAN;
    uint64_t lo;
    double fraction;
    cs_stats_rank(n, p, &lo, &fraction);
    double at[2];
    if (lo >= n - 1) {
        select_ranks(x, n, n - 1, false, at);
        return at[0];
    }
    select_ranks(x, n, lo, true, at);
    return interpolate(at[0], at[1], fraction);
}

/* Corrected two-pass algorithm (Chan, Golub & LeVeque 1983, eq. 1.7): the
 * second term removes the rounding error of the mean from the sum of
 * squares. Avoids the cancellation of sum(x^2) - n mean^2. The mean's sum
 * is compensated (Neumaier) so that large offsets lose nothing. */
void cs_stats_mean_sd(const double *x, size_t n, double *mean, double *sd)
{
    if (n == 0) {
        *mean = NAN;
        *sd = NAN;
        return;
    }
    double sum = 0, compensation = 0;
    for (size_t i = 0; i < n; i++) {
        double t = sum + x[i];
        if (fabs(sum) >= fabs(x[i]))
            compensation += (sum - t) + x[i];
        else
            compensation += (x[i] - t) + sum;
        sum = t;
    }
    double m = (sum + compensation) / (double)n;
    *mean = m;
    if (n == 1) {
        *sd = 0;
        return;
    }
    double squares = 0, deviations = 0;
    for (size_t i = 0; i < n; i++) {
        double d = x[i] - m;
        squares += d * d;
        deviations += d;
    }
    double variance = (squares - deviations * deviations / (double)n) / (double)(n - 1);
    *sd = variance > 0 ? sqrt(variance) : 0;
}

/* Whether x counts as "at or below" v: below, or equal within 1e-9
 * relative. Monotone along a sorted array (true, then false): for x > v,
 * x - v grows with slope 1 while 1e-9 max(|x|,|v|) grows with slope at most
 * 1e-9, so binary search applies. */
static int at_or_below(double x, double v)
{
    if (x <= v)
        return 1;
    double scale = fabs(x) > fabs(v) ? fabs(x) : fabs(v);
    return x - v <= 1e-9 * scale;
}

bool cs_stats_at_or_below(double x, double v) { return at_or_below(x, v); }

size_t cs_stats_lower_bound(const double *sorted, size_t n, double v)
{
    size_t a = 0, b = n;
    while (a < b) {
        size_t mid = a + (b - a) / 2;
        if (sorted[mid] < v)
            a = mid + 1;
        else
            b = mid;
    }
    return a;
}

double cs_stats_percent_at_or_below(const double *sorted, size_t n, double v)
{
    if (n == 0)
        return NAN;
    size_t lo = 0, hi = n; /* first index not counted lies in [lo, hi] */
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (at_or_below(sorted[mid], v))
            lo = mid + 1;
        else
            hi = mid;
    }
    return 100.0 * (double)lo / (double)n;
}

/* ---- Ranks -------------------------------------------------------------- */

/* Sorts key[0 .. n-1] ascending, carrying idx along, as radix_sort_keys
 * sorts keys alone: 11 bits a pass over at most the 22 highest bits in
 * which the keys differ, then each run of keys that share those bits on
 * its own. Equal keys may end in any order (their ranks are the same).
 * tmp_key and tmp_idx are scratch of n. */
static void radix_sort_pairs(uint64_t *key, uint64_t *idx, uint64_t *tmp_key, uint64_t *tmp_idx,
                             size_t n)
{
    enum { BITS = 11, PASSES = 2, RADIX = 1 << BITS };
    static _Thread_local size_t count[PASSES][RADIX];
    int low = n < 2 ? -1 : unsorted_bits(key, n, BITS * PASSES);
    if (low < 0)
        return;
    memset(count, 0, sizeof count);
    for (size_t i = 0; i < n; i++)
        for (int d = 0; d < PASSES; d++)
            count[d][(key[i] >> (low + BITS * d)) & (RADIX - 1)]++;
    uint64_t *sk = key, *si = idx, *dk = tmp_key, *di = tmp_idx;
    for (int d = 0; d < PASSES; d++) {
        int shift = low + BITS * d;
        if (shift >= 64 || count[d][(sk[0] >> shift) & (RADIX - 1)] == n)
            continue;
        size_t *offset = count[d], sum = 0;
        for (int b = 0; b < RADIX; b++) {
            size_t c = offset[b];
            offset[b] = sum;
            sum += c;
        }
        for (size_t i = 0; i < n; i++) {
            size_t o = offset[(sk[i] >> shift) & (RADIX - 1)]++;
            dk[o] = sk[i];
            di[o] = si[i];
        }
        uint64_t *t = sk;
        sk = dk;
        dk = t;
        t = si;
        si = di;
        di = t;
    }
    if (sk != key) {
        memcpy(key, sk, n * sizeof *key);
        memcpy(idx, si, n * sizeof *idx);
    }
    if (low == 0)
        return;
    /* Runs of keys equal in bits low .. 63 differ in fewer than low <= 42
     * bits; a recursive sort of a run finishes its own runs (three levels
     * at most). */
    for (size_t i = 0; i < n;) {
        size_t j = i + 1;
        while (j < n && (key[j] >> low) == (key[i] >> low))
            j++;
        if (j - i >= 64) {
            radix_sort_pairs(key + i, idx + i, tmp_key, tmp_idx, j - i);
        } else {
            for (size_t a = i + 1; a < j; a++) {
                uint64_t k = key[a], x = idx[a];
                size_t b = a;
                for (; b > i && key[b - 1] > k; b--) {
                    key[b] = key[b - 1];
                    idx[b] = idx[b - 1];
                }
                key[b] = k;
                idx[b] = x;
            }
        }
        i = j;
    }
}

void cs_stats_ranks(const double *x, size_t n, double *ranks, uint64_t *work)
{
    if (n == 0)
        return;
    uint64_t *key = work, *idx = work + n;
    for (size_t i = 0; i < n; i++) {
        key[i] = key_of_double(x[i]);
        idx[i] = i;
    }
    radix_sort_pairs(key, idx, work + 2 * n, work + 3 * n, n);
    /* A run of equal values at sorted positions i .. j-1 (0-based) shares
     * the mean of the 1-based ranks i+1 .. j, i.e. (i + 1 + j) / 2. (-0.0
     * and +0.0 are equal and adjacent in either order.) */
    for (size_t i = 0; i < n;) {
        size_t j = i + 1;
        while (j < n && x[idx[j]] == x[idx[i]])
            j++;
        double rank = ((double)i + 1.0 + (double)j) / 2.0;
        for (size_t t = i; t < j; t++)
            ranks[idx[t]] = rank;
        i = j;
    }
}

double cs_stats_pearson(const double *x, const double *y, size_t n)
{
    if (n < 2)
        return 0;
    double mean_x = 0, mean_y = 0;
    for (size_t i = 0; i < n; i++) {
        mean_x += x[i];
        mean_y += y[i];
    }
    mean_x /= (double)n;
    mean_y /= (double)n;
    double sxy = 0, sxx = 0, syy = 0;
    for (size_t i = 0; i < n; i++) {
        double dx = x[i] - mean_x, dy = y[i] - mean_y;
        sxy += dx * dy;
        sxx += dx * dx;
        syy += dy * dy;
    }
    if (!(sxx > 0) || !(syy > 0))
        return 0;
    double r = sxy / sqrt(sxx * syy);
    return r > 1 ? 1 : r < -1 ? -1 : r;
}

double cs_stats_spearman(const double *x, const double *y, size_t n, double *ranks, uint64_t *work)
{
    cs_stats_ranks(x, n, ranks, work);
    cs_stats_ranks(y, n, ranks + n, work);
    return cs_stats_pearson(ranks, ranks + n, n);
}

/* docs/METHOD.md, intervals: the distribution-free interval of order
 * statistics, ranks n p -/+ 1.96 sqrt(n p (1-p)) (normal approximation to the
 * binomial count of values below the quantile), rounded outwards. */
void cs_stats_quantile_ci(const double *sorted, size_t n, double p, double *lo, double *hi)
{
    if (n == 0) {
        *lo = NAN;
        *hi = NAN;
        return;
    }
    if (!(p > 0))
        p = 0; /* also NaN: never convert NaN to a rank */
    if (p > 1)
        p = 1;
    double center = (double)n * p;
    double half = 1.96 * sqrt((double)n * p * (1 - p));
    double rank_lo = floor(center - half), rank_hi = ceil(center + half);
    if (rank_lo < 1)
        rank_lo = 1;
    if (rank_lo > (double)n)
        rank_lo = (double)n;
    if (rank_hi < 1)
        rank_hi = 1;
    if (rank_hi > (double)n)
        rank_hi = (double)n;
    *lo = sorted[(size_t)rank_lo - 1];
    *hi = sorted[(size_t)rank_hi - 1];
}

/* ---- Quantile sketch ----------------------------------------------------
 *
 * Each point stands for `weight` consecutive order statistics of its block.
 * After sorting all points by (value, weight), point i covers the merged
 * 0-based ranks C_i .. C_i + w_i - 1 (C_i = weights before it) and sits at
 * their centre P_i = C_i + (w_i - 1)/2. A percentile interpolates linearly
 * in P between the two points around h = (N-1) p, clamped to the end
 * points. With k = 1 everywhere, P_i = i and this is type 7 exactly.
 *
 * Bound. Let T(v) = #{values <= v}, T'(v) = #{values < v}, and S, S' the
 * same counts over the points (by weight). In one block the runs are
 * consecutive in sorted order, so at most one run straddles v; it keeps its
 * element at offset m = floor((k-1)/2), so the summary overcounts by at most
 * ceil((k-1)/2) and undercounts by at most floor((k-1)/2), both <= k/2 and 0
 * when k = 1. Summed over blocks, with k_b <= n_b / 1000 when k_b > 1:
 *   S - T <= O = sum ceil((k_b-1)/2),  T' - S' <= U = sum floor((k_b-1)/2),
 * and O, U <= N/2000. Let D = N/1000. Say the answer q lies between the
 * adjacent points a, b (P_a <= h < P_b, values v_a <= q <= v_b).
 *  Lower: T(v_a) >= S(v_a) - O >= C_b - O = P_b - (w_b-1)/2 - O
 *         > h - [(w_b-1)/2 + O]. The bracket is < D: block b contributes
 *         at most (k_b-1)/2 + k_b/2 < k_b <= n_b/1000, every other block
 *         <= n/2000 (and all of it is <= N/2000 < D if k_b = 1).
 *         So T(v_a) >= floor(h - D) + 1, i.e. v_a >= x(floor(h - D)).
 *  Upper: T'(v_b) <= S'(v_b) + U <= C_b + U = P_a + (w_a+1)/2 + U
 *         < h + 1 + [(w_a-1)/2 + U], and the bracket is <= D the same way,
 *         so the integer T'(v_b) <= ceil(h + D), i.e. v_b <= x(ceil(h + D)).
 *  (If P_a = h exactly the answer is v_a, and T'(v_a) <= C_a + U <= h + U.)
 *  The clamped ends follow alike: below P_0, T(v_0) >= w_0 - O, and
 *  T'(v_0) <= U.
 * Hence x(floor(h - N/1000)) <= q <= x(ceil(h + N/1000)) (0-based order
 * statistics x(r) of all N values, r clamped to 0 .. N-1): the rank error is
 * at most 0.1 percentile points, whatever the block sizes. */

typedef struct {
    double value;
    uint64_t weight; /* while sorted: the cumulative weight up to this point */
} sketch_point;

/* The points of one block: values[start ..] are its ceil(n / k) kept
 * order statistics, in ascending order, each of weight k but the last,
 * which weighs n - (runs - 1) k. Weights are implied, so a point costs 8
 * bytes while the run keeps it. */
typedef struct {
    size_t start;
    uint64_t k, n;
} sketch_segment;

struct cs_sketch {
    double *values;
    size_t n_values, value_capacity;
    sketch_segment *segments;
    size_t n_segments, segment_capacity;
    uint64_t count;
    /* Built by the first percentile: every point with its weight, sorted
     * by (value, weight), weights cumulative. Dropped when a block or
     * sketch is added. */
    sketch_point *points;
    size_t n_points;
};

cs_sketch *cs_stats_sketch_alloc(void) { return calloc(1, sizeof(cs_sketch)); }

void cs_stats_sketch_free(cs_sketch *s)
{
    if (!s)
        return;
    free(s->values);
    free(s->segments);
    free(s->points);
    free(s);
}

static void drop_points(cs_sketch *s)
{
    free(s->points);
    s->points = NULL;
    s->n_points = 0;
}

/* Room for `values` more values (exactly: sketches are many and small) and
 * `segments` more segments. */
static int sketch_reserve(cs_sketch *s, size_t values, size_t segments)
{
    if (s->n_values + values > s->value_capacity) {
        double *grown = realloc(s->values, (s->n_values + values) * sizeof *grown);
        if (!grown)
            return -1;
        s->values = grown;
        s->value_capacity = s->n_values + values;
    }
    if (s->n_segments + segments > s->segment_capacity) {
        size_t capacity = s->segment_capacity ? 2 * s->segment_capacity : 1;
        while (capacity < s->n_segments + segments)
            capacity *= 2;
        sketch_segment *grown = realloc(s->segments, capacity * sizeof *grown);
        if (!grown)
            return -1;
        s->segments = grown;
        s->segment_capacity = capacity;
    }
    return 0;
}

int cs_stats_sketch_add_block(cs_sketch *s, double *values, size_t n)
{
    return cs_stats_sketch_add_block_work(s, values, n, NULL);
}

int cs_stats_sketch_add_block_work(cs_sketch *s, double *values, size_t n, uint64_t *work)
{
    if (n == 0)
        return 0;
    size_t k = n / 1000 > 1 ? n / 1000 : 1;
    size_t runs = (n + k - 1) / k;
    if (sketch_reserve(s, runs, 1) != 0)
        return -1;
    drop_points(s);
    sketch_segment *seg = &s->segments[s->n_segments++];
    seg->start = s->n_values;
    seg->k = k;
    seg->n = n;
    s->count += n;
    if (k == 1) {
        /* Every value is kept: they are sorted when the sketch is read
         * (build_points), once for all blocks, not here. */
        memcpy(s->values + s->n_values, values, n * sizeof *values);
        s->n_values += n;
        return 0;
    }
    /* A row that holds one value throughout (a fixed amount, a risk that
     * never occurs in the block) is already sorted. */
    size_t same = 1;
    uint64_t first;
    memcpy(&first, &values[0], sizeof first);
    while (same < n) {
        uint64_t bits;
        memcpy(&bits, &values[same], sizeof bits);
        if (bits != first)
            break;
        same++;
    }
    /* With scratch, only the kept order statistics are read back from
     * the sorted keys. */
    bool keyed = same < n && work && n >= 64 && n < UINT32_MAX;
    size_t m = n, negatives = 0;
    if (keyed)
        m = sorted_keys(values, n, work, &negatives);
    else if (same < n)
        cs_stats_sort_doubles(values, n);
    for (size_t start = 0; start < n; start += k) {
        size_t length = n - start < k ? n - start : k, p = start + (length - 1) / 2;
        s->values[s->n_values++] = keyed ? sorted_at(work, n, m, negatives, p) : values[p];
    }
    return 0;
}

size_t cs_stats_block_points(double *values, size_t n, size_t k, size_t first, uint64_t *work,
                             double *out)
{
    if (n == 0)
        return 0;
    if (k == 0)
        k = 1;
    if (first == 0 || first > k)
        first = k;
    cs_stats_sort_doubles_work(values, n, work);
    size_t m = 0;
    for (size_t start = 0, run = first; start < n; start += run, run = k) {
        size_t length = n - start < run ? n - start : run;
        out[m++] = values[start + (length - 1) / 2];
    }
    return m;
}

uint64_t cs_stats_sketch_count(const cs_sketch *s) { return s->count; }

/* By value, then weight: equal pairs are interchangeable, so the result
 * does not depend on qsort's (in)stability. */
static int compare_points(const void *a, const void *b)
{
    const sketch_point *p = a, *q = b;
    if (p->value != q->value)
        return p->value < q->value ? -1 : 1;
    return (p->weight > q->weight) - (p->weight < q->weight);
}

/* P_i = C_i + (w_i - 1)/2 = (end_{i-1} + end_i - 1) / 2, exact in double
 * below 2^52 values. */
static double point_position(const sketch_point *points, size_t i)
{
    double before = i > 0 ? (double)points[i - 1].weight : 0;
    return (before + (double)points[i].weight - 1) / 2;
}

/* Sorts points by compare_points: a bottom-up merge of the ascending runs
 * already there (each block's points arrive sorted, so a run is a block),
 * O(m log runs); qsort when the scratch cannot be had. Equal points are
 * interchangeable, so the result is the same either way. */
static void sort_points(sketch_point *pt, size_t m)
{
    sketch_point *tmp = malloc(m * sizeof *tmp);
    size_t *starts = malloc((m + 1) * sizeof *starts);
    if (!tmp || !starts) {
        free(tmp);
        free(starts);
        qsort(pt, m, sizeof *pt, compare_points);
        return;
    }
    size_t runs = 0;
    starts[runs++] = 0;
    for (size_t i = 1; i < m; i++)
        if (compare_points(&pt[i - 1], &pt[i]) > 0)
            starts[runs++] = i;
    starts[runs] = m;
    sketch_point *src = pt, *dst = tmp;
    while (runs > 1) {
        size_t out = 0;
        for (size_t r = 0; r < runs; r += 2) {
            size_t a = starts[r], mid = starts[r + 1 <= runs ? r + 1 : runs];
            size_t end = r + 2 <= runs ? starts[r + 2] : mid;
            size_t i = a, j = mid, k = a;
            while (i < mid && j < end)
                dst[k++] = compare_points(&src[j], &src[i]) < 0 ? src[j++] : src[i++];
            while (i < mid)
                dst[k++] = src[i++];
            while (j < end)
                dst[k++] = src[j++];
            starts[out++] = a;
        }
        starts[out] = m;
        runs = out;
        sketch_point *t = src;
        src = dst;
        dst = t;
    }
    if (src != pt)
        memcpy(pt, src, m * sizeof *pt);
    free(tmp);
    free(starts);
}

/* Builds s->points (sorted, cumulative weights). -1 when out of memory. */
static int build_points(cs_sketch *s)
{
    if (s->points || s->n_values == 0)
        return 0;
    sketch_point *pt = malloc(s->n_values * sizeof *pt);
    if (!pt)
        return -1;
    bool exact = true; /* every value kept: every weight is 1 */
    for (size_t g = 0; g < s->n_segments; g++)
        exact &= s->segments[g].k == 1;
    if (exact) {
        /* Sorting the values themselves (a radix sort) gives the same
         * points as merging the blocks' runs, at a fraction of the cost. */
        double *v = malloc(s->n_values * sizeof *v);
        if (!v) {
            free(pt);
            return -1;
        }
        memcpy(v, s->values, s->n_values * sizeof *v);
        cs_stats_sort_doubles(v, s->n_values);
        for (size_t i = 0; i < s->n_values; i++)
            pt[i] = (sketch_point){v[i], i + 1};
        free(v);
        s->points = pt;
        s->n_points = s->n_values;
        return 0;
    }
    size_t m = 0;
    for (size_t g = 0; g < s->n_segments; g++) {
        const sketch_segment *seg = &s->segments[g];
        size_t runs = (size_t)((seg->n + seg->k - 1) / seg->k);
        if (seg->k == 1) {
            /* A block kept whole (a run's short last block) is unsorted:
             * sorted here into the ascending run the merge expects. */
            double *v = malloc(runs * sizeof *v);
            if (!v) {
                free(pt);
                return -1;
            }
            memcpy(v, s->values + seg->start, runs * sizeof *v);
            cs_stats_sort_doubles(v, runs);
            for (size_t i = 0; i < runs; i++)
                pt[m++] = (sketch_point){v[i], 1};
            free(v);
            continue;
        }
        for (size_t i = 0; i < runs; i++) {
            pt[m].value = s->values[seg->start + i];
            pt[m].weight = i + 1 < runs ? seg->k : seg->n - (uint64_t)(runs - 1) * seg->k;
            m++;
        }
    }
    sort_points(pt, m);
    for (size_t i = 1; i < m; i++)
        pt[i].weight += pt[i - 1].weight;
    s->points = pt;
    s->n_points = m;
    return 0;
}

double cs_stats_sketch_percentile(cs_sketch *s, double p)
{
    if (s->n_values == 0 || build_points(s) != 0)
        return NAN;
    size_t m = s->n_points;
    sketch_point *pt = s->points;
    if (!(p > 0))
        p = 0;
    if (p > 1)
        p = 1;
    /* h = whole + fraction (cs_stats_rank). A position P is a multiple of
     * 1/2 below 2^52, so P - whole is exact and P <= h compares it with
     * the fraction: with every value kept (P_i = i) the answer is exactly
     * cs_stats_percentile_sorted's. */
    uint64_t whole;
    double fraction;
    cs_stats_rank(s->count, p, &whole, &fraction);
    double w = (double)whole;
    if (point_position(pt, 0) - w >= fraction)
        return pt[0].value;
    if (point_position(pt, m - 1) - w <= fraction)
        return pt[m - 1].value;
    /* Largest a with P_a <= h; P strictly increases (weights >= 1). */
    size_t lo = 0, hi = m - 1; /* P_lo <= h < P_hi */
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        if (point_position(pt, mid) - w <= fraction)
            lo = mid;
        else
            hi = mid;
    }
    double p_lo = point_position(pt, lo), p_hi = point_position(pt, hi);
    return interpolate(pt[lo].value, pt[hi].value, (w - p_lo + fraction) / (p_hi - p_lo));
}

size_t cs_stats_sketch_size(const cs_sketch *s, size_t *segments)
{
    *segments = s ? s->n_segments : 0;
    return s ? s->n_values : 0;
}

int cs_stats_sketch_reserve(cs_sketch *s, size_t values, size_t segments)
{
    return sketch_reserve(s, values, segments);
}

int cs_stats_sketch_merge(cs_sketch *dst, const cs_sketch *src)
{
    if (!src || src->n_values == 0)
        return 0;
    if (sketch_reserve(dst, src->n_values, src->n_segments) != 0)
        return -1;
    drop_points(dst);
    size_t offset = dst->n_values;
    memcpy(dst->values + offset, src->values, src->n_values * sizeof *src->values);
    dst->n_values += src->n_values;
    for (size_t g = 0; g < src->n_segments; g++) {
        sketch_segment seg = src->segments[g];
        seg.start += offset;
        dst->segments[dst->n_segments++] = seg;
    }
    dst->count += src->count;
    return 0;
}

double cs_stats_sketch_percent_at_or_below(cs_sketch *s, double v)
{
    if (s->n_values == 0 || build_points(s) != 0)
        return NAN;
    /* Last point whose value is <= v (with the relative tolerance). */
    size_t lo = 0, hi = s->n_points;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        double x = s->points[mid].value;
        bool le = x <= v || fabs(x - v) <= 1e-9 * fmax(fabs(x), fabs(v));
        if (le)
            lo = mid + 1;
        else
            hi = mid;
    }
    uint64_t below = lo ? s->points[lo - 1].weight : 0;
    return 100.0 * (double)below / (double)s->count;
}

void cs_stats_wilson(uint64_t k, uint64_t n, double *lo, double *hi)
{
    if (n == 0) {
        *lo = *hi = 0;
        return;
    }
    const double z = 1.96;
    double nn = (double)n, p = (double)k / nn, z2 = z * z;
    double centre = (p + z2 / (2 * nn)) / (1 + z2 / nn);
    double half = z * sqrt(p * (1 - p) / nn + z2 / (4 * nn * nn)) / (1 + z2 / nn);
    *lo = k == 0 ? 0 : fmax(0, centre - half);
    *hi = k == n ? 1 : fmin(1, centre + half);
}

void cs_stats_spearman_ci(double rho, uint64_t n, double *lo, double *hi)
{
    if (n <= 3) {
        *lo = *hi = NAN;
        return;
    }
    double z = atanh(rho), h = 1.96 * sqrt(1.06 / (double)(n - 3));
    *lo = tanh(z - h);
    *hi = tanh(z + h);
}

/* One step of a compensated (Neumaier) sum. */
static inline void neumaier_add(double *sum, double *compensation, double y)
{
    double t = *sum + y;
    if (fabs(*sum) >= fabs(y))
        *compensation += (*sum - t) + y;
    else
        *compensation += (y - t) + *sum;
    *sum = t;
}

/* x[i] / 2^shift: a multiply by scale = 2^-shift when that is a normal
 * double, else ldexp (the same correctly rounded value). */
static inline __attribute__((always_inline)) double scaled(double v, bool multiply,
                                                           double scale, int shift)
{
    return multiply ? v * scale : ldexp(v, -shift);
}

/* lane[q], lane_c[q]: the compensated sum of the scaled x[i], i = q mod 4,
 * i < i4. Inlined with a constant `multiply`, so the loop has no branch
 * but the compensation's, which becomes a select. */
static inline __attribute__((always_inline)) void lane_sums(const double *x, size_t i4,
                                                            bool multiply, double scale,
                                                            int shift, double lane[4],
                                                            double lane_c[4])
{
    for (size_t i = 0; i < i4; i += 4)
        for (int q = 0; q < 4; q++) {
            double y = scaled(x[i + (size_t)q], multiply, scale, shift);
            double s = lane[q], t = s + y;
            double s_larger = (s - t) + y, y_larger = (y - t) + s;
            lane_c[q] += fabs(s) >= fabs(y) ? s_larger : y_larger;
            lane[q] = t;
        }
}

/* sq[q], dev[q]: the sums of d^2 and d, d = scaled x[i] - m, i = q mod 4,
 * i < i4. */
static inline __attribute__((always_inline)) void lane_squares(const double *x, size_t i4,
                                                               bool multiply, double scale,
                                                               int shift, double m,
                                                               double sq[4], double dev[4])
{
    for (size_t i = 0; i < i4; i += 4)
        for (int q = 0; q < 4; q++) {
            double d = scaled(x[i + (size_t)q], multiply, scale, shift) - m;
            sq[q] += d * d;
            dev[q] += d;
        }
}

/* Values are first scaled by a power of two (exact) so that the largest is
 * below 2 in magnitude: the sums then cannot overflow, near 1e306 or for
 * squares of 1e160, and the result is scaled back. Within that, the same
 * compensated mean and corrected two-pass variance as cs_stats_mean_sd. */
void cs_stats_robust_mean_sd(const double *x, size_t n, double *mean, double *sd)
{
    if (n == 0) {
        *mean = NAN;
        *sd = NAN;
        return;
    }
    /* The largest |x| in four independent chains (a maximum does not
     * depend on the order it is taken in; a NaN is ignored, as fmax does,
     * since a comparison with it is false). */
    double big[4] = {0, 0, 0, 0};
    size_t i4 = n - n % 4;
    for (size_t i = 0; i < i4; i += 4)
        for (int q = 0; q < 4; q++) {
            double a = fabs(x[i + (size_t)q]);
            big[q] = a > big[q] ? a : big[q];
        }
    for (size_t i = i4; i < n; i++) {
        double a = fabs(x[i]);
        big[0] = a > big[0] ? a : big[0];
    }
    double largest = big[0];
    for (int q = 1; q < 4; q++)
        largest = big[q] > largest ? big[q] : largest;
    int exponent = 0;
    if (largest > 0 && isfinite(largest))
        frexp(largest, &exponent); /* largest < 2^exponent */
    int shift = exponent - 1;      /* |x| / 2^shift < 2, and 2^shift is finite */
    /* x * 2^-shift and ldexp(x, -shift) are the same correctly rounded
     * value whenever 2^-shift is itself a normal double; the multiply
     * avoids a libm call per value. */
    bool multiply = shift > -1000 && shift < 1000;
    double scale = multiply ? ldexp(1.0, -shift) : 0;
    /* Four compensated (Neumaier) sums side by side, each over every
     * fourth value, then added together the same way: four independent
     * chains instead of one whose every step waits for the last. */
    double lane[4] = {0, 0, 0, 0}, lane_c[4] = {0, 0, 0, 0};
    if (multiply)
        lane_sums(x, i4, true, scale, shift, lane, lane_c);
    else
        lane_sums(x, i4, false, scale, shift, lane, lane_c);
    double sum = 0, compensation = (lane_c[0] + lane_c[1]) + (lane_c[2] + lane_c[3]);
    for (int q = 0; q < 4; q++)
        neumaier_add(&sum, &compensation, lane[q]);
    for (size_t i = i4; i < n; i++)
        neumaier_add(&sum, &compensation, scaled(x[i], multiply, scale, shift));
    double m = (sum + compensation) / (double)n;
    *mean = ldexp(m, shift);
    if (n == 1) {
        *sd = 0;
        return;
    }
    double sq[4] = {0, 0, 0, 0}, dev[4] = {0, 0, 0, 0};
    if (multiply)
        lane_squares(x, i4, true, scale, shift, m, sq, dev);
    else
        lane_squares(x, i4, false, scale, shift, m, sq, dev);
    for (size_t i = i4; i < n; i++) {
        double d = scaled(x[i], multiply, scale, shift) - m;
        sq[0] += d * d;
        dev[0] += d;
    }
    double squares = (sq[0] + sq[1]) + (sq[2] + sq[3]);
    double deviations = (dev[0] + dev[1]) + (dev[2] + dev[3]);
    double variance = (squares - deviations * deviations / (double)n) / (double)(n - 1);
    *sd = variance > 0 ? ldexp(sqrt(variance), shift) : 0;
}
