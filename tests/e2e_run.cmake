# End-to-end checks of run, compare and sweep from the command line: usage
# errors (exit 2), the output formats, and the shipped scenarios.
set(S scenarios/cpsp-hanwha-base.csv)
set(T scenarios/cpsp-tkms-base.csv)
costsim_expect(run_help 0 "--precision P" run --help)
costsim_expect(run_no_scenario 2 "needs one scenario file" run)
costsim_expect(run_unknown_option 2 "unknown option '--trails'" run ${S} --trails 5)
costsim_expect(run_bad_trials 2 "--trials: '0' is not a whole number" run ${S} --trials 0)
costsim_expect(run_bad_seed 2 "--seed: '-1' is not digits" run ${S} --seed -1)
costsim_expect(run_bad_format 2 "--format: 'xml' is not one of table, csv, json" run ${S} --format xml)
costsim_expect(run_bad_precision 2 "--precision: '5' is not a fraction" run ${S} --precision 5)
costsim_expect(run_trials_out_needs_out 2 "--trials-out needs --out DIR" run ${S} --trials-out)
costsim_expect(run_bad_set 2 "--set units: " run ${S} --set units=zero --quiet)
costsim_expect(run_missing_scenario 2 "no-such.csv" run no-such.csv)
costsim_expect(run_table 0 "Point estimate is at the P[0-9]+ of the nominal total" run ${S} --trials 500 --quiet)
costsim_expect(run_csv 0 "^measure,level,id,name,currency,point,mean,sd,p5,p10,p20,p50,p80,p90,p95,point_percentile\n" run ${S} --trials 500 --format csv --quiet)
costsim_expect(run_json 0 "\"seed\": \"2026\"" run ${S} --trials 500 --format json --quiet)
costsim_expect(run_budget_option 0 "budget" run ${S} --trials 500 --budget 60000000 --format json --quiet)
costsim_expect(run_memory_refused 2 "need about [0-9]+ MiB of memory" run ${S} --trials 1000000000 --quiet)
costsim_expect(compare_table 0 "B - A" compare ${S} ${T} --trials 500 --quiet)
costsim_expect(compare_csv 0 "^measure,mean_diff,p10,p50,p90,p_b_gt_a\nconstant," compare ${S} ${T} --trials 500 --format csv --quiet)
costsim_expect(compare_different_currency 2 "report_currency CAD differs" compare ${S} scenarios/cpsp-hanwha-base-cad.csv --trials 100 --quiet)
costsim_expect(sweep_needs_vary 2 "needs at least one --vary" sweep ${S})
costsim_expect(sweep_csv 0 "^units,constant_mean,constant_p50,constant_p80,constant_p90,nominal_mean" sweep ${S} --vary units=8,12 --trials 300 --quiet)
costsim_expect(sweep_json 0 "\"sweep\": \\[" sweep ${S} --vary units=8,12 --trials 300 --format json --quiet)
costsim_expect(sweep_bad_value 2 "--set units: " sweep ${S} --vary units=8,x --trials 300 --quiet)

# Same scenario, seed and trials => byte-identical files for any --threads
# (SPEC §10), on the benchmark model, which uses every feature (all bases,
# profiles and distributions, learning, correlated elements, risks with
# slips, uncertain slip and inflation, correlated gbm/ou FX, hedging, four
# currencies). 70 000 trials are 14 blocks of 5 120, so threads really interleave.
add_test(NAME deterministic_across_threads_every_feature
         COMMAND sh -c "set -e; d=$(mktemp -d); for t in 1 2; do \
\"$1\" run \"$2/bench/bench.csv\" --trials 70000 --threads $t --quiet --trials-out \
  --out \"$d/t$t\" --report \"$d/t$t/r.html\" --xlsx \"$d/t$t/r.xlsx\" --format json > \"$d/t$t.json\"; done; \
diff -r \"$d/t1\" \"$d/t2\"; cmp \"$d/t1.json\" \"$d/t2.json\"; rm -rf \"$d\""
                 sh $<TARGET_FILE:costsim> ${PROJECT_SOURCE_DIR})
set_tests_properties(deterministic_across_threads_every_feature PROPERTIES
                     LABELS "e2e;heavy" TIMEOUT 600)

# A small run has small blocks (5 000 trials: blocks of 1 024, the last one
# short), so it runs on every thread, and still the same bytes for 1, 2
# and 3 threads.
add_test(NAME deterministic_across_threads_small_run
         COMMAND sh -c "set -e; d=$(mktemp -d); for t in 1 2 3; do \
\"$1\" run \"$2/bench/bench.csv\" --trials 5000 --threads $t --quiet --trials-out \
  --out \"$d/t$t\" --format json > \"$d/t$t.json\"; done; \
diff -r \"$d/t1\" \"$d/t2\"; diff -r \"$d/t1\" \"$d/t3\"; cmp \"$d/t1.json\" \"$d/t2.json\"; \
cmp \"$d/t1.json\" \"$d/t3.json\"; rm -rf \"$d\""
                 sh $<TARGET_FILE:costsim> ${PROJECT_SOURCE_DIR})
set_tests_properties(deterministic_across_threads_small_run PROPERTIES LABELS "e2e" TIMEOUT 300)
