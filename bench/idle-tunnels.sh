#!/usr/bin/env bash
# Idle tunnels at scale (performance issue): how many idle tunnels one tuns holds, at what heap cost each, how fast
# they connect, and what holding them does to request latency on another tunnel.
#   bench/idle-tunnels.sh [N1 N2 …]        default 1000 5000 10000 (cumulative stages)
# The clients are bench/harness' IdleTunnels (Apache MINA SSHD's client in one JVM): one SSH connection with one
# HTTP forward (`t<i>:80`) each, public-key auth (ed25519), kex as negotiated with tuns' defaults, and no session
# channel (as `ssh -N`; older OpenSSH also sends no-more-sessions@openssh.com, which the harness does too). A real OpenSSH
# `ssh -R probe:80:…` carries the latency probe: wrk, 1 connection, to probe.localhost at each stage.
# Heap per tunnel = (heap used after `jcmd GC.run` at the stage − the same with only the probe) / N, from tuns' own
# jvm_memory_used_bytes{area="heap"}. Environment: JAVA_OPTS for tuns (default -Xmx2g), CONCURRENCY (handshakes in
# flight, 32), SECS (wrk seconds, 5). tuns runs with --max-connections-per-ip=0: every client comes from 127.0.0.1.
set -euo pipefail
stages=("$@"); [ ${#stages[@]} -gt 0 ] || stages=(1000 5000 10000)
root="$(cd "$(dirname "$0")/.." && pwd)"
. "$root/bench/lib/common.sh" # backend_nginx
java_opts="${JAVA_OPTS:--Xmx2g}"; CONCURRENCY="${CONCURRENCY:-32}"; SECS="${SECS:-5}"
work="$(mktemp -d /tmp/tuns-idle.XXXXXX)"; chmod 755 "$work"
ssh_port=12522 http_port=18481
ulimit -n 20000 2>/dev/null || true
max=0; for n in "${stages[@]}"; do (( n > max )) && max=$n; done
if (( $(ulimit -n) < max + 1000 )); then echo "bench: ulimit -n is $(ulimit -n), too low for $max tunnels" >&2; exit 2; fi
pids=()
cleanup() {
  exec 3>&- 2>/dev/null || true
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  backend_stop
  rm -rf "$work"
}
trap cleanup EXIT
for t in nginx wrk curl ssh ssh-keygen jcmd; do command -v "$t" >/dev/null || { echo "bench: $t missing" >&2; exit 2; }; done
[ -f "$root/server/target/tuns-server.jar" ] && [ -f "$root/bench/harness/target/tuns-bench.jar" ] ||
  (cd "$root" && mvn -q -B -DskipTests package)

mkdir -p "$work/pubkeys"
backend_nginx
ssh-keygen -q -t ed25519 -N '' -f "$work/key"; cp "$work/key.pub" "$work/pubkeys/"
echo '{}' > "$work/none.yml"
JAVA_OPTS="$java_opts" "$root/bin/tuns" serve --ssh-address=127.0.0.1:$ssh_port --http-address=127.0.0.1:$http_port \
  --authentication-keys-directory="$work/pubkeys" --private-keys-directory="$work/hostkeys" --config="$work/none.yml" \
  --max-connections-per-ip=0 > "$work/tuns.log" 2>&1 & pids+=($!)
for _ in $(seq 150); do grep -q "tuns: serving" "$work/tuns.log" 2>/dev/null && break; sleep 0.2; done
jpid=$(pgrep -f -- "--ssh-address=127.0.0.1:$ssh_port" | head -1)
ssh -i "$work/key" -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR -N -p $ssh_port \
  -R probe:80:127.0.0.1:$be 127.0.0.1 & pids+=($!)
for _ in $(seq 100); do
  [ "$(curl -s -o /dev/null -w '%{http_code}' -H 'Host: probe.localhost' "http://127.0.0.1:$http_port/small")" = 200 ] && break
  sleep 0.1
done

metric() { curl -s -H 'Host: localhost' "http://127.0.0.1:$http_port/_sish/metrics" |
  awk -v s="$1" 'index($0, s " ") == 1 { v = $2 } END { printf "%d\n", v }'; }
measure() { # -> "heap_bytes rss_kib threads p50_ms p99_ms"
  jcmd "$jpid" GC.run >/dev/null; sleep 1
  local heap; heap=$(metric 'jvm_memory_used_bytes{area="heap"}')
  local rss thr; read -r rss thr < <(awk '/^VmRSS/ {r=$2} /^Threads/ {t=$2} END {print r, t}' /proc/"$jpid"/status)
  local lat; lat=$(wrk -t1 -c1 -d"${SECS}s" --latency -H 'Host: probe.localhost' "http://127.0.0.1:$http_port/small" |
    awk '/^ +(50|99)%/ {v=$2; if (v ~ /us$/) {sub(/us/,"",v); v=v/1000} else if (v ~ /ms$/) {sub(/ms/,"",v)} else {sub(/s/,"",v); v=v*1000}; printf "%s ", v}')
  echo "$heap $rss $thr $lat"
}
mib() { awk -v b="$1" 'BEGIN { printf "%.0f", b / 1048576 }'; }

wrk -t1 -c1 -d2s -H 'Host: probe.localhost' "http://127.0.0.1:$http_port/small" >/dev/null # warm-up
read -r heap0 rss0 thr0 p50_0 p99_0 < <(measure)
rows="| 0 (probe only) | | | $(mib "$heap0") | | $((rss0 / 1024)) | $thr0 | $p50_0 | $p99_0 |"$'\n'

coproc HARNESS { exec java -Xmx4g -cp "$root/bench/harness/target/tuns-bench.jar:$root/bench/harness/target/lib/*" \
  io.tuns.bench.idle.IdleTunnels 127.0.0.1 $ssh_port "$work/key" $be "$CONCURRENCY" "${stages[@]}" 2>"$work/harness.err"; }
pids+=("$HARNESS_PID")
for n in "${stages[@]}"; do
  read -r word held secs fails <&"${HARNESS[0]}" || { echo "bench: harness ended early:" >&2; tail "$work/harness.err" >&2; exit 1; }
  [ "$word" = stage ] || { echo "bench: unexpected harness output: $word" >&2; exit 1; }
  tunnels=$(curl -s -H 'Host: localhost' "http://127.0.0.1:$http_port/_sish/metrics" |
    awk '/^sish_tunnels_active[{ ]/ { s += $NF } END { printf "%d\n", s }')
  sleep 2
  read -r heap rss thr p50 p99 < <(measure)
  per=$(awk -v h="$heap" -v h0="$heap0" -v n="$held" 'BEGIN { printf "%.1f", (h - h0) / n / 1024 }')
  rate=$(awk -v n="$held" -v p="${prev:-0}" -v s="$secs" 'BEGIN { printf "%.0f", (n - p) / s }')
  echo "bench: $held held ($fails failed, tuns counts $tunnels forwards): ${per} KiB heap per tunnel, $rate tunnels/s" >&2
  rows+="| $held | $fails | $rate | $(mib "$heap") | $per | $((rss / 1024)) | $thr | $p50 | $p99 |"$'\n'
  prev=$held
  echo next >&"${HARNESS[1]}"
done
{
  echo "Run of $(date -u +%Y-%m-%d), \`bench/idle-tunnels.sh ${stages[*]}\`, tuns JAVA_OPTS=\`$java_opts\`, $CONCURRENCY handshakes in flight, load average $(awk '{print $1}' /proc/loadavg) at the end"
  echo
  echo "| idle tunnels held | failed | tunnels connected/s (this stage) | tuns heap after GC, MiB | heap per tunnel, KiB | tuns RSS, MiB | tuns threads | probe p50 ms | probe p99 ms |"
  echo "|---|---|---|---|---|---|---|---|---|"
  printf '%s' "$rows"
} | tee "$work/table.md"
mkdir -p "$root/bench/results"; cp "$work/table.md" "$root/bench/results/idle-tunnels.md"
