/* stats: the statistics of docs/METHOD.md, computed on arrays of trial results.
 *
 * Percentiles are R type 7 / Excel PERCENTILE.INC. The quantile sketch is a
 * deterministic, mergeable summary with a proven rank-error bound for the
 * series whose percentiles need not be exact. Does no I/O. */
#ifndef CS_STATS_H
#define CS_STATS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Sorts ascending (NaN never occurs: callers check finiteness). A radix
 * sort: allocates 16 n bytes while it runs (falls back to qsort if it
 * cannot). */
void cs_stats_sort_doubles(double *x, size_t n);
/* cs_stats_sort_doubles with caller scratch: work holds 2n words (for
 * n < 2^32; NULL, or a larger n: as cs_stats_sort_doubles). The same
 * result, without the allocation. */
void cs_stats_sort_doubles_work(double *x, size_t n, uint64_t *work);

/* The type-7 position h = (n-1) p of fraction p among n values, as its
 * whole part *lo (at most n-1) and *fraction (0 at n-1). When 100 p is a
 * whole percent (1 to 99, to 1e-9), h is formed in integers,
 * (n-1) pct / 100, so that *lo and *fraction are those of the exact h and
 * every output that lists a percent (summary, S-curve, JCL, schedule,
 * recount) gives the same number for it: 1999 * 0.9 in doubles is
 * 1799.1000000000001, whose fraction is 1.4e-13 off. */
void cs_stats_rank(uint64_t n, double p, uint64_t *lo, double *fraction);
/* Type-7 percentile of sorted x (n >= 1) at fraction p in [0, 1]:
 * h = (n-1) p (cs_stats_rank), x[floor h] + (h - floor h)(x[floor h + 1] -
 * x[floor h]). NaN when n == 0. */
double cs_stats_percentile_sorted(const double *sorted, size_t n, double p);
/* The same percentile of x, unsorted, in O(n) time (a radix selection); reorders x.
 * x holds no NaN. */
double cs_stats_percentile_select(double *x, size_t n, double p);

/* Mean and sample sd (divisor n-1; 0 when n == 1), numerically stable.
 * Both NaN when n == 0. */
void cs_stats_mean_sd(const double *x, size_t n, double *mean, double *sd);

/* Percent (0-100) of values <= v, values within 1e-9 relative of v
 * (|x - v| <= 1e-9 max(|x|, |v|)) counting as equal (docs/METHOD.md
 * point_percentile). x sorted; O(log n). NaN when n == 0. */
double cs_stats_percent_at_or_below(const double *sorted, size_t n, double v);

/* Average ranks (1-based, ties share their mean rank) of x into ranks.
 * work must hold 4n uint64_t. Does not allocate. */
void cs_stats_ranks(const double *x, size_t n, double *ranks, uint64_t *work);

/* Spearman rank correlation: Pearson correlation of the average ranks.
 * 0 when either side never varies. work must hold 4n uint64_t and ranks 2n
 * doubles. */
double cs_stats_spearman(const double *x, const double *y, size_t n, double *ranks, uint64_t *work);
/* Pearson correlation of two rank vectors already computed (0 if constant). */
double cs_stats_pearson(const double *x, const double *y, size_t n);

/* Distribution-free 95% interval of the p-quantile from sorted x:
 * ranks n p -/+ 1.96 sqrt(n p (1-p)), rounded outwards (floor, ceil),
 * clamped to 1..n (1-based), values at those ranks. NaN when n == 0. */
void cs_stats_quantile_ci(const double *sorted, size_t n, double p, double *lo, double *hi);

/* The first position in sorted[0 .. n) whose value is >= v (n when
 * none is). */
size_t cs_stats_lower_bound(const double *sorted, size_t n, double v);
/* Whether x counts as at or below v for point_percentile: x <= v, or
 * within 1e-9 relative of v (cs_stats_percent_at_or_below's test). */
bool cs_stats_at_or_below(double x, double v);
/* R type 7 between two adjacent order statistics: x_lo, or x_lo +
 * fraction (x_hi - x_lo) when fraction > 0 (cs_stats_percentile_sorted's
 * step). */
double cs_stats_interpolate(double x_lo, double x_hi, double fraction);
/* A block's coarse points for the recount (engine recount.c): sorts
 * values (n of them, left reordered; work: 2n words, n < 2^32) and writes
 * the middle order statistic of each run, in ascending order, to out: the
 * runs are `first` values (1 ... k; else k), then k each, the last what
 * is left; at most ceil(n / k) + 1 points. Returns how many. */
