/* engine memory: the per-thread workspace (everything one trial touches),
 * the memory a run will need (checked against what the machine has before
 * starting) and freeing the per-block run state. */
#include "engine_internal.h"

void cs_sim_workspace_free(workspace *w)
{
    if (!w)
        return;
    free(w->u);
    free(w->x);
    free(w->z);
    free(w->occurs);
    free(w->impact);
    free(w->inflation);
    free(w->rate);
    free(w->fx_u);
    free(w->fx_z);
    free(w->fx_log);
    free(w->F);
    free(w->G);
    free(w->PF);
    free(w->PG);
    free(w->PTF);
    free(w->PTG);
    free(w->year_amount);
    free(w->in_service);
    free(w->year_nominal);
    free(w->contrib);
    free(w->phase);
    free(w->unit_n);
    free(w->unit_p);
    free(w->unit_amount);
    free(w->service_n);
    free(w->service_p);
    free(w->service_amount);
    free(w->unit_ready);
    free(w->inv_report);
    free(w->lanes);
    free(w->fx_lanes);
    free(w->fx_filled);
    free(w);
}

workspace *cs_sim_workspace_alloc(const engine *E)
{
    bool failed = false;
    workspace *w = calloc(1, sizeof *w);
    if (!w)
        return NULL;
    size_t years = (size_t)E->t_hi + 1, nc = E->nc;
    w->u = cs_sim_xcalloc(E->ne, sizeof(double), &failed);
    w->x = cs_sim_xcalloc(E->ne, sizeof(double), &failed);
    w->z = cs_sim_xcalloc(E->max_group, sizeof(double), &failed);
    w->occurs = cs_sim_xcalloc(E->nr, 1, &failed);
    w->impact = cs_sim_xcalloc(E->nr, sizeof(double), &failed);
    w->inflation = cs_sim_xcalloc(nc, sizeof(double), &failed);
    w->rate = cs_sim_xcalloc(nc * years, sizeof(double), &failed);
    w->fx_u = cs_sim_xcalloc(E->n_fx * years, sizeof(double), &failed);
    w->fx_z = cs_sim_xcalloc(E->n_fx * years, sizeof(double), &failed);
    w->fx_log = cs_sim_xcalloc(E->n_fx * years, sizeof(double), &failed);
    w->F = cs_sim_xcalloc(nc * years, sizeof(double), &failed);
    w->G = cs_sim_xcalloc(nc * years, sizeof(double), &failed);
    w->PF = cs_sim_xcalloc(nc * (years + 1), sizeof(double), &failed);
    w->PG = cs_sim_xcalloc(nc * (years + 1), sizeof(double), &failed);
    w->PTF = cs_sim_xcalloc(nc * (years + 1), sizeof(double), &failed);
    w->PTG = cs_sim_xcalloc(nc * (years + 1), sizeof(double), &failed);
    w->year_amount = cs_sim_xcalloc(nc * (years + 1), sizeof(double), &failed);
    w->in_service = cs_sim_xcalloc(years + 1, sizeof(int), &failed);
    w->year_nominal = cs_sim_xcalloc(years, sizeof(double), &failed);
    w->contrib = cs_sim_xcalloc(CS_N_MEASURES * (E->ne + E->nr), sizeof(double), &failed);
    w->phase = cs_sim_xcalloc(CS_N_MEASURES * E->np, sizeof(double), &failed);
    size_t units = E->m->units > 0 ? (size_t)E->m->units : 1;
    w->unit_n = cs_sim_xcalloc(nc * units, sizeof(double), &failed);
    w->unit_p = cs_sim_xcalloc(nc * units, sizeof(double), &failed);
    w->unit_amount = cs_sim_xcalloc(nc * units, sizeof(double), &failed);
    w->service_n = cs_sim_xcalloc(nc, sizeof(double), &failed);
    w->service_p = cs_sim_xcalloc(nc, sizeof(double), &failed);
    w->service_amount = cs_sim_xcalloc(nc, sizeof(double), &failed);
    w->unit_ready = cs_sim_xcalloc(nc, 1, &failed);
    w->inv_report = cs_sim_xcalloc(years, sizeof(double), &failed);
    w->lanes = cs_sim_xcalloc(4 * (E->ne + 2 * E->nr + 1 + nc), sizeof(double), &failed);
    w->fx_lanes = cs_sim_xcalloc(4 * E->n_fx * years, sizeof(double), &failed);
    w->fx_filled = cs_sim_xcalloc(E->n_fx, sizeof(int), &failed);
    w->lanes_group = w->fx_group = UINT64_MAX;
    if (failed) {
        cs_sim_workspace_free(w);
        return NULL;
    }
    return w;
}

