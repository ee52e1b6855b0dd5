# End-to-end checks of run, compare and sweep from the command line: usage
# errors (exit 2), the output formats, and the shipped scenarios.
set(S scenarios/cpsp-hanwha-base.csv)
set(T scenarios/cpsp-tkms-base.csv)
costsim_expect(run_help 0 "--precision P" run --help)
costsim_expect(run_no_scenario 2 "needs one scenario file" run)
# Too many file arguments: the count, and the first one too many (after
# "--", "--trials" is a file name).
costsim_expect(run_two_scenarios 2 "needs one scenario file, but 3 arguments are taken as files; the first one too many is '--trials'" run -- -x.csv --trials 100)
costsim_expect(run_unknown_option 2 "unknown option '--trails'" run ${S} --trails 5)
costsim_expect(run_bad_trials 2 "--trials: '0' is not a whole number" run ${S} --trials 0)
costsim_expect(run_bad_seed 2 "--seed: '-1' is not digits" run ${S} --seed -1)
costsim_expect(run_bad_format 2 "--format: 'xml' is not one of table, csv, json" run ${S} --format xml)
costsim_expect(run_bad_precision 2 "--precision: '5' is not a fraction" run ${S} --precision 5)
costsim_expect(run_trials_out_needs_out 2 "--trials-out needs --out DIR" run ${S} --trials-out)
costsim_expect(run_bad_set 2 "--set units: " run ${S} --set units=zero --quiet)
costsim_expect(run_missing_scenario 2 "no-such.csv" run no-such.csv)
costsim_expect(run_table 0 "Point estimate is at the P[0-9]+ of the nominal total" run ${S} --trials 500 --quiet)
costsim_expect(run_csv 0 "^measure,level,id,name,currency,point,mean,sd,cv,p5,p10,p20,p50,p80,p90,p95,point_percentile\n" run ${S} --trials 500 --format csv --quiet)
costsim_expect(run_json 0 "\"seed\": \"2026\"" run ${S} --trials 500 --format json --quiet)
# --budget: the budget object carries the value and the percent of trials
# within it; a budget above every possible total is met in 100 % of the
# trials, one of 1 (million) in none; without --budget the key is null.
costsim_expect(run_budget_option 0 "\"budget\": \\[\n +{\n +\"budget\": 1000000000000\\.0,\n +\"confidence\": 1\\.0," run ${S} --trials 500 --budget 1e12 --format json --quiet)
costsim_expect(run_budget_option_unmet 0 "\"budget\": \\[\n +{\n +\"budget\": 1\\.0,\n +\"confidence\": 0\\.0," run ${S} --trials 500 --budget 1 --format json --quiet)
costsim_reject(run_budget_absent 0 "\"tornado\": \\[" "\"budget\": \\[" run ${S} --trials 500 --format json --quiet)
costsim_expect(run_memory_refused 2 "need about [0-9]+ MiB of memory" run ${S} --trials 1000000000 --quiet)
# A confidence of 0.9995 (1 trial in 2 000 over budget) is never "100.0%",
# in run or in sweep, and the sweep's budget shows as given (100.01).
costsim_expect(run_confidence_not_rounded_to_100 0 "Budget 100\\.01 CAD millions, nominal: confidence 99\\.950% \\(95% interval 99\\.7% to 99\\.991[0-9]%\\)" run tests/data/good/rare_overrun/scenario.csv --quiet)
costsim_expect(sweep_confidence_not_rounded_to_100 0 "the budget \\(100\\.01\\)\n.*\n1 +100\\.0 +100\\.0 +100\\.0 +100\\.0 +99\\.950%\n" sweep tests/data/good/rare_overrun/scenario.csv --vary units=1,2 --quiet)
# Simulation intervals keep two significant digits of their half-width even
# for amounts far below the table's decimals (not "0.001 to 0.001").
costsim_expect(run_intervals_tiny_amounts 0 "nominal mean  0\\.000967[0-9] to 0\\.000975[0-9]" run tests/data/good/basic/scenario.csv --quiet --trials 3000 --set phase.acquisition.scale=1e-7 --set phase.sustainment.scale=1e-7 --set phase.risk.scale=1e-7 --set phase.infrastructure.scale=1e-7)
# The tornado holds a normal slip at its P10 exactly as written (0.5, which
# rounds to 1): 2030 .. 2032 + 1 is four years of 10, not three.
add_test(NAME tornado_slip_half_year_p10
         COMMAND sh -c "out=$(mktemp -d) && \"$1\" run \"$2\" --trials 1000 --quiet --out \"$out\" > /dev/null && grep -q '^slip,slip,40,60,40,20$' \"$out/tornado.csv\"; rc=$?; cat \"$out/tornado.csv\"; rm -rf \"$out\"; exit $rc"
                 sh $<TARGET_FILE:costsim> ${PROJECT_SOURCE_DIR}/tests/data/good/slip_half_p10/scenario.csv)
