/* embed: costsim as a library. Loads a scenario (argv[1], else the one the
 * build names), runs 10 000 trials and prints the nominal P50 and P80 in
 * millions of the report currency. Build against an installed costsim
 * (docs/ARCHITECTURE.md, "Embedding"):
 *   cc embed.c $(pkg-config --cflags --libs costsim) -o embed */
#include <stdio.h>

#include "costsim.h"

#ifndef EMBED_SCENARIO
#define EMBED_SCENARIO "scenarios/cpsp-hanwha-base.csv"
#endif

int main(int argc, char **argv)
{
    cs_init();
    cs_diag *diag = cs_diag_alloc();
    cs_scenario *scenario = NULL;
    cs_run *run = NULL;
    cs_run_config config = {.trials = 10000};
    const char *path = argc > 1 ? argv[1] : EMBED_SCENARIO;
    double p50, p80;
    cs_status st = cs_scenario_load(path, NULL, 0, &scenario, diag);
    if (st == CS_OK)
        st = cs_scenario_run(scenario, &config, &run, diag);
    if (st == CS_OK && cs_run_percentile(run, CS_TOTAL_NOMINAL, 0.5, &p50) == CS_OK &&
        cs_run_percentile(run, CS_TOTAL_NOMINAL, 0.8, &p80) == CS_OK)
        printf("nominal P50 %.17g\nnominal P80 %.17g\n", p50, p80);
    for (size_t i = 0; i < cs_diag_count(diag); i++)
        fprintf(stderr, "%s\n", cs_diag_message(diag, i));
    cs_run_free(run);
    cs_scenario_free(scenario);
    cs_diag_free(diag);
    return st == CS_OK ? 0 : 1;
}
