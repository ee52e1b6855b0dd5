/* engine run: trials in blocks of a fixed size that does not depend on the
 * thread count, spread over worker threads. Each block keeps exact totals,
 * per-row moments and a quantile sketch (stats.h); the first error in block
 * order wins, and the run's cancel token (cancel.h) stops it between blocks. */
#include "engine_internal.h"

static void record_error(run_state *st, size_t block, const trial_error *err)
{
    pthread_mutex_lock(&st->lock);
    if (!st->failed || block < st->error_block ||
        (block == st->error_block && err->trial < st->error.trial)) {
        st->failed = true;
        st->error_block = block;
        st->error = *err;
    }
    pthread_mutex_unlock(&st->lock);
}

static bool should_skip(run_state *st, size_t block)
{
    pthread_mutex_lock(&st->lock);
    bool skip = st->failed && block > st->error_block;
    pthread_mutex_unlock(&st->lock);
    return skip;
}

/* A thread's block buffers: the block's results trial by trial (each
 * trial's n_rows values contiguous, so a trial writes one run of memory),
 * GATHER rows of them gathered row by row, and the sort's keys. */
#define GATHER 8

typedef struct {
    double *trial_major; /* block x stride, 64-byte aligned */
    size_t stride;       /* n_rows rounded up to GATHER: one cache line per group */
    double *rows;        /* GATHER x block */
    uint64_t *keys;      /* 2 x block */
    uint64_t *differ;    /* n_rows: the OR over the block's trials of the XOR of
                          * a row's bits with the previous measure's row */
    uint32_t *cells;     /* a recount's counting pass: this thread's counts */
} block_buffers;

static void buffers_free(block_buffers *bb)
{
    free(bb->trial_major);
    free(bb->rows);
    free(bb->keys);
    free(bb->differ);
    free(bb->cells);
}

static bool buffers_alloc(block_buffers *bb, const engine *E)
{
    bb->stride = (E->n_rows + GATHER - 1) / GATHER * GATHER;
    size_t bytes = bb->stride * E->block * sizeof(double);
    bool failed = false;
    bb->trial_major = cs_sim_big_alloc(1, bytes, &failed);
    bb->rows = malloc(GATHER * E->block * sizeof(double));
    bb->keys = malloc(2 * E->block * sizeof(uint64_t));
    bb->differ = malloc((E->n_rows ? E->n_rows : 1) * sizeof *bb->differ);
    return bb->trial_major && bb->rows && bb->keys && bb->differ;
}

/* Whether row `row` of a measure other than the first held, bit for bit,
 * the same values as the same item's row of the previous measure in every
 * trial of the block (run_block records the differences). */
static bool same_as_row(const block_buffers *bb, const engine *E, size_t row)
{
    size_t rpm = E->rows_per_measure;
    if (rpm == 0 || row < rpm || row >= (size_t)CS_N_MEASURES * rpm)
        return false;
    return bb->differ[row] == 0;
}

/* Moments and sketch of every row of a block of n trials, GATHER rows at a
 * time out of the trial-major buffer. */
static int block_statistics(run_state *st, block_buffers *bb, block_slot *slot, size_t n)
{
    const engine *E = st->E;
    size_t R = E->n_rows, stride = bb->stride;
    if (E->recount && !st->pass && !slot->coarse &&
        !(slot->coarse = malloc((R ? R : 1) * RECOUNT_SLOTS * sizeof(double))))
        return -1;
    for (size_t row0 = 0; row0 < R; row0 += GATHER) {
        size_t g = R - row0 < GATHER ? R - row0 : GATHER;
        bool all_twins = !E->recount; /* then nothing needs gathering */
        for (size_t q = 0; q < g && all_twins; q++)
            all_twins = same_as_row(bb, E, row0 + q);
        for (size_t i = 0; i < n && !all_twins; i++) {
            const double *src = bb->trial_major + i * stride + row0;
            for (size_t q = 0; q < g; q++)
                bb->rows[q * n + i] = src[q];
        }
        for (size_t q = 0; q < g; q++) {
            size_t row = row0 + q;
            double *v = bb->rows + q * n;
            if (st->pass) { /* a recount's later pass: count or collect */
                cs_sim_recount_row(E, st->pass, row, v, n, bb->cells);
                continue;
            }
            if (!E->recount && same_as_row(bb, E, row)) {
                /* The same values as this item's row in the previous
                 * measure (no inflation or no discounting): the same
                 * moments, and the merge into an empty sketch is a copy. */
                size_t twin = row - E->rows_per_measure;
                slot->mean[row] = slot->mean[twin];
                slot->m2[row] = slot->m2[twin];
                slot->sketch[row] = cs_stats_sketch_alloc();
                if (!slot->sketch[row] ||
                    cs_stats_sketch_merge(slot->sketch[row], slot->sketch[twin]) != 0)
                    return -1;
                continue;
            }
            double mean, sd;
            cs_stats_robust_mean_sd(v, n, &mean, &sd);
            slot->mean[row] = mean;
            slot->m2[row] = n > 1 ? sd * sqrt((double)(n - 1)) : 0; /* the root: no overflow */
            if (E->recount) { /* the coarse points only */
                cs_stats_block_points(v, n, E->recount_k,
                                      cs_sim_recount_first_run((size_t)(slot - st->slots),
                                                               E->recount_k),
                                      bb->keys, slot->coarse + row * RECOUNT_SLOTS);
                continue;
            }
            slot->sketch[row] = cs_stats_sketch_alloc();
            if (!slot->sketch[row] ||
                cs_stats_sketch_add_block_work(slot->sketch[row], v, n, bb->keys) != 0)
                return -1;
        }
    }
    return 0;
}

