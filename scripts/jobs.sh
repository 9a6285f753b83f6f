# Steps that run side by side (sourced by scripts/setup.sh after common.sh).
#
#   job_start NAME "what it does" CMD...   run CMD in the background, output to target/setup/NAME.log
#   job_next                              wait until a step ends; set JOB_ENDED to its name
#   jobs_running                          true while a step runs
#
# Each step prints one line when it starts and one when it ends, with the time since set-up
# began and how long the step took. A step that fails stops the others and the set-up, after
# printing its log's last lines. While steps run, a line every minute says which.
JOBS_DIR=${JOBS_DIR:-target/setup}
JOBS_T0=$SECONDS
declare -A JOB_PID=() JOB_T0=()
JOB_ENDED=

stamp() { printf '[%5s]' "$(mmss $((SECONDS - JOBS_T0)))"; }
say() { printf '%s %s\n' "$(stamp)" "$*" >&2; }

job_start() {
    local name=$1 what=$2
    shift 2
    mkdir -p "$JOBS_DIR"
    # its own session, so that stopping it stops cargo's and pip's children too
    setsid "$@" >"$JOBS_DIR/$name.log" 2>&1 </dev/null &
    JOB_PID[$name]=$!
    JOB_T0[$name]=$SECONDS
    say "start $name: $what"
}

jobs_running() { [ ${#JOB_PID[@]} -gt 0 ]; }

jobs_stop() {
    local name
    for name in "${!JOB_PID[@]}"; do
        kill -TERM -- "-${JOB_PID[$name]}" 2>/dev/null || true
    done
    JOB_PID=()
}
trap 'jobs_stop' EXIT
trap 'jobs_stop; exit 130' INT TERM

job_next() {
    local name rc took last=$SECONDS
    while true; do
        for name in "${!JOB_PID[@]}"; do
            kill -0 "${JOB_PID[$name]}" 2>/dev/null && continue
            rc=0
            wait "${JOB_PID[$name]}" || rc=$?
            unset 'JOB_PID[$name]'
            took=$(mmss $((SECONDS - JOB_T0[$name])))
            if [ "$rc" != 0 ]; then
                say "FAILED $name after $took (exit $rc). The last lines of $JOBS_DIR/$name.log:"
                tail -n 25 "$JOBS_DIR/$name.log" | sed 's/^/    /' >&2
                jobs_stop
                die "set-up stopped: $name failed (full log: $JOBS_DIR/$name.log)"
            fi
            say "done  $name in $took"
            JOB_ENDED=$name
            return 0
        done
        sleep 0.5
        if [ $((SECONDS - last)) -ge 60 ]; then
            last=$SECONDS
            local running=()
            for name in "${!JOB_PID[@]}"; do running+=("$name $(mmss $((SECONDS - JOB_T0[$name])))"); done
            say "running: $(IFS=,; echo "${running[*]}" | sed 's/,/, /g')"
        fi
    done
}