set_tests_properties(tornado_slip_half_year_p10 PROPERTIES LABELS e2e)
# sweep checks every combination's memory before it simulates the first.
costsim_expect(sweep_memory_checked_first 2 "1000000000 trials need about [0-9]+ MiB of memory.*combination 2 of 2 needs more memory than is available; nothing was simulated" sweep ${S} --vary trials=1000,1000000000 --quiet)
# compare counts B's memory with A's before A runs: with room for either
# alone but not for both, nothing runs (the meminfo shim of bench/ sets the
# memory the engine sees).
# (Under AddressSanitizer the shim may come before its runtime.)
if(EXISTS ${PROJECT_SOURCE_DIR}/bench/meminfo_shim.c)
  add_test(NAME compare_memory_counts_both
           COMMAND sh -c "prog=$1 shim=$2; export ASAN_OPTIONS=\"\${ASAN_OPTIONS:+\$ASAN_OPTIONS:}verify_asan_link_order=0\"; need() { COSTSIM_BENCH_MEMAVAILABLE_KB=0 LD_PRELOAD=\"$shim\" \"$prog\" run \"$1\" --trials 20000 --quiet 2>&1 | sed -n 's/.*need about \\([0-9]*\\) MiB.*/\\1/p'; }; a=$(need \"$3\") && b=$(need \"$4\") && [ -n \"$a\" ] && [ -n \"$b\" ] || exit 1; kb=$(( (a + b) * 1024 - 1024 )); out=$(COSTSIM_BENCH_MEMAVAILABLE_KB=$kb LD_PRELOAD=\"$shim\" \"$prog\" compare \"$3\" \"$4\" --trials 20000 --quiet 2>&1); rc=$?; echo \"$out\"; [ $rc -eq 2 ] && echo \"$out\" | grep -q 'MiB of memory (both scenarios)'"
                   sh $<TARGET_FILE:costsim> $<TARGET_FILE:costsim_bench_meminfo> ${S} ${T})
  set_tests_properties(compare_memory_counts_both PROPERTIES LABELS e2e
                       WORKING_DIRECTORY ${PROJECT_SOURCE_DIR})
