# Hostile input and the limits of docs/LIMITS.md: each input
# under tests/data/hostile/ must be refused by `costsim check` with exit 2
# and a message path:line:column: what; allowed. The cmocka program
# tests/test_hostile.c covers what needs generated files, signals, a full
# disk and the spreadsheet/HTML checks. Fuzzer finds go here as regression
# inputs (tests/data/hostile/fuzz_*).

set(H tests/data/hostile)

# Field size and text encoding
costsim_expect(hostile_field_too_long 2 "${H}/field_too_long/model/elements\\.csv:5:name: field is 4097 bytes long; at most 4096 bytes are allowed" check ${H}/field_too_long/scenario.csv)
costsim_expect(hostile_non_utf8_name 2 "${H}/non_utf8_name/model/elements\\.csv:5:name: not valid UTF-8" check ${H}/non_utf8_name/scenario.csv)
costsim_expect(hostile_overlong_utf8 2 "${H}/overlong_utf8/model/elements\\.csv:5:name: not valid UTF-8" check ${H}/overlong_utf8/scenario.csv)
costsim_expect(hostile_nul_byte 2 "${H}/nul_byte/model/elements\\.csv:5:name: contains a NUL byte" check ${H}/nul_byte/scenario.csv)

# Amounts, rates
costsim_expect(hostile_amount_too_large 2 "${H}/amount_too_large/model/elements\\.csv:2:likely: likely 1\\.5e15 is out of range; allowed: amounts in millions, \\|x\\| <= 1e15" check ${H}/amount_too_large/scenario.csv)
costsim_expect(hostile_rate_too_large 2 "${H}/rate_too_large/model/currencies\\.csv:3:rate: rate 2e15 is out of range; allowed: 0 < rate <= 1e15" check ${H}/rate_too_large/scenario.csv)
costsim_expect(hostile_drift_out_of_range 2 "${H}/drift_out_of_range/model/currencies\\.csv:3:drift: drift 1\\.5 is out of range; allowed: -1 < drift <= 1" check ${H}/drift_out_of_range/scenario.csv)
# A number beyond the largest double is said to be too large, not "not a
# number" with a syntax it matches.
costsim_expect(hostile_set_number_overflows 2 "--set element\\.office\\.high: element\\.office\\.high '1e400' is too large" check tests/data/good/basic/scenario.csv --set element.office.high=1e400)
costsim_expect(hostile_set_discount_rate 2 "--set discount_rate: discount_rate 1\\.5 is out of range; allowed: -1 < discount_rate <= 1" check tests/data/good/basic/scenario.csv --set discount_rate=1.5)
costsim_expect(hostile_set_discount_rate_minus_one 2 "--set discount_rate: discount_rate -1 is out of range" check tests/data/good/basic/scenario.csv --set discount_rate=-1)
costsim_expect(hostile_set_inflation_minus_one 2 "--set currency\\.USD\\.inflation\\.low: .*out of range" check tests/data/good/basic/scenario.csv --set currency.USD.inflation.low=-1)
costsim_expect(hostile_set_volatility 2 "--set currency\\.USD\\.volatility: currency\\.USD\\.volatility 2\\.5 is out of range; allowed: 0 <= volatility <= 2" check tests/data/good/basic/scenario.csv --set currency.USD.volatility=2.5)
costsim_expect(hostile_set_hedge_rate 2 "--set currency\\.USD\\.hedge_rate: .* is out of range; allowed: 0 < hedge_rate <= 1e15" check tests/data/good/basic/scenario.csv --set currency.USD.hedge_rate=1e16)
costsim_expect(hostile_set_budget 2 "--set budget: budget 1e300 is out of range" check tests/data/good/basic/scenario.csv --set budget=1e300)
costsim_expect(hostile_set_scale 2 "--set phase\\.acquisition\\.scale: .* is out of range; allowed: 0 <= scale <= 1e15" check tests/data/good/basic/scenario.csv --set phase.acquisition.scale=1e300)

