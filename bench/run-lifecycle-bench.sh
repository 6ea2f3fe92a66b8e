#!/usr/bin/env bash
# Full-lifecycle throughput (SPEC §9): starts the service in a temporary working directory, loads it with the lifecycle
# generator, stops the server, measures both floors on the matching database (physical: two BouncyCastle verifications and raw
# SQL commits per lifecycle; handlers: the use cases in process), and prints the run against each floor.
#   bench/run-lifecycle-bench.sh [embedded|server] [clients] [duration]      e.g.  bench/run-lifecycle-bench.sh server 8 60s
# Server mode needs PostgreSQL on 127.0.0.1:5432 (user eprx, password eprx, allowed to create databases) and RabbitMQ on
# 127.0.0.1:5672 (guest/guest, rabbitmqctl on this machine to add a virtual host). Everything it creates (databases, the virtual
# host, the working directory) is removed at the end; the results stay in $RESULTS_DIR (default /tmp/eprx-lifecycle-results).
set -euo pipefail

mode="${1:-embedded}"
clients="${2:-4}"
duration="${3:-60s}"
warmup="${WARMUP:-5s}"
port="${PORT:-5180}"
case "$mode" in embedded|server) ;; *) echo "usage: $0 [embedded|server] [clients] [duration]" >&2; exit 2 ;; esac

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
run_id="lg$(date +%s)$$"
work="$(mktemp -d "${TMPDIR:-/tmp}/eprx-lifecycle-bench.XXXXXX")"
out="${RESULTS_DIR:-${TMPDIR:-/tmp}/eprx-lifecycle-results}/$(date +%Y%m%d-%H%M%S)-$mode-${clients}c"
mkdir -p "$out"
server_pid=""
pg_admin="host=127.0.0.1 port=5432 user=eprx password=eprx dbname=postgres"
pg_databases=()