endif()
costsim_expect(compare_table 0 "B - A" compare ${S} ${T} --trials 500 --quiet)
costsim_expect(compare_csv 0 "^measure,mean_diff,p10,p50,p90,p_b_gt_a,ci_low,ci_high\nconstant," compare ${S} ${T} --trials 500 --format csv --quiet)
# compare --precision says in the terminal whether A's target was met.
costsim_expect(compare_precision_said 0 "Trials chosen by --precision on A:\n  precision target \\+/-0\\.1% NOT met within the ceiling of 2,000 trials" compare tests/data/good/basic/scenario.csv tests/data/good/basic/scenario.csv --precision 0.001 --trials 2000 --quiet)
# With --format csv a target not met is said on stderr; a ceiling below
# 1 000 trials is one check at the ceiling, and the table says so.
costsim_expect(run_precision_csv_not_met 0 "costsim: precision target \\+/-0\\.1% NOT met within the ceiling of 2,000 trials" run ${S} --precision 0.001 --trials 2000 --format csv --quiet)
costsim_expect(run_precision_ceiling_below_first_check 0 "checked once, at the ceiling of 500 trials, below the first check at 1,000" run ${S} --precision 0.01 --trials 500 --quiet)
costsim_expect(compare_different_currency 2 "report_currency CAD differs" compare ${S} scenarios/cpsp-hanwha-base-cad.csv --trials 100 --quiet)
costsim_expect(sweep_needs_vary 2 "needs at least one --vary" sweep ${S})
costsim_expect(sweep_csv 0 "^units,constant_mean,constant_p50,constant_p80,constant_p90,nominal_mean" sweep ${S} --vary units=8,12 --trials 300 --format csv --quiet)
costsim_expect(sweep_json 0 "\"sweep\": \\[" sweep ${S} --vary units=8,12 --trials 300 --format json --quiet)
# A stray comma in --vary makes a combination with the key not given: the
# run goes on, and a warning names the empty value.
costsim_expect(sweep_empty_vary_value_warned 0 "warning: --vary units: value 3 is empty, so that combination leaves units not given" sweep ${S} --vary units=8,12, --trials 300 --format csv --quiet)
# A budget varied from none to an amount: the budget column is there when
# any combination has a budget, empty (null in JSON) where it has none.
costsim_expect(sweep_budget_column_when_first_has_none 0 "^budget,constant_mean.*,budget_confidence\n,[0-9.]+,.*,\n60000000,.*,0\n" sweep scenarios/cpsp-tkms-budget.csv --vary budget=,60000000 --trials 300 --format csv --quiet)
costsim_expect(sweep_budget_null_when_none 0 "\"budget_confidence\": null,?\n.*\"budget_confidence\": 0\\.0" sweep scenarios/cpsp-tkms-budget.csv --vary budget=,60000000 --trials 300 --format json --quiet)
# Varying the model: every varied model's files are inputs that no output
# may replace (checked on a copy, so that a failure cannot harm the repo).
add_test(NAME sweep_varied_model_is_input
         COMMAND sh -c "w=$(mktemp -d) && cp -r \"$2/scenarios\" \"$2/models\" \"$w/\" && cd \"$w\" && cp models/cpsp-tkms/elements.csv before.csv && \"$1\" sweep scenarios/cpsp-hanwha-base.csv --vary model=../models/cpsp-hanwha,../models/cpsp-tkms --trials 100 --quiet --report models/cpsp-tkms/elements.csv > out.txt 2>&1; rc=$?; cat out.txt; ok=1; [ $rc -eq 2 ] && grep -q 'would overwrite a model file' out.txt && cmp -s before.csv models/cpsp-tkms/elements.csv && ok=0; cd / && rm -rf \"$w\"; exit $ok"
                 sh $<TARGET_FILE:costsim> ${PROJECT_SOURCE_DIR})