uint64_t cs_sim_available_memory(void)
{
    FILE *f = fopen("/proc/meminfo", "r");
    if (f) {
        char line[256];
        unsigned long long kb;
        while (fgets(line, sizeof line, f))
            if (sscanf(line, "MemAvailable: %llu kB", &kb) == 1) {
                fclose(f);
                return (uint64_t)kb * 1024;
            }
        fclose(f);
    }
    long pages = sysconf(_SC_PHYS_PAGES), size = sysconf(_SC_PAGESIZE);
    return pages > 0 && size > 0 ? (uint64_t)pages * (uint64_t)size : UINT64_MAX;
}

/* Bytes a prepared run needs at most, as an upper bound (the run is
 * refused when this exceeds what the machine has). A run holds, through
 * all of it, the exact totals, the first-delivery years, --trials-out rows,
 * the quantile tables, the element-year cache and 64 MiB for the program,
 * the results and the report writers; on top of that, the largest of its
 * three stages:
 * - the trials: the per-block sketches (ceil(B/k) values of 8 bytes per
 *   row and block, k = max(1, floor(B/1000)), and each sketch's own
 *   allocations), every thread's block buffers (trial-major block,
 *   gathered rows, sort keys) and the --precision check's copy;
 * - the summary: the sketches, the totals' sorted copies (and their sort's
 *   scratch, 16 bytes per trial, while they are sorted) and one merged
 *   series per thread (16-byte points, their sort buffer, values);
 * - the drivers (none with no_drivers; the sketches are freed by then):
 *   the sorted copies, the stored draws of the first n_sens trials, the
 *   FX means, every thread's rank buffers, the selection's copy and the
 *   tornado's passes.
 * When the main pass keeps its trials for the drivers (cs_sim_keep_size),
 * the stored draws are there from the trials on and the kept paths and
 * amounts throughout. The arrays from cs_sim_big_alloc (the totals, their
 * sorted copies and the sort's scratch, the block buffers, the kept paths
 * and amounts, the tornado's pool) may each hold one huge page more than
 * they use. Then 10 % on top for the allocator. */