size_t cs_stats_block_points(double *values, size_t n, size_t k, size_t first, uint64_t *work,
                             double *out);

/* ---- Quantile sketch --------------------------------------------------
 * For a series of values that arrive in fixed blocks of trials. Each block
 * (n_b values) is sorted and compacted to every k-th order statistic with
 * k = max(1, floor(n_b / 1000)) (the middle of each run of k, weight k; the
 * tail run keeps its own weight). Merging the blocks' summaries and
 * interpolating between the points' centre ranks gives, for N values in
 * all and h = (N-1) p, an answer between the exact order statistics at
 * 0-based ranks floor(h - N/1000) and ceil(h + N/1000): a rank error of at
 * most 0.1 percentile points, as docs/METHOD.md allows (proof in stats.c: the
 * summary's rank function is off by at most sum_b k_b/2 <= N/2000, the
 * interpolation by at most one point's weight more). Blocks below 2000
 * values have k = 1, so small runs get the exact type-7 answer. About 1000
 * points (8 bytes each) are kept per block of 1000 values or more. Blocks
 * must be added in block order for byte-identical results. */
typedef struct cs_sketch cs_sketch;

cs_sketch *cs_stats_sketch_alloc(void);
void cs_stats_sketch_free(cs_sketch *s);
/* Compacts one block: values (n of them) may be left reordered (sorted in
 * place, or as they were when every value is kept). Returns 0, or -1 on
 * out of memory. */
int cs_stats_sketch_add_block(cs_sketch *s, double *values, size_t n);
/* cs_stats_sketch_add_block with caller scratch for the sort: work holds
 * 2n words (or is NULL: the sort allocates its own). Same result; with
 * work, values may be left unsorted (the kept values are read from the
 * sorted keys). */
int cs_stats_sketch_add_block_work(cs_sketch *s, double *values, size_t n, uint64_t *work);
/* Total weight (the number of values added). */
uint64_t cs_stats_sketch_count(const cs_sketch *s);
/* Approximate type-7 percentile at fraction p (after all blocks are in;
 * a later block is still accepted). Sorts the merged summary on first
 * call. NaN when no value was added. */
double cs_stats_sketch_percentile(cs_sketch *s, double p);

/* Appends every point of src to dst (as if src's blocks had been added to
 * dst). The result does not depend on the order of merges. Returns 0, or -1
 * on out of memory. */
int cs_stats_sketch_merge(cs_sketch *dst, const cs_sketch *src);

/* The points s holds (its values), and in *segments its blocks' segments:
 * what a merge of s into another sketch adds to it. */
size_t cs_stats_sketch_size(const cs_sketch *s, size_t *segments);

/* Makes room in s for `values` more points in `segments` more segments,
 * so that merges up to that size allocate nothing: merging many sketches,
 * reserve their total first (one allocation, instead of a reallocation
 * and copy of everything merged so far at each merge). Returns 0, or -1
 * on out of memory (s unchanged). */
int cs_stats_sketch_reserve(cs_sketch *s, size_t values, size_t segments);

/* Percent (0-100) of the values <= v, values within 1e-9 relative of v
 * counting as equal, estimated from the points (each point's weight counts
 * fully when its value qualifies): within 0.1 points like the percentiles. */
double cs_stats_sketch_percent_at_or_below(cs_sketch *s, double v);

/* The Wilson score 95% interval (z = 1.96) of a proportion of k successes
 * in n trials, into lo and hi (both 0 when n = 0). */
void cs_stats_wilson(uint64_t k, uint64_t n, double *lo, double *hi);

/* The 95% interval tanh(atanh(rho) -/+ 1.96 sqrt(1.06 / (n - 3))) of a
 * Spearman rank correlation from n pairs (Fieller, Hartley & Pearson
 * 1957); NaN for both when n <= 3. */
void cs_stats_spearman_ci(double rho, uint64_t n, double *lo, double *hi);
/* The same as cs_stats_mean_sd for values of any finite magnitude: the
 * sums are taken on the values scaled by a power of two, so neither the
 * mean of values near 1e306 nor the sd of values near 1e160 (whose
 * squares overflow) comes out infinite, NaN or 0. NaN in, NaN out. */
void cs_stats_robust_mean_sd(const double *x, size_t n, double *mean, double *sd);

#endif
