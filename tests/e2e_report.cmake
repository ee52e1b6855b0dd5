# The HTML report as a user sees it: written by `costsim run --report` for
# the default scenario, rendered by headless Chromium, checked non-blank.
# Needs chromium (installed by .ci/install-deps --test).
add_test(NAME report_renders_in_chromium
         COMMAND sh -c "set -e; d=$(mktemp -d); \
\"$1\" run \"$2/scenarios/cpsp-hanwha-budget.csv\" --trials 2000 --quiet --report \"$d/report.html\" >/dev/null; \
sh \"$2/tests/render_html.sh\" \"$d/report.html\" \"$d/report.png\"; rm -rf \"$d\""
                 sh $<TARGET_FILE:costsim> ${PROJECT_SOURCE_DIR})
set_tests_properties(report_renders_in_chromium PROPERTIES LABELS "e2e;browser" TIMEOUT 180)

# Text cut on UTF-8 boundaries, non-UTF-8 file names, escaped control
# characters (docs/LIMITS.md, issue 15).
add_test(NAME text_utf8_and_control_characters
         COMMAND sh ${CMAKE_CURRENT_SOURCE_DIR}/e2e_text.sh $<TARGET_FILE:costsim>
                 ${PROJECT_SOURCE_DIR})
set_tests_properties(text_utf8_and_control_characters PROPERTIES LABELS e2e)

# The HTML footer names only the files the run wrote (issue 16 item 6).
add_test(NAME html_footer_names_written_files
         COMMAND sh -c "set -e; d=$(mktemp -d); trap 'rm -rf \"$d\"' EXIT; \
\"$1\" run \"$2\" --trials 300 --quiet --report \"$d/alone.html\" > /dev/null; \
! grep -q 'xlsx' \"$d/alone.html\"; ! grep -q 'summary.csv' \"$d/alone.html\"; \
\"$1\" run \"$2\" --trials 300 --quiet --out \"$d/o\" --xlsx \"$d/book.xlsx\" > /dev/null; \
grep -q 'the exact values are in summary.csv and book.xlsx' \"$d/o/report.html\"; \
! grep -q 'billion' \"$d/o/report.html\""
                 sh $<TARGET_FILE:costsim> ${PROJECT_SOURCE_DIR}/scenarios/cpsp-hanwha-base.csv)
set_tests_properties(html_footer_names_written_files PROPERTIES LABELS e2e)
# The compare report's footer names the files compare writes: compare.csv
# and each side's summary.csv, not a summary.csv that is not there.
add_test(NAME html_compare_footer_names_its_files
         COMMAND sh -c "set -e; d=$(mktemp -d); trap 'rm -rf \"$d\"' EXIT; \
\"$1\" compare \"$2/scenarios/cpsp-hanwha-base.csv\" \"$2/scenarios/cpsp-tkms-base.csv\" --trials 300 --quiet --out \"$d/o\" > /dev/null; \
grep -q 'the exact values are in compare.csv, a/summary.csv and b/summary.csv' \"$d/o/report.html\""
                 sh $<TARGET_FILE:costsim> ${PROJECT_SOURCE_DIR})
set_tests_properties(html_compare_footer_names_its_files PROPERTIES LABELS e2e)
costsim_expect(table_interval_rounded 0 "nominal mean  [0-9,]+0,000 to [0-9,]+0,000\n" run scenarios/cpsp-hanwha-base.csv --trials 500 --quiet)
costsim_expect(table_budget_unit 0 "Budget 120,000,000 KRW millions, nominal: confidence" run scenarios/cpsp-hanwha-base.csv --trials 300 --budget 120000000 --quiet)

# A budget is marked on the charts of its own measure: a constant budget
# is on the S-curve (a line over the whole height, named with its measure),
# not on the histogram of the then-year total.
add_test(NAME report_budget_on_its_measure
         COMMAND sh -c "set -e; d=$(mktemp -d); trap 'rm -rf \"$d\"' EXIT; \
\"$1\" run \"$2/scenarios/cpsp-hanwha-budget-constant.csv\" --trials 500 --no-drivers --quiet --report \"$d/r.html\" >/dev/null; \
grep -q 'Budget 60.0 trillion KRW, constant 2026 (' \"$d/r.html\"; \
! sed -n '/Histogram of the nominal total/,/<.svg>/p' \"$d/r.html\" | grep -q Budget"
                 sh $<TARGET_FILE:costsim> ${PROJECT_SOURCE_DIR})
set_tests_properties(report_budget_on_its_measure PROPERTIES LABELS e2e)