/* Runs one block: trials [b B, min((b+1) B, trials)). */
static int run_block(run_state *st, workspace *w, block_buffers *bb, size_t b)
{
    const engine *E = st->E;
    uint64_t first = (uint64_t)b * E->block;
    uint64_t end = first + E->block < st->trials ? first + E->block : st->trials;
    size_t n = (size_t)(end - first), stride = bb->stride;
    size_t rpm = E->rows_per_measure, ne = E->ne, nr = E->nr, np = E->np;
    int ylo = INT_MAX, yhi = INT_MIN;
    trial_error err = {0};
    memset(bb->differ, 0, E->n_rows * sizeof *bb->differ);

    for (uint64_t j = first; j < end; j++) {
        size_t i = (size_t)(j - first);
        err.trial = j;
        if (cs_sim_draw_trial(E, w, j, &err) != 0 || cs_sim_settle_schedule(E, w, j, &err) != 0) {
            record_error(st, b, &err);
            return -1;
        }
        /* A kept trial (a drivers' trial) has its paths built as far as
         * the drivers need them. */
        cs_sim_fx_paths(E, w, j, j < E->n_kept ? E->t_hi : w->t_end);
        cs_sim_evaluate(E, w, true);
        if (j < E->n_kept)
            cs_sim_keep_trial(E, w, j);
        if (!gsl_finite(w->total[CS_CONSTANT]) || !gsl_finite(w->total[CS_NOMINAL]) ||
            !gsl_finite(w->total[CS_PV])) {
            snprintf(err.message, sizeof err.message,
                     "trial %llu: the total is not a finite number; check for extreme "
                     "distributions, rates or inflation",
                     (unsigned long long)j + 1);
            record_error(st, b, &err);
            return -1;
        }
        double *out = bb->trial_major + i * stride;
        for (int mm = 0; mm < CS_N_MEASURES; mm++) {
            st->totals[mm][j] = w->total[mm];
            double *rows = out + (size_t)mm * rpm;
            memcpy(rows, w->phase + (size_t)mm * np, np * sizeof(double));
            memcpy(rows + np, w->contrib + (size_t)mm * (ne + nr), (ne + nr) * sizeof(double));
        }
        for (size_t mm = 1; mm < CS_N_MEASURES; mm++) {
            const double *cur = out + mm * rpm, *prev = cur - rpm;
            uint64_t *d = bb->differ + mm * rpm;
            for (size_t r = 0; r < rpm; r++) { /* a loop the compiler vectorises */
                uint64_t a, c;
                memcpy(&a, &cur[r], sizeof a);
                memcpy(&c, &prev[r], sizeof c);
                d[r] |= a ^ c;
            }
        }
        double *yrows = out + CS_N_MEASURES * rpm;
        for (size_t y = 0; y < E->n_year_rows; y++) {
            int t = E->t_lo + (int)y;
            yrows[y] = t >= w->year_lo && t <= w->year_hi ? w->year_nominal[t] : 0;
        }
        cs_sim_year_constant_rows(E, w, yrows + E->n_year_rows, 1, 0);
        if (st->trial_first)
            st->trial_first[j] = cs_model_delivery_year(E->m, w->s, 1);
        if (w->year_lo <= w->year_hi) {
            if (w->year_lo < ylo)
                ylo = w->year_lo;
            if (w->year_hi > yhi)
                yhi = w->year_hi;
        }
        if (st->trial_slip) {
            st->trial_slip[j] = w->s;
            memcpy(st->trial_phase + j * np, w->phase + CS_NOMINAL * np, sizeof(double) * np);
        }
    }

    block_slot *slot = &st->slots[b];
    if (block_statistics(st, bb, slot, n) != 0) {
        pthread_mutex_lock(&st->lock);
        st->oom = true;
        st->failed = true;
        pthread_mutex_unlock(&st->lock);
        return -1;
    }
    slot->n = n;
    slot->year_lo = ylo;
    slot->year_hi = yhi;
    slot->done = true;
    return 0;
}

