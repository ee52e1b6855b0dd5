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
# characters (SPEC §12, issue 15).
add_test(NAME text_utf8_and_control_characters
         COMMAND sh ${CMAKE_CURRENT_SOURCE_DIR}/e2e_text.sh $<TARGET_FILE:costsim>
                 ${PROJECT_SOURCE_DIR})
set_tests_properties(text_utf8_and_control_characters PROPERTIES LABELS e2e)