set_tests_properties(sweep_varied_model_is_input PROPERTIES LABELS e2e)
# The budget confidence sits with the measure the budget is in (here
# constant), named, and not under the then-year figures.
costsim_reject(sweep_budget_in_its_measure 0 "Constant, KRW millions\nBudget confidence: the share of trials whose total in this measure is at most the budget \\(60,000,000\\)\n[^\n]*Budget confidence\n" "Nominal \\(then-year\\), KRW millions\n[^\n]*Budget confidence" sweep scenarios/cpsp-hanwha-budget-constant.csv --vary units=8,12 --trials 300 --no-drivers --quiet)
costsim_expect(sweep_bad_value 2 "--vary units: " sweep ${S} --vary units=8,x --trials 300 --quiet)
# Every combination is checked before the first is simulated: a bad last
# value fails at once even with 5e8 trials, and nothing is written.
costsim_expect(sweep_checks_all_first 2 "combination 2 of 2 is not valid; nothing was simulated" sweep ${S} --vary units=8,x --trials 500000000 --quiet)
costsim_expect(sweep_key_twice 2 "'units' is varied twice" sweep ${S} --vary units=1,2 --vary units=3,4 --trials 300 --quiet)
# --report and --xlsx with sweep write the sweep's own report and workbook.
add_test(NAME sweep_report_and_workbook
         COMMAND sh -c "set -e; d=$(mktemp -d); \"$1\" sweep \"$2/scenarios/cpsp-hanwha-base.csv\" \
  --vary units=8,12 --vary element.construction.learning=0.85,0.9 --trials 300 --quiet \
  --report \"$d/s.html\" --xlsx \"$d/s.xlsx\" > /dev/null; \
grep -q 'Nominal P50 and P80' \"$d/s.html\"; grep -q '<polyline' \"$d/s.html\"; \
test \"$(head -c 2 \"$d/s.xlsx\")\" = PK; rm -rf \"$d\""
                 sh $<TARGET_FILE:costsim> ${PROJECT_SOURCE_DIR})
set_tests_properties(sweep_report_and_workbook PROPERTIES LABELS e2e)
add_test(NAME sweep_stdout_full
         COMMAND sh -c "\"$1\" sweep \"$2/scenarios/cpsp-hanwha-base.csv\" --vary units=8,12 --trials 300 --quiet > /dev/full; test $? -eq 1"
                 sh $<TARGET_FILE:costsim> ${PROJECT_SOURCE_DIR})
set_tests_properties(sweep_stdout_full PROPERTIES LABELS e2e)

# Same scenario, seed and trials => byte-identical files for any --threads
# (docs/COMMANDS.md), on the benchmark model, which uses every feature (all
# bases, profiles and distributions, learning, correlated elements, risks with
# slips, uncertain slip and inflation, correlated gbm/ou FX, hedging, four
# currencies). 70 000 trials are 14 blocks of 5 120, so threads really interleave.
add_test(NAME deterministic_across_threads_every_feature
         COMMAND sh -c "set -e; d=$(mktemp -d); for t in 1 2; do \
\"$1\" run \"$2/bench/bench.csv\" --trials 70000 --threads $t --quiet --trials-out \
  --set schedule_target=2036 --set budget_measure=constant --budget 87000 \
  --out \"$d/t$t\" --report \"$d/t$t/r.html\" --xlsx \"$d/t$t/r.xlsx\" --format json > \"$d/t$t.json\"; done; \
diff -r \"$d/t1\" \"$d/t2\"; cmp \"$d/t1.json\" \"$d/t2.json\"; rm -rf \"$d\""
                 sh $<TARGET_FILE:costsim> ${PROJECT_SOURCE_DIR})
set_tests_properties(deterministic_across_threads_every_feature PROPERTIES
                     LABELS "e2e;heavy" TIMEOUT 600)