static void *worker(void *p)
{
    worker_arg *a = p;
    run_state *st = a->st;
    const engine *E = st->E;
    workspace *w = cs_sim_workspace_alloc(E);
    block_buffers bb = {0};
    bool have_buffers = buffers_alloc(&bb, E);
    if (have_buffers && st->pass == 1) /* a recount's count: this thread's own */
        have_buffers = (bb.cells = calloc(cs_sim_recount_cells(E) + 1, sizeof *bb.cells)) != NULL;
    if (!w || !have_buffers) {
        pthread_mutex_lock(&st->lock);
        st->oom = true;
        st->failed = true;
        pthread_mutex_unlock(&st->lock);
    } else {
        for (;;) {
            size_t b = atomic_fetch_add(&st->next_block, 1);
            if (b >= st->next_block_end)
                break;
            if (cs_cancel_requested(E->cancel)) {
                pthread_mutex_lock(&st->lock);
                st->failed = true;
                pthread_mutex_unlock(&st->lock);
                break;
            }
            if (should_skip(st, b))
                continue;
            if (run_block(st, w, &bb, b) != 0)
                continue;
            uint64_t first = (uint64_t)b * E->block;
            uint64_t n = st->trials - first < E->block ? st->trials - first : E->block;
            uint64_t done = atomic_fetch_add(&st->trials_done, n) + n;
            if (a->main_thread && a->opt->progress) {
                a->opt->progress(a->opt->progress_ctx, done, a->progress_total);
                a->reported = done;
            }
        }
    }
    if (bb.cells) {
        pthread_mutex_lock(&st->lock);
        cs_sim_recount_add_cells(E, bb.cells);
        pthread_mutex_unlock(&st->lock);
    }
    cs_sim_workspace_free(w);
    buffers_free(&bb);
    return NULL;
}

/* Trials per block for a run of `trials`: about trials / 16 (so that even
 * small runs have blocks for every thread), rounded up to a multiple of
 * 1 024, at least 1 024 and at most the engine's largest block (E->block
 * from cs_sim_engine_prepare, which bounds the block buffer). Depends only
 * on the model and the trials, never on the threads, so every --threads
 * runs the same blocks and the output stays byte-identical. */
size_t cs_sim_block_trials(const engine *E, uint64_t trials)
{
    uint64_t b = (trials + 15) / 16;
    b = (b + 1023) / 1024 * 1024;
    if (b < 1024)
        b = 1024;
    return b < E->block ? (size_t)b : E->block;
}

unsigned cs_sim_thread_count(const cs_run_options *opt)
{
    if (opt->threads > 0)
        return opt->threads;
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? (unsigned)n : 1;
}

/* Runs blocks [next_block, block_end) on the threads. */
void cs_sim_run_blocks(run_state *st, size_t block_end, const cs_run_options *opt,
                uint64_t progress_total)
{
    unsigned n_threads = cs_sim_thread_count(opt);
    size_t pending = block_end - atomic_load(&st->next_block);
    if (n_threads > pending)
        n_threads = pending ? (unsigned)pending : 1;
    st->next_block_end = block_end;
    pthread_t *threads = calloc(n_threads, sizeof *threads);
    worker_arg *args = calloc(n_threads, sizeof *args);
    unsigned started = 1;
    if (threads && args) {
        for (unsigned i = 1; i < n_threads; i++) {
            args[i] = (worker_arg){st, false, opt, progress_total, 0};
            if (pthread_create(&threads[i], NULL, worker, &args[i]) != 0)
                break;
            started++;
        }
    }
    worker_arg self = {st, true, opt, progress_total, 0};
    worker(&self);
    for (unsigned i = 1; i < started; i++)
        pthread_join(threads[i], NULL);
    /* The other threads may have finished the last blocks: the caller
     * still hears of every trial done (done == total at the end of a run),
     * once. */
    uint64_t done = atomic_load(&st->trials_done);
    if (opt->progress && !st->failed && done > self.reported)
        opt->progress(opt->progress_ctx, done, progress_total);
    free(threads);
    free(args);
    /* Each worker claims one index past block_end before it stops, so
     * next_block overshoots by up to the thread count. Without this reset
     * the next --precision round would skip those blocks (their totals
     * left unset, the output depending on --threads). */
    atomic_store(&st->next_block, block_end);
}
