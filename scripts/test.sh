#!/usr/bin/env bash
# The project's one test command (CI runs it through .ci/run).
#
#   scripts/test.sh [extra dotnet test / test-app args...]
#   scripts/test.sh --filter "FullyQualifiedName~Formats"
#
# 1. makes sure PostgreSQL 15, RabbitMQ, Chromium and zbarimg are installed, and the
#    two servers running (scripts/lib-services.sh), and exports
#    EPRX_TEST_POSTGRES / EPRX_TEST_RABBITMQ unless already set;
# 2. runs every test project of the solution with `dotnet test` (Microsoft.Testing.Platform),
#    writing one TRX report per test project to <repo>/.test-results/;
# 3. prints, alone on the last line, "N passed, N failed, N skipped" summed over the
#    TRX reports, and exits non-zero when a test failed or the build/run failed
#    (a build or run failure counts as at least 1 failed).
#
# Environment:
#   EPRX_SOLUTION        solution (or project) to test; default <repo>/EPrescription.sln
#   EPRX_RESULTS_DIR     where TRX reports go; default <repo>/.test-results (old *.trx deleted each run)
#   EPRX_SKIP_SERVICES=1 do not install/start any service (pure unit-test runs)
#   EPRX_TEST_TIMEOUT    per test-project session timeout given to the test apps (default 30m;
#                        empty disables)
#   CONFIGURATION        build configuration (default Debug)
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
solution="${EPRX_SOLUTION:-$repo/EPrescription.sln}"
results="${EPRX_RESULTS_DIR:-$repo/.test-results}"
timeout_arg="${EPRX_TEST_TIMEOUT-30m}"

export DOTNET_NOLOGO=1 DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
# Do not leave MSBuild worker nodes / the MSBuild server behind: a leftover process that
# inherited our stdout keeps a CI log pipe open after this script ends.
export MSBUILDDISABLENODEREUSE=1 DOTNET_CLI_USE_MSBUILD_SERVER=0
# Same for the compiler server (VBCSCompiler) on CI; developers keep it for faster rebuilds.
# (Not `dotnet build-server shutdown`: that would also stop servers other builds are using.)
if [ -n "${CI:-}" ]; then export UseSharedCompilation=false; fi

start=$SECONDS

# Whatever happens (service start-up failing, an unexpected error), the last line is a count.
summary_printed=0
trap '[ "$summary_printed" = 1 ] || echo "0 passed, 1 failed, 0 skipped"' EXIT

# Fresh counts: old reports must never be summed again.
mkdir -p "$results"
find "$results" -type f \( -name '*.trx' -o -name dotnet-test.log \) -delete

if [ "${EPRX_SKIP_SERVICES:-0}" != 1 ]; then
  # shellcheck source=scripts/lib-services.sh
  source "$repo/scripts/lib-services.sh"
  eprx_ensure_services
  printf '[test] services ready in %ss: EPRX_TEST_POSTGRES=%s EPRX_TEST_RABBITMQ=%s\n' "$((SECONDS - start))" \
    "$(printf '%s' "$EPRX_TEST_POSTGRES" | sed -E 's/(Password=)[^;]*/\1***/I')" \
    "$(printf '%s' "$EPRX_TEST_RABBITMQ" | sed -E 's#(://[^:/@]*:)[^@]*@#\1***@#')" >&2
fi

[ -e "$solution" ] || { echo "[test] ERROR: no solution at $solution" >&2; exit 1; }

target=(--solution "$solution")
case "$solution" in *.csproj|*.fsproj|*.vbproj) target=(--project "$solution") ;; esac

args=("${target[@]}" -c "${CONFIGURATION:-Debug}" --results-directory "$results" --report-trx
      # A test project with no test yet (or none matching a filter) is not a failure (MTP exit 8).
      --ignore-exit-code 8)
[ -t 1 ] || args+=(--no-progress --no-ansi)
if [ -n "$timeout_arg" ] && [[ " $* " != *" --timeout "* ]]; then args+=(--timeout "$timeout_arg"); fi