# One option parser for every command (issue 16 item 5).
costsim_expect(run_set_equals 0 "Units: +8" run ${S} --set=units=8 --trials=200 --quiet)
costsim_expect(run_did_you_mean_option 2 "unknown option '--trails'; did you mean '--trials'[?]" run ${S} --trails 5)
costsim_expect(check_did_you_mean_option 2 "unknown option '--sett'; did you mean '--set'[?]" check ${S} --sett units=8)
# An option of another command is named as such, not "did you mean
# '--set'?" for check --out.
costsim_expect(check_option_of_run 2 "costsim check: '--out' is an option of run, compare and sweep, not of check\n" check ${S} --out somewhere)
costsim_expect(run_option_of_sweep 2 "costsim run: '--vary' is an option of sweep, not of run\n" run ${S} --vary units=8,10)
costsim_expect(check_option_of_run_compare 2 "costsim check: '--precision' is an option of run and compare, not of check\n" check ${S} --precision 1%)
costsim_expect(run_flag_with_value 2 "--quiet takes no value" run ${S} --quiet=yes)
costsim_expect(run_option_needs_value 2 "--out needs a value" run ${S} --out)
costsim_expect(version_long 0 "^costsim [0-9]+[.][0-9]+[.][0-9]+\n$" --version)
costsim_expect(version_short 0 "^costsim [0-9]+[.][0-9]+[.][0-9]+\n$" -V)
costsim_expect(sweep_vary_blamed 2 "--vary unit: unknown key 'unit'" sweep ${S} --vary unit=8 --trials 100 --quiet)
costsim_expect(sweep_table 0 "units +Mean +P50 +P80 +P90\n8 +[0-9]+,[0-9][0-9][0-9],[0-9][0-9][0-9] " sweep ${S} --vary units=8,12 --trials 300 --quiet)
# --help and --version on a full disk: exit 1 with a message, never a silent 0.
foreach(cmd "--help" "--version" "run --help" "check --help" "sweep --help" "compare --help")
  string(REPLACE " " "_" tname "help_full_stdout${cmd}")
  string(REPLACE "-" "" tname "${tname}")
  add_test(NAME ${tname}
           COMMAND sh -c "\"$1\" ${cmd} > /dev/full; test $? -eq 1"
                   sh $<TARGET_FILE:costsim>)
  set_tests_properties(${tname} PROPERTIES LABELS e2e)
endforeach()
add_test(NAME sweep_full_stdout
         COMMAND sh -c "\"$1\" sweep \"$2\" --vary units=8 --trials 100 --quiet > /dev/full; test $? -eq 1"
                 sh $<TARGET_FILE:costsim> ${PROJECT_SOURCE_DIR}/${S})
set_tests_properties(sweep_full_stdout PROPERTIES LABELS e2e)

# Output paths checked before any simulation (docs/COMMANDS.md, issue 15).
add_test(NAME output_paths_checked_first
         COMMAND sh ${CMAKE_CURRENT_SOURCE_DIR}/e2e_outpaths.sh $<TARGET_FILE:costsim>
                 ${PROJECT_SOURCE_DIR})
set_tests_properties(output_paths_checked_first PROPERTIES LABELS e2e)
costsim_expect(sweep_out_empty 2 "--out: empty path" sweep ${S} --vary units=8 --out= --quiet)

# Statistics at the limits (docs/LIMITS.md): finite mean and a non-zero sd near
# 1e303; the table shows such numbers in scientific notation, never cut.
set(X tests/data/good/extreme_amounts/scenario.csv)
costsim_expect(extreme_mean_sd_finite 0 "\nnominal,total,total,[^,]*,CAD,[0-9.]+e\\+30[0-9],[1-9][0-9.]*e\\+30[0-9],[1-9][0-9.]*e\\+30[0-9]," run ${X} --format csv --quiet)
costsim_expect(extreme_table_scientific 0 "Total +[0-9][.][0-9]+e\\+30[0-9] +[0-9][.][0-9]+e\\+30[0-9]" run ${X} --quiet)

# Progress when stderr is not a terminal: plain lines, the end of the
# simulation, then the writing phase (issue 16 item 7). Needs a run of more
# than a second.
costsim_expect(progress_log_lines 0 "costsim: run: [0-9]+/100000 trials \\([0-9]+%\\), [0-9]+ s elapsed.*costsim: run: 100000 trials simulated in [0-9]+ s\ncostsim: writing [^\n]*progress-test/" run ${S} --trials 100000 --progress --out ${CMAKE_BINARY_DIR}/progress-test --format csv)
set_tests_properties(progress_log_lines PROPERTIES LABELS "e2e;heavy")
costsim_expect(run_json_loaded 0 "\"loaded\": {[^}]*\"elements\": 5,[^}]*\"risks\": 1,[^}]*\"currencies\": 3,[^}]*\"correlations\": 2,[^}]*\"fx_correlations\": 1" run tests/data/good/basic/scenario.csv --trials 200 --format json --quiet)
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