cleanup() {
  if [[ -n "$server_pid" ]] && kill -0 "$server_pid" 2>/dev/null; then
    kill "$server_pid" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.2; done
    kill -9 "$server_pid" 2>/dev/null || true
  fi
  for db in "${pg_databases[@]}"; do
    psql "$pg_admin" -qAtc "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1 || true
  done
  if [[ "$mode" == server ]]; then timeout 60 rabbitmqctl -q delete_vhost "$run_id" >/dev/null 2>&1 || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

echo "== building (Release)"
dotnet build -c Release "$repo/src/EPrescription.Api" -o "$work/api" -v quiet -nologo | grep -E "error|warn" || true
dotnet build -c Release "$repo/bench/EPrescription.LoadGenerator" -o "$work/loadgen" -v quiet -nologo | grep -E "error|warn" || true
cp -r "$repo/certs-dev" "$work/certs-dev"

create_database() { # name -> connection string (called in $(…), so the caller records the name for clean-up)
  psql "$pg_admin" -qAtc "CREATE DATABASE $1" >/dev/null
  echo "Host=127.0.0.1;Port=5432;Username=eprx;Password=eprx;Database=$1;Maximum Pool Size=${PG_POOL:-40}"
}

server_env=(ASPNETCORE_URLS="http://127.0.0.1:$port" Logging__LogLevel__Default=Warning)
# W^X off: with it on, JIT-compiled code runs from a double-mapped memfd region that perf cannot match to the perf map.
if [[ "${PROFILE:-0}" == perf ]]; then server_env+=(DOTNET_PerfMapEnabled=1 DOTNET_EnableWriteXorExecute=0); fi
# SERVER_ENV: extra NAME=value settings for the server, space-separated (experiments: runtime knobs, options).
if [[ -n "${SERVER_ENV:-}" ]]; then read -r -a extra_env <<<"$SERVER_ENV"; server_env+=("${extra_env[@]}"); fi
floor_db_args=(--database sqlite)
handler_floor_db_args=(--database sqlite)
if [[ "$mode" == server ]]; then
  pg_databases=("${run_id}_server" "${run_id}_floor" "${run_id}_hfloor")
  server_cs="$(create_database "${run_id}_server")"
  floor_cs="$(create_database "${run_id}_floor")"
  handler_floor_cs="$(create_database "${run_id}_hfloor")"
  # A virtual host of its own: events are published to exchanges named by message type, which every deployment on the same
  # broker binds its queues to, whatever its endpoint prefix; other runs' events would reach this server and its theirs.
  timeout 60 rabbitmqctl -q add_vhost "$run_id" >/dev/null
  timeout 60 rabbitmqctl -q set_permissions -p "$run_id" guest ".*" ".*" ".*" >/dev/null
  server_env+=(Database__Provider=PostgreSql "Database__ConnectionString=$server_cs" Bus__Transport=RabbitMq
    "Bus__RabbitMqUri=amqp://guest:guest@127.0.0.1:5672/$run_id" "Bus__EndpointPrefix=$run_id" DevClients__Seed=true
    "PatientKeys__Secret=$(head -c 32 /dev/urandom | base64)")
  floor_db_args=(--database postgresql --connection "$floor_cs")
  handler_floor_db_args=(--database postgresql --connection "$handler_floor_cs")
fi

echo "== starting the server ($mode) on 127.0.0.1:$port in $work"
(cd "$work" && exec env "${server_env[@]}" dotnet api/EPrescription.Api.dll >"$out/server.log" 2>&1) &
server_pid=$!
for i in $(seq 1 120); do
  if curl -fsS "http://127.0.0.1:$port/health/ready" >/dev/null 2>&1; then break; fi
  if ! kill -0 "$server_pid" 2>/dev/null; then echo "the server exited; see $out/server.log" >&2; tail -20 "$out/server.log" >&2; exit 1; fi
  if [[ $i == 120 ]]; then echo "the server is not ready after 60 s; see $out/server.log" >&2; exit 1; fi
  sleep 0.5
done
# `dotnet api/X.dll` runs in the process started above, so its pid is the server's.

# PROFILE=1: a dotnet-trace sample of the server's threads (dotnet-sampled-thread-time, ~100 Hz) for PROFILE_SECONDS (20)
# starting PROFILE_DELAY (20) seconds into the load, written to $out/server.nettrace with its top methods in $out/profile.txt.
# PROFILE=perf: CPU samples of the server process with Linux perf (cpu-clock, 999 Hz, call graphs; the runtime writes
# /tmp/perf-PID.map so JIT-compiled methods have names), summarised by symbol in $out/profile.txt.
profiler_pid=""
if [[ "${PROFILE:-0}" == perf ]]; then
  command -v perf >/dev/null || { echo "PROFILE=perf needs perf (apt-get install linux-perf)" >&2; exit 2; }
  (sleep "${PROFILE_DELAY:-20}" && perf record -e cpu-clock -F 999 -g -p "$server_pid" -o "$out/perf.data" -- sleep "${PROFILE_SECONDS:-20}" \
    >"$out/profile-collect.log" 2>&1) &
  profiler_pid=$!
elif [[ "${PROFILE:-0}" == 1 ]]; then
  trace_tool="$(command -v dotnet-trace || echo "$HOME/.dotnet/tools/dotnet-trace")"
  [[ -x "$trace_tool" ]] || { echo "PROFILE=1 needs dotnet-trace (dotnet tool install -g dotnet-trace)" >&2; exit 2; }
  (sleep "${PROFILE_DELAY:-20}" && "$trace_tool" collect -p "$server_pid" --profile dotnet-sampled-thread-time \
    --duration "00:00:${PROFILE_SECONDS:-20}" -o "$out/server.nettrace" >"$out/profile-collect.log" 2>&1) &
  profiler_pid=$!
fi

echo "== lifecycles: $clients clients, $duration (warm-up $warmup)"
(cd "$work" && timeout 1800 dotnet loadgen/EPrescription.LoadGenerator.dll --url "http://127.0.0.1:$port" --clients "$clients" \
  --duration "$duration" --warmup "$warmup" --server-pid "$server_pid" --json "$out/run.json") | tee "$out/run.txt"

if [[ -n "$profiler_pid" && "${PROFILE}" == perf ]]; then
  wait "$profiler_pid" || true
  { echo "# self (by symbol)"; perf report -i "$out/perf.data" --no-children --sort dso,symbol --stdio -g none --percent-limit 0.4 2>/dev/null | grep -v '^#' | grep -v '^$' | head -80
    echo "# with children"; perf report -i "$out/perf.data" --children --sort symbol --stdio -g none --percent-limit 2 2>/dev/null | grep -v '^#' | grep -v '^$' | head -120
  } >"$out/profile.txt" 2>&1 || true
  echo "profile: $out/profile.txt"
elif [[ -n "$profiler_pid" ]]; then
  wait "$profiler_pid" || true
  { echo "# exclusive"; "$trace_tool" report "$out/server.nettrace" topN -n 40; echo "# inclusive"; "$trace_tool" report "$out/server.nettrace" topN -n 60 --inclusive; } \
    >"$out/profile.txt" 2>&1 || true
  echo "profile: $out/profile.txt"
fi

echo "== stopping the server, so the floors have the machine to themselves"
kill "$server_pid"; wait "$server_pid" 2>/dev/null || true; server_pid=""

if [[ "${FLOORS:-1}" == 0 ]]; then echo "Results in $out (FLOORS=0: no floors measured)"; exit 0; fi

echo "== physical floor: $clients workers, $duration"
(cd "$work" && timeout 1800 dotnet loadgen/EPrescription.LoadGenerator.dll --floor physical "${floor_db_args[@]}" --clients "$clients" \
  --duration "$duration" --warmup "$warmup" --json "$out/physical-floor.json") | tee "$out/physical-floor.txt"

echo "== handler floor: $clients workers, $duration"
(cd "$work" && timeout 1800 dotnet loadgen/EPrescription.LoadGenerator.dll --floor handlers "${handler_floor_db_args[@]}" --clients "$clients" \
  --duration "$duration" --warmup "$warmup" --json "$out/handler-floor.json") | tee "$out/handler-floor.txt"

(cd "$work" && dotnet loadgen/EPrescription.LoadGenerator.dll --compare "$out/run.json" "$out/physical-floor.json" "$out/handler-floor.json") \
  | tee "$out/compare.txt"
echo "Results in $out"
