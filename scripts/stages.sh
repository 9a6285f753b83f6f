# Timed stages of a test run (sourced by scripts/test.sh after common.sh).
#
#   stage "what it checks" CMD...   run CMD (its output as it comes); note its wall time
#   stages_report TITLE             print the table of stages and their times
#
# A failing stage ends the run, after the table of the stages so far.
STAGE_NAMES=() STAGE_TIMES=() STAGE_RESULTS=()
STAGES_T0=$SECONDS

stage() {
    local what=$1 t0=$SECONDS rc=0
    shift
    step "$what"
    "$@" || rc=$?
    STAGE_NAMES+=("$what")
    STAGE_TIMES+=($((SECONDS - t0)))
    if [ "$rc" = 0 ]; then STAGE_RESULTS+=(ok); else STAGE_RESULTS+=(FAILED); fi
    printf '    %s in %s\n' "${STAGE_RESULTS[-1]}" "$(mmss $((SECONDS - t0)))" >&2
    if [ "$rc" != 0 ]; then
        stages_report "stopped at a failure (exit $rc)"
        exit "$rc"
    fi
}

stages_report() {
    local i name
    printf '\n%s: where the time went\n' "$1" >&2
    printf '  %6s  %-6s  %s\n' time result stage >&2
    for i in "${!STAGE_NAMES[@]}"; do
        name=${STAGE_NAMES[$i]}
        [ ${#name} -le 90 ] || name="${name:0:87}..."
        printf '  %6s  %-6s  %s\n' "$(mmss "${STAGE_TIMES[$i]}")" "${STAGE_RESULTS[$i]}" "$name" >&2
    done
    printf '  %6s  %-6s  %s\n' "$(mmss $((SECONDS - STAGES_T0)))" "" "total" >&2
}
