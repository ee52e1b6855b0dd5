/* engine parallel: a parallel loop over independent items for the stages
 * after the trials (percentiles of many rows, ranks of many inputs). Items
 * are claimed one at a time from a shared counter; each writes only its
 * own results, so what is computed never depends on the threads. */
#include "engine_internal.h"

typedef struct {
    void (*fn)(void *ctx, unsigned worker, size_t i);
    void *ctx;
    size_t n;
    atomic_size_t next;
} loop_state;

typedef struct {
    loop_state *st;
    unsigned worker;
} loop_arg;

static void *loop_worker(void *p)
{
    loop_arg *a = p;
    for (;;) {
        size_t i = atomic_fetch_add(&a->st->next, 1);
        if (i >= a->st->n)
            break;
        a->st->fn(a->st->ctx, a->worker, i);
    }
    return NULL;
}

void cs_sim_parallel_for(unsigned threads, size_t n,
                         void (*fn)(void *ctx, unsigned worker, size_t i), void *ctx)
{
    loop_state st = {fn, ctx, n, 0};
    atomic_init(&st.next, 0);
    if (threads > n)
        threads = n ? (unsigned)(n < UINT_MAX ? n : UINT_MAX) : 1;
    if (threads < 1)
        threads = 1;
    pthread_t *tid = calloc(threads, sizeof *tid);
    loop_arg *args = calloc(threads, sizeof *args);
    unsigned started = 1;
    if (tid && args)
        for (unsigned w = 1; w < threads; w++) {
            args[w] = (loop_arg){&st, w};
            if (pthread_create(&tid[w], NULL, loop_worker, &args[w]) != 0)
                break;
            started++;
        }
    loop_arg self = {&st, 0};
    loop_worker(&self); /* a thread that could not be started leaves its items here */
    for (unsigned w = 1; w < started; w++)
        pthread_join(tid[w], NULL);
    free(tid);
    free(args);
}
