# shellcheck shell=bash
# Sourced by .ci/run and the step scripts beside it: how CI reports.
# The step scripts print what they see with `note` and stop with `die`; .ci/run prints the step
# headers and the one "CI FAILED (<step>): ..." line that names the step that stopped the run.

# Paths every step agrees on (all under the gitignored .cache/), read by the scripts that source this.
# shellcheck disable=SC2034
CI_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CI_CACHE=$CI_ROOT/.cache
CI_REPORTS=$CI_CACHE/ci-reports
CI_NODE24=$CI_CACHE/node24
CI_DOCKERD_PID=$CI_CACHE/dockerd.pid
# Unicode's case folding table: the account service's generated e-mail key table is made from it.
CI_CASE_FOLDING=/usr/share/unicode/CaseFolding.txt

note() { printf '    %s\n' "$*"; }

die() { # reason: a step script gives up, saying why
  printf '    error: %s\n' "$*" >&2
  exit 1
}

wait_until() { # tries interval-seconds command...: true once the command succeeds
  local tries=$1 interval=$2
  shift 2
  for ((try = 0; try < tries; try++)); do
    "$@" && return 0
    sleep "$interval"
  done
  "$@"
}

# ---------------------------------------------------------------------------------------------
# For .ci/run: steps, and the jobs it leaves running in the background.
CURRENT_STEP=setup

step_header() { printf '\n==> [%4ss] %s\n' "$SECONDS" "$*"; }

ci_failed() { # reason: the one line that says which step stopped the run
  printf '\nCI FAILED (%s): %s\n' "$CURRENT_STEP" "$*" >&2
  exit 1
}

run_step() { # name command...: runs one step; the run stops here when it fails
  CURRENT_STEP=$1
  shift
  step_header "$CURRENT_STEP: $*"
  "$@" || ci_failed "'$*' exited with status $? (the reason is above)"
}

declare -A BACKGROUND_PID=() BACKGROUND_LOG=()

start_background() { # name log command...
  BACKGROUND_LOG[$1]=$2
  "${@:3}" >"$2" 2>&1 &
  BACKGROUND_PID[$1]=$!
}

await_background() { # name [how many last lines of its log to show; all when absent]: its exit status
  local name=$1 pid=${BACKGROUND_PID[$1]:-} code=0
  [[ -n $pid ]] || return 0 # never started, or already awaited
  BACKGROUND_PID[$name]=
  note "waiting for the background job $name (log in ${BACKGROUND_LOG[$name]})"
  wait "$pid" || code=$?
  if [[ -n ${2:-} ]]; then
    tail -n "$2" "${BACKGROUND_LOG[$name]}"
  else
    sed 's/^/    /' "${BACKGROUND_LOG[$name]}"
  fi
  ((code == 0)) || note "the background job $name exited with status $code"
  return "$code"
}