# Years: offsets are at most 3 digits (<= 400), so no int arithmetic can
# overflow; the result must stay in 1900 ... 2300.
costsim_expect(hostile_year_offset_huge 2 "${H}/year_offset_huge/model/risks\\.csv:2:year: year 'first_delivery-99999' is not a year expression" check ${H}/year_offset_huge/scenario.csv)
costsim_expect(hostile_year_offset_overflow 2 "${H}/year_offset_overflow/model/risks\\.csv:2:year: year 'first_delivery\\+2147483647' is not a year expression.*risks\\.csv:3:year: year 'last_delivery-2147483648' is not a year expression" check ${H}/year_offset_overflow/scenario.csv)
costsim_expect(hostile_year_after_markers 2 "${H}/year_after_markers/model/risks\\.csv:2:year: risk late runs to 2452 without slip; allowed: years 1900 to 2300" check ${H}/year_after_markers/scenario.csv)
costsim_expect(hostile_year_before_markers 2 "${H}/year_before_markers/model/risks\\.csv:2:year: risk early starts in 1631 without slip, before base_year 2025" check ${H}/year_before_markers/scenario.csv)
costsim_expect(hostile_set_first_delivery_huge 2 "--set first_delivery: first_delivery 2147483647 is out of range; allowed: a year 1900 to 2300" check tests/data/good/basic/scenario.csv --set first_delivery=2147483647)
costsim_expect(hostile_set_first_delivery_negative 2 "--set first_delivery: first_delivery -2147483649 is out of range" check tests/data/good/basic/scenario.csv --set first_delivery=-2147483649)
costsim_expect(hostile_set_service_life_huge 2 "--set service_life: service_life 2147483647 is out of range; allowed: a whole number 1 to 400" check tests/data/good/basic/scenario.csv --set service_life=2147483647)
costsim_expect(hostile_set_build_years_huge 2 "--set build_years: build_years 1e300 is out of range" check tests/data/good/basic/scenario.csv --set build_years=1e300)
costsim_expect(hostile_set_units_schedule 2 "elements\\.csv:[0-9]+:[a-z]+: element [a-z]+ runs to [0-9]+ without slip; allowed: years 1900 to 2300" check tests/data/good/basic/scenario.csv --set units=1000)
costsim_expect(hostile_set_delivery_interval 2 "runs to [0-9]+ without slip; allowed: years 1900 to 2300" check tests/data/good/basic/scenario.csv --set delivery_interval=100)

# Slips
costsim_expect(hostile_slip_huge 2 "${H}/slip_huge/scenario\\.csv:12:value: slip\\.high 1e9 is out of range; allowed: -400 to 400 years" check ${H}/slip_huge/scenario.csv)
costsim_expect(hostile_risk_slip_huge 2 "${H}/risk_slip_huge/model/risks\\.csv:2:slip: slip 2147483648 is out of range; allowed: a whole number 0 to 400" check ${H}/risk_slip_huge/scenario.csv)
# A slip that pushes the schedule past 2300 is caught when it happens
# (docs/FORMAT.md, schedule: check looks at the schedule without slip): run
# exits 1.
costsim_expect(hostile_slip_past_2300_run 1 "${H}/slip_past_2300/scenario\\.csv: trial 1: a slip of 300 years moves the schedule past 2300" run ${H}/slip_past_2300/scenario.csv --format csv --quiet)
# A risk that no trial drew (p 0.0001 over 200 trials) but that the tornado
# holds occurring moves the schedule past 2300: every trial is valid, so
# the run completes, and that input is left out of the tornado with a
# warning that says why.
costsim_expect(hostile_tornado_hold_past_2300 0 "warning: tornado: rare \\(risk\\) left out: held at its P10 or P90 it moves the schedule outside the years allowed \\(1900-2300\\) in some trial" run ${H}/tornado_hold_past_2300/scenario.csv --format csv --quiet)
# The same with 86 inputs at 100 000 trials, where the tornado screens
# them first: the input screened out still gets its warning.
costsim_expect(hostile_tornado_screen_hold_past_2300 0 "warning: tornado: rare \\(risk\\) left out: held at its P10 or P90 it moves the schedule outside the years allowed \\(1900-2300\\) in some trial" run ${H}/tornado_screen_hold_past_2300/scenario.csv --format csv --quiet)
set_tests_properties(hostile_tornado_screen_hold_past_2300 PROPERTIES LABELS "e2e;heavy")
# A lognormal slip with a tiny P10 has an enormous tail: the draw must not
# overflow the int year arithmetic (UBSan) and the run stops cleanly.
costsim_expect(hostile_slip_lognormal_tail 1 "trial [0-9]+: a slip of [0-9]+ years moves the schedule past 2300" run tests/data/good/basic/scenario.csv --set slip.dist=lognormal --set slip.low=1e-300 --set slip.high=400 --trials 2000 --format csv --quiet)
# ... and with files asked for, it says that none was written or changed.
costsim_expect(hostile_run_failure_says_nothing_written 1 "moves the schedule past 2300.*\ncostsim: no output file was written or changed" run tests/data/good/basic/scenario.csv --set slip.dist=lognormal --set slip.low=1e-300 --set slip.high=400 --trials 2000 --quiet --report /tmp/costsim-never-written.html)

# Trials and memory: refused before starting, saying how much is needed.
costsim_expect(hostile_set_trials_too_many 2 "--set trials: trials 1e10 is out of range; allowed: a whole number 1 to 1000000000" check tests/data/good/basic/scenario.csv --set trials=1e10)
costsim_expect(hostile_trials_memory 2 "tests/data/good/basic/scenario\\.csv: 1000000000 trials need about [0-9]+ MiB of memory and [0-9]+ MiB are available; run fewer trials" run tests/data/good/basic/scenario.csv --trials 1000000000 --quiet)
costsim_expect(hostile_seed_too_large 2 "--seed: '18446744073709551616' is not digits 0 \\.\\.\\. 2\\^64-1" run tests/data/good/basic/scenario.csv --seed 18446744073709551616 --quiet)