static uint64_t memory_for(const engine *E, const cs_run_options *opt, unsigned threads)
{
    long double n = (long double)opt->trials;
    long double rows = (long double)E->n_rows, block = (long double)E->block;
    long double k = E->block / 1000 > 1 ? (long double)(E->block / 1000) : 1;
    long double n_blocks = ceill(n / block);
    long double points = n_blocks * ceill(block / k);
    long double n_sens = n < CS_SENSITIVITY_TRIALS ? n : CS_SENSITIVITY_TRIALS;
    long double t = threads, t_blocks = (long double)threads > n_blocks ? n_blocks : t;
    long double always = n * CS_N_MEASURES * 8;          /* totals */
    if (opt->trials_out)
        always += n * (4 + 8 * (long double)E->np);
    if (E->m->has_first_delivery)
        always += n * 4;                                 /* first delivery per trial */
    always += (long double)cs_sim_table_count(E) * sizeof(double) * 2 * 52 *
              CS_DIST_TABLE_STEPS * 6;                   /* quantile tables */
    always += (long double)((size_t)E->s_max + 1) * (E->ne * 8 + E->nr * 4); /* element, risk years */
    always += 64 << 20;                                  /* program, results */
    always += (long double)(2 * CS_N_MEASURES + 4 + threads) * BIG_ALLOC_SLACK;

    long double sketches = rows * points * 8 + rows * n_blocks * (24 + 160);
    long double buffers = t_blocks * block * (rows + 7 + 8 + 2) * 8;
    long double trials = sketches + buffers;
    long double merged = t * points * (8 + 16 + 16 + 8);
    if (E->recount) {
        /* The main pass keeps coarse points instead of sketches (and the
         * moments); the counting and collecting passes hold each row's
         * probes (at most 7 (n_blocks + 8) a row), their counts (summed,
         * and per thread), the gaps (14 a row) with their needed values,
         * and at most the collecting budget of the gaps' values at a time
         * (each gap has fewer than n_blocks k values). */
        long double kc = (long double)E->recount_k;
        long double probes = fminl(n_blocks * RECOUNT_SLOTS, 7 * (n_blocks + 8)) * rows;
        long double coarse = rows * n_blocks * (24 + RECOUNT_SLOTS * 8);
        long double values = fminl((long double)cs_sim_recount_values_budget(E, opt->trials),
                                   rows * 14 * n_blocks * kc * 8);
        long double passes = rows * n_blocks * 24 + probes * (8 + 8 + 8 * t) +
                             rows * 14 * (64 + 8) + values + rows * CS_N_SUMMARY_P * 8;
        sketches = rows * n_blocks * 24 + rows * CS_N_SUMMARY_P * 8;
        trials = buffers + (coarse > passes ? coarse : passes);
        merged = 0;
    }
    if (opt->precision > 0)
        trials += n * 8;                                 /* the check's sorted copy */
    long double sorted = n * CS_N_MEASURES * 8;
    long double inputs = (long double)(E->ne + E->nr + 2 * E->nc + 1);
    long double streamed = 0; /* the sensitivity's redrawn columns */
    if (!opt->no_drivers && cs_sim_stream_elements(E, (uint64_t)n_sens)) {
        inputs -= (long double)cs_sim_element_inputs(E);
        streamed = (long double)cs_sim_stream_input_bytes + t * 4 * (long double)(E->ne + E->nr) * 8;
    }
    long double kept = (long double)cs_sim_keep_size(E, opt);
    if (kept > 0) {
        /* The main pass stores the drivers' draws and keeps their paths
         * and amounts, which stay until the end. */
        long double paths =
            kept * (long double)(cs_sim_path_doubles(E) + cs_sim_amount_doubles(E)) * 8;
        always += paths;
        trials += kept * (inputs + 1) * 8;
    }
    long double summary = sketches + sorted + n * 16 + merged;
    if (kept > 0)
        summary += kept * (inputs + 1) * 8;
    long double drivers = 0;
    if (!opt->no_drivers) {
        drivers = sorted + n_sens * (inputs + 1) * 8     /* stored draws, slip */
                  + n_sens * (long double)E->n_fx * 8     /* FX means */
                  + n_sens * (1 + 5 * t) * 8              /* total's ranks, rank buffers */
                  + n_sens * 8                            /* the selection's copy */
                  + streamed                              /* redrawn element inputs */
                  + TORNADO_BUFFER_BYTES;                 /* tornado passes */
    }
    long double stage = trials > summary ? trials : summary;
    stage = stage > drivers ? stage : drivers;
    long double bytes = (always + stage) * 1.1L;
    return bytes > (long double)UINT64_MAX ? UINT64_MAX : (uint64_t)bytes;
}

uint64_t cs_engine_memory_needed(const cs_model *m, const cs_run_options *opt)
{
    cs_diag *d = cs_diag_alloc();
    engine *E = cs_sim_engine_prepare(m, d);
    cs_diag_free(d);
    if (!E)
        return UINT64_MAX;
    E->block = cs_sim_block_trials(E, opt->trials);
    E->recount = cs_sim_recount_needed(E, opt->trials, &E->recount_k);
    uint64_t bytes = memory_for(E, opt, cs_sim_thread_count(opt));
    cs_sim_engine_free(E);
    return bytes;
}

void cs_sim_free_state(run_state *st, size_t n_blocks, size_t n_rows)
{
    if (st->slots) {
        for (size_t b = 0; b < n_blocks; b++) {
            if (st->slots[b].sketch)
                for (size_t r = 0; r < n_rows; r++)
                    cs_stats_sketch_free(st->slots[b].sketch[r]);
            free(st->slots[b].sketch);
            free(st->slots[b].coarse);
            free(st->slots[b].mean);
            free(st->slots[b].m2);
        }
        free(st->slots);
        st->slots = NULL;
    }
}
