#!/usr/bin/env bash
# Netty transport A/B (issue #18): the same jar twice, side by side, one on Java NIO (the default) and one on native
# epoll (-Dtuns.transport=epoll), each with its own `ssh -R` tunnel to Debian's nginx; 1 KiB GETs with wrk at 1, 16
# and 64 connections, the two measured in turn within each run so they share the load. Per row: req/s, p99, the
# JVM's CPU per request (user+sys from /proc/PID/stat) and its context switches per request (voluntary +
# involuntary, all threads, /proc/PID/task/*/status). Medians of `runs`.
#   bench/transport-ab.sh [runs=3] [wrk-seconds=5]      environment: JAVA_OPTS for both (default -Xmx256m)
# B_OPTS / B_NAME replace the second JVM's options and column name (default -Dtuns.transport=epoll / epoll), for
# any other A/B of JVM settings on the same load, e.g. B_OPTS=-XX:TieredStopAtLevel=1 B_NAME=c1.
set -euo pipefail
runs="${1:-3}"; secs="${2:-5}"
root="$(cd "$(dirname "$0")/.." && pwd)"
java_opts="${JAVA_OPTS:--Xmx256m}"; b_opts="${B_OPTS:--Dtuns.transport=epoll}"; b="${B_NAME:-epoll}"
. "$root/bench/lib/common.sh"
bench_setup tuns-transport nginx wrk curl ssh ssh-keygen
backend_nginx
mkdir -p "$work/pubkeys"
ssh-keygen -q -t ed25519 -N '' -f "$work/key"; cp "$work/key.pub" "$work/pubkeys/"
echo '{}' > "$work/none.yml"

declare -A ssh_port http_port jvm
start() { # name extra-java-opts
  local sp hp; sp=$(free_port); hp=$(free_port); ssh_port[$1]=$sp; http_port[$1]=$hp
  TUNS_CDS=off JAVA_OPTS="$java_opts $2" "$root/bin/tuns" serve --ssh-address=127.0.0.1:$sp \
    --http-address=127.0.0.1:$hp --authentication-keys-directory="$work/pubkeys" \
    --private-keys-directory="$work/hostkeys-$1" --config="$work/none.yml" > "$work/$1.log" 2>&1 & pids+=($!)
  jvm[$1]=$!
  for _ in $(seq 600); do grep -q "tuns: serving" "$work/$1.log" 2>/dev/null && break; sleep 0.2; done
  grep -q "tuns: serving" "$work/$1.log" || { echo "bench: tuns $1 did not start" >&2; tail "$work/$1.log" >&2; exit 1; }
  ssh -i "$work/key" -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR \
    -o ExitOnForwardFailure=yes -N -p "$sp" -R "bench:80:127.0.0.1:$be" 127.0.0.1 & pids+=($!)
  for _ in $(seq 300); do
    curl -sf -o /dev/null -H 'Host: bench.localhost' "http://127.0.0.1:$hp/small" && return; sleep 0.1
  done
  echo "bench: tunnel of $1 does not answer" >&2; exit 1
}
start nio ""
start "$b" "$b_opts"
# bin/tuns execs java, so the launcher's pid is the JVM's; check that the epoll one really runs native
[ "$b_opts" != -Dtuns.transport=epoll ] || grep -q netty_transport_native_epoll /proc/"${jvm[$b]}"/maps \
  || { echo "bench: the epoll JVM has not loaded Netty's native library" >&2; exit 1; }
! grep -q netty_transport_native_epoll /proc/"${jvm[nio]}"/maps \
  || { echo "bench: the NIO JVM has loaded Netty's native epoll" >&2; exit 1; }

declare -A raw
add() { raw[$1]+="$2"$'\n'; }
# warm-up, not counted
for t in nio "$b"; do wrk -t2 -c16 -d10s -H 'Host: bench.localhost' "http://127.0.0.1:${http_port[$t]}/small" >/dev/null; done
loads=""
for ((run = 1; run <= runs; run++)); do
  loads+="$(cut -d' ' -f1 /proc/loadavg) "
  for c in 1 16 64; do
    for t in nio "$b"; do
      t0=$(ticks "${jvm[$t]}"); x0=$(switches "${jvm[$t]}")
      out=$(wrk -t"$(( c < 2 ? 1 : 2 ))" -c"$c" -d"${secs}s" --latency -H 'Host: bench.localhost' \
        "http://127.0.0.1:${http_port[$t]}/small")
      r=$(echo "$out" | awk '/Requests\/sec/ {print $2}'); p99=$(echo "$out" | awk '/^ +99%/ {print $2}' | to_ms)
      n=$(awk -v r="$r" -v s="$secs" 'BEGIN {print r * s}')
      add "$t.rps$c" "$r"; add "$t.p99_$c" "$p99"
      add "$t.cpu$c" "$(awk -v v=$(( $(ticks "${jvm[$t]}") - t0 )) -v n="$n" 'BEGIN {printf "%.1f", (n > 0 ? v * 10000 / n : 0)}')"
      add "$t.sw$c" "$(awk -v v=$(( $(switches "${jvm[$t]}") - x0 )) -v n="$n" 'BEGIN {printf "%.2f", (n > 0 ? v / n : 0)}')"
      echo "run $run $t $c conn: $r req/s, p99 $p99 ms" \
        "cpu/req $(printf '%s' "${raw[$t.cpu$c]}" | tail -n 1) switches/req $(printf '%s' "${raw[$t.sw$c]}" | tail -n 1)" >&2
    done
  done
done
m() { printf '%s' "${raw[$1]}" | median; }
echo "bench/transport-ab.sh $runs $secs on $(nproc) cores, JAVA_OPTS=$java_opts; load average at the start of each run: $loads"
echo
echo "| 1 KiB GETs (median of $runs) | NIO (defaults) | $b | $b / NIO |"
echo "|---|---|---|---|"
for c in 1 16 64; do
  echo "| $c conn, req/s | $(m nio.rps$c) | $(m $b.rps$c) | $(ratio "$(m $b.rps$c)" "$(m nio.rps$c)") |"
  echo "| $c conn, p99 ms | $(m nio.p99_$c) | $(m $b.p99_$c) | $(ratio "$(m $b.p99_$c)" "$(m nio.p99_$c)") |"
  echo "| $c conn, JVM CPU µs per request | $(m nio.cpu$c) | $(m $b.cpu$c) | $(ratio "$(m $b.cpu$c)" "$(m nio.cpu$c)") |"
  echo "| $c conn, JVM context switches per request | $(m nio.sw$c) | $(m $b.sw$c) | $(ratio "$(m $b.sw$c)" "$(m nio.sw$c)") |"
done