# Hostile names are accepted (they are only labels) ...
costsim_expect(hostile_formula_names_check 0 "formula_names/scenario\\.csv: ok: 9 elements, 2 risks" check ${H}/formula_names/scenario.csv)
# ... and neutralised in --format csv (a ' before = + - @).
costsim_expect(hostile_formula_names_csv 0 "constant,element,hyperlink,\"'=HYPERLINK\\(\"\"http://x.*constant,element,at,'@SUM\\(1\\),CAD,.*constant,element,plus,'\\+1,.*constant,element,minus,'-1,.*constant,risk,r1,'=1\\+1," run ${H}/formula_names/scenario.csv --format csv --quiet)

# Amounts near the largest double (a report currency worth 1e-292 CAD): the
# allocation's sums of K trials must not overflow into empty or zero cells,
# and no file (the HTML report's charts included) holds a NaN or an infinity.
add_test(NAME hostile_allocation_near_max
         COMMAND sh -c "out=$(mktemp -d) && \"$1\" run \"$2\" --quiet --out \"$out\" > /dev/null && awk -F, 'NR > 1 && !($6 + 0 > 0 && $7 + 0 > 0) { bad = 1; print } END { exit bad }' \"$out/allocation.csv\" && ! grep -i -w -E -- '-?(nan|inf|infinity)' \"$out\"/*.csv \"$out\"/report.html; rc=$?; rm -rf \"$out\"; exit $rc"
                 sh $<TARGET_FILE:costsim> ${PROJECT_SOURCE_DIR}/${H}/allocation_near_max/scenario.csv)
set_tests_properties(hostile_allocation_near_max PROPERTIES LABELS e2e)
# Totals on both sides of zero near the largest double: their distance is
# not a double, yet every percentile of the totals is given (interpolated
# without overflow) and no file holds a NaN or an infinity.
add_test(NAME hostile_totals_span_past_max
         COMMAND sh -c "out=$(mktemp -d) && \"$1\" run \"$2\" --quiet --out \"$out\" > /dev/null && awk -F, 'NR > 1 && $4 == \"\" { bad = 1; print } END { exit bad }' \"$out/scurve.csv\" && ! grep -i -w -E -- '-?(nan|inf|infinity)' \"$out\"/*.csv \"$out\"/report.html; rc=$?; rm -rf \"$out\"; exit $rc"
                 sh $<TARGET_FILE:costsim> ${PROJECT_SOURCE_DIR}/${H}/totals_span_past_max/scenario.csv)
set_tests_properties(hostile_totals_span_past_max PROPERTIES LABELS e2e)

# Regression inputs found by the fuzzer (tests/fuzz/): each must give a
# clean diagnosis. Add one line per tests/data/hostile/fuzz_* directory.
file(GLOB hostile_fuzz_dirs LIST_DIRECTORIES true ${PROJECT_SOURCE_DIR}/${H}/fuzz_*)
foreach(dir ${hostile_fuzz_dirs})
  get_filename_component(name ${dir} NAME)
  costsim_expect(hostile_${name} 2 "scenario\\.csv|\\.csv:[0-9]+:" check ${H}/${name}/scenario.csv)
endforeach()
# --budget beyond the amount limit is out of range, not "not a number".
costsim_expect(hostile_budget_option_range 2 "--budget: '1e16' is out of range" run tests/data/good/basic/scenario.csv --budget 1e16)
# Past the largest double it is out of range too (it said "not a number").
costsim_expect(hostile_budget_option_overflow 2 "--budget: '-1e400' is out of range" run tests/data/good/basic/scenario.csv --budget -1e400)

# A column required only for some rows, left out of the header: each such
# row is reported (a missing column counts as empty), never a default.
costsim_expect(hostile_missing_rate_column 2 "${H}/missing_rate_column/model/currencies\\.csv:3:rate: rate is required" check ${H}/missing_rate_column/scenario.csv)
costsim_expect(hostile_missing_start_column 2 "${H}/missing_start_column/model/elements\\.csv:2:start: start is required" check ${H}/missing_start_column/scenario.csv)
# An optional model file that is a link to nowhere is an error, not an
# absent file (which would silently drop every correlation).
costsim_expect(hostile_dangling_correlations 2 "${H}/dangling_correlations/model/correlations\\.csv: cannot open: No such file or directory" check ${H}/dangling_correlations/scenario.csv)
# A required key whose row the reader refuses (invalid UTF-8 here) gets that
# one message, not also "missing key".
costsim_reject(hostile_bad_key_value_one_message 2 "${H}/bad_key_value_utf8/scenario\\.csv:7:value: not valid UTF-8" "missing key" check ${H}/bad_key_value_utf8/scenario.csv)
# A record of more than 256 fields refuses the file as it is read (a line of
# commas without end must not fill the memory field by field).
costsim_expect(hostile_too_many_fields 2 "${H}/too_many_fields/model/elements\\.csv:3: record has more than 256 fields; at most 256 are allowed" check ${H}/too_many_fields/scenario.csv)
# correlation_repair on a group larger than it repairs (hours of work):
# refused at once, naming the pairs.
costsim_expect(hostile_repair_group_too_large 2 "correlation matrix of a group of 301 elements is not positive semi-definite .*repairs groups of at most 300 elements" check ${H}/repair_group_too_large/scenario.csv)