log="$results/dotnet-test.log"
echo "[test] dotnet test ${args[*]} $*" >&2
set +e
dotnet test "${args[@]}" "$@" </dev/null 2>&1 | tee "$log"
rc=${PIPESTATUS[0]}
set -e

# Sum <Counters> over all TRX reports (one per test project).
passed=0 failed=0 skipped=0 reports=0
attr() { # attr NAME COUNTERS-ELEMENT -> value or 0
  local v
  v="$(printf '%s' "$2" | grep -o "[[:space:]]$1=\"[0-9]*\"" | grep -o '[0-9][0-9]*' | head -n 1)" || true
  echo "${v:-0}"
}
while IFS= read -r -d '' trx; do
  counters="$(tr '\n' ' ' <"$trx" | grep -o '<Counters [^>]*>' | head -n 1)" || true
  [ -n "$counters" ] || { echo "[test] WARNING: no <Counters> in $trx" >&2; continue; }
  reports=$((reports + 1))
  p=$(attr passed "$counters")
  f=$(( $(attr failed "$counters") + $(attr error "$counters") + $(attr timeout "$counters") + $(attr aborted "$counters") ))
  s=$(( $(attr notExecuted "$counters") + $(attr inconclusive "$counters") ))
  passed=$((passed + p)); failed=$((failed + f)); skipped=$((skipped + s))
done < <(find "$results" -name '*.trx' -type f -print0)

# Cross-check with dotnet test's own closing summary (a report can be missing when a
# test host crashes); never report fewer failures than it does.
summary="$(awk '/^Test run summary:/ {s=""} {s = s $0 "\n"} END {printf "%s", s}' "$log" |
           sed -nE 's/^[[:space:]]+(failed|succeeded|skipped): ([0-9]+)$/\1=\2/p' | tr '\n' ' ')" || true
if [ -n "$summary" ]; then
  c_failed=0 c_passed=0 c_skipped=0
  for kv in $summary; do
    case "$kv" in failed=*) c_failed=${kv#*=} ;; succeeded=*) c_passed=${kv#*=} ;; skipped=*) c_skipped=${kv#*=} ;; esac
  done
  if [ "$c_failed/$c_passed/$c_skipped" != "$failed/$passed/$skipped" ]; then
    echo "[test] WARNING: TRX reports say $passed passed/$failed failed/$skipped skipped," \
         "dotnet test's summary says $c_passed/$c_failed/$c_skipped" >&2
    if [ "$c_failed" -gt "$failed" ]; then failed=$c_failed; fi
  fi
fi

if [ "$rc" -ne 0 ] && [ "$failed" -eq 0 ]; then
  # Build error, crashed test host, timeout... with no failed test to show for it.
  if grep -qE '(error [A-Za-z]+[0-9]+:|Build failed)' "$log"; then
    echo "[test] BUILD FAILED (dotnet test exit code $rc); see errors above or $log" >&2
  elif grep -q "Unknown option '" "$log"; then
    echo "[test] the test apps rejected an argument: $(grep -o "Unknown option '[^']*'" "$log" | sort -u | tr '\n' ' ')" \
         "(NUnit on Microsoft.Testing.Platform takes --filter \"FullyQualifiedName~Name\", not --filter-query)" >&2
  elif grep -q 'Canceling the test session' "$log"; then
    echo "[test] a test session was cancelled: timed out after ${timeout_arg:-?} (EPRX_TEST_TIMEOUT)" \
         "or the run was interrupted; dotnet test exit code $rc" >&2
  else
    echo "[test] dotnet test exited with code $rc without a failed test in the reports; see $log" >&2
  fi
  failed=1
fi
echo "[test] $reports TRX report(s) in $results; dotnet test exit code $rc; $((SECONDS - start))s in all" >&2

summary_printed=1
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ] && [ "$rc" -eq 0 ]