# Options sweep cannot honour are refused, never silently ignored.
costsim_expect(sweep_precision_refused 2 "'--precision' is an option of run and compare, not of sweep" sweep ${S} --vary units=8,9 --precision 1%)
costsim_expect(sweep_trials_out_refused 2 "'--trials-out' is an option of run and compare, not of sweep" sweep ${S} --vary units=8,9 --trials-out --out ${CMAKE_BINARY_DIR}/sweep-refused)
costsim_expect(run_json_warnings 0 "\"warnings\": \\[\n +\"[^\"]*scratch\\.csv: not a model file" run tests/data/good/stray_csv/scenario.csv --trials 300 --format json --quiet)

# --no-drivers: no driver files (a previous run's removed), every other file
# byte-identical to the same run with the drivers, empty JSON arrays.
add_test(NAME run_no_drivers
         COMMAND sh ${CMAKE_CURRENT_SOURCE_DIR}/e2e_no_drivers.sh $<TARGET_FILE:costsim>
                 ${PROJECT_SOURCE_DIR})
set_tests_properties(run_no_drivers PROPERTIES LABELS e2e TIMEOUT 300)
# A varied key is shown whole in the sweep table (up to 48 characters).
costsim_expect(sweep_table_whole_keys 0 "\nelement\\.design\\.likely  +Mean" sweep tests/data/good/basic/scenario.csv --vary element.design.likely=100,110 --trials 200 --no-drivers --quiet)
# Varying a key that a dedicated option also sets: refused (the option
# would win in every combination, and the rows would differ only in name).
costsim_expect(sweep_vary_and_option 2 "--vary: seed is varied and also set by --seed, which would win in every combination" sweep tests/data/good/basic/scenario.csv --vary seed=1,5 --seed 3 --quiet)
# Varying a key that --set also sets: refused too (the --set would be
# replaced in every combination without a word).
costsim_expect(sweep_vary_and_set 2 "--vary: units is varied and also set by --set units=3, which every combination would replace" sweep tests/data/good/basic/scenario.csv --vary units=1,2 --set units=3 --quiet)
# Attribution's shares and Sobol indices are fractions 0 ... 1 even when
# the estimate of a source that explains almost nothing falls below 0
# (this run's risk did: -0.004 and -0.047); the shares still sum to 1.
add_test(NAME attribution_within_0_1
         COMMAND sh -c "d=$(mktemp -d) && \"$1\" run \"$2\" --trials 200 --seed 6 --quiet --out \"$d\" > /dev/null && awk -F, 'NR > 1 { for (c = 2; c <= 6; c += 2) if ($c < 0 || $c > 1) bad = 1; sum += $2 } END { exit bad || sum < 1 - 1e-9 || sum > 1 + 1e-9 }' \"$d/attribution.csv\"; rc=$?; rm -rf \"$d\"; exit $rc"
                 sh $<TARGET_FILE:costsim> ${PROJECT_SOURCE_DIR}/tests/data/good/basic/scenario.csv)
set_tests_properties(attribution_within_0_1 PROPERTIES LABELS e2e)
# A warning every combination's load gives (here about a --set that --trials
# replaces) is said once, not once per combination.
costsim_reject(sweep_warning_once 0 "not used: a later setting replaces it" "not used.*not used" sweep tests/data/good/basic/scenario.csv --set trials=abc --trials 200 --vary discount_rate=0.02,0.03,0.04 --no-drivers --quiet)
# A varied value of a key that takes text stays text, whatever it looks
# like: sweep.csv has "0x1p3", "'+3" (guarded, as every text cell) and "1e3",
# JSON the three strings. A key that takes numbers has them as every number
# of the file (shortest form: +0.03, 3e-2 and 0.030 are all 0.03) and in
# JSON as numbers; an empty value (the key not given) is null in JSON.
costsim_expect(sweep_text_values_stay_text 0 "\n0x1p3,[^\n]*\n'[+]3,[^\n]*\n1e3," sweep ${S} --vary name=0x1p3,+3,1e3 --trials 100 --no-drivers --format csv --quiet)
costsim_expect(sweep_text_values_json 0 "\"name\": \"0x1p3\",.*\"name\": \"[+]3\",.*\"name\": \"1e3\"," sweep ${S} --vary name=0x1p3,+3,1e3 --trials 100 --no-drivers --format json --quiet)
costsim_expect(sweep_number_values_shortest 0 "\n0[.]03,[^\n]*\n0[.]03,[^\n]*\n0[.]03," sweep ${S} --vary discount_rate=+0.03,3e-2,0.030 --trials 100 --no-drivers --format csv --quiet)
costsim_expect(sweep_empty_value_json_null 0 "\"budget\": null,.*\"budget\": 7," sweep ${S} --vary budget=,7 --trials 100 --no-drivers --format json --quiet)
# A varied budget_measure: each row's confidence in its own measure's block
# only; a varied report currency: no block claims one currency.
costsim_expect(sweep_budget_measure_varied 0 "Constant, KRW millions\n[^\n]*\n[^\n]*\nconstant [^\n]*[0-9]%\nnominal [^\n]* -\n" sweep scenarios/cpsp-hanwha-budget.csv --vary budget_measure=constant,nominal,pv --trials 200 --no-drivers --quiet)
costsim_expect(sweep_currency_varied 0 "Constant, millions of each row's report currency\nreport_currency +Currency[^\n]*\nKRW +KRW [^\n]*\nCAD +CAD " sweep ${S} --vary report_currency=KRW,CAD --trials 200 --no-drivers --quiet)
# JSON settings.model is the scenario's value as written; the top-level model
# is the directory as opened.
costsim_expect(json_settings_model_as_written 0 "\"model\": \"[^\"]*scenarios/\\.\\./models/cpsp-hanwha\",\n  \"settings\": {\n[^}]*\"model\": \"\\.\\./models/cpsp-hanwha\"," run scenarios/cpsp-hanwha-base.csv --trials 100 --no-drivers --format json --quiet)
# The sweep table aligns by terminal columns: a CJK value takes two a
# character, so "abc" is padded to the CJK value's 16 columns, not its 24 bytes.
costsim_expect(sweep_wide_text 0 "\nabc               [0-9][^\n]*\n潜水艦プログラム  [0-9]" sweep ${S} --vary "name=abc,潜水艦プログラム" --trials 100 --no-drivers --quiet)
# A sweep's --out holds sweep.csv only: its report may sit in that directory.
add_test(NAME sweep_report_inside_out
         COMMAND sh -c "d=$(mktemp -d); \"$1\" sweep \"$2/scenarios/cpsp-hanwha-base.csv\" --vary units=8,12 --trials 100 --no-drivers --quiet --out \"$d/o\" --report \"$d/o/report.html\" > /dev/null && test -s \"$d/o/sweep.csv\" && test -s \"$d/o/report.html\"; s=$?; rm -rf \"$d\"; exit $s"
                 sh $<TARGET_FILE:costsim> ${PROJECT_SOURCE_DIR})
set_tests_properties(sweep_report_inside_out PROPERTIES LABELS e2e)
# Nothing paid has no present value, even where the discount factor has
# overflowed (closed form: pv = 1 + 1/0.01 = 101).
costsim_expect(run_zero_flow_overflowed_discount 0 "\npv,total,total,zero,CAD,(101|100\\.99999999999[0-9]*)," run tests/data/good/zero_flow_far_future/scenario.csv --trials 20 --format csv --quiet)
