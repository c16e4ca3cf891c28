#!/usr/bin/env bash
# Hostile memory run (inspection issue): peak heap and RSS of tuns under hostile traffic with the service console on
# and a console viewer that never reads, beside the memory bound computed from the configuration.
#
# Everything on loopback. Backend: Debian's nginx (fixed-length 50 MiB downloads, a gzip bomb served with
# Content-Encoding: gzip) and bench/hostile/hostile.py (chunked downloads, uploads answered with their SHA-256, an
# endless SSE stream). tuns runs from server/target/tuns-server.jar via bin/tuns with a small heap, one real
# `ssh -N -R dl:80:… -R app:80:…` connection carries both tunnels. Per run:
#   1. idle: tunnels up, no traffic; `jcmd PID GC.run`, then heap used (live set) and VmRSS = the baseline;
#   2. load: one stalled console viewer per tunnel (/_sish/api/events with the console token, never reads),
#      one endless SSE reader, N concurrent 50 MiB transfers (half downloads, half uploads; half of each chunked),
#      BOMBS gzip bombs (~1 MiB inflating to 1 GiB), CHATTER small requests with long paths (live events for the
#      stalled viewers), a console render of a captured bomb every 2 s;
#   3. every 0.5 s: VmRSS/VmHWM from /proc/PID/status, jvm_memory_used_bytes{area="heap"}, sish_inspect_bytes_in_use
#      and sish_forwarded_channels_open from /_sish/metrics.
#
# Bound computed from the configuration (the memory model in DESIGN.md / README "Memory: every bound has a flag"):
#   bound = baseline + B + C × (W + H)
#     B = --inspect-max-total-bytes (captured bytes in total; per-body cap -1 = only B bounds capture)
#     W = --ssh-window-size (bytes in flight SSH → client per forwarded channel, default 1 MiB)
#     H = --ssh-write-high-water (bytes queued client → SSH per channel before reading pauses, default 256 KiB)
#     C = forwarded channels: "observed" = peak of sish_forwarded_channels_open during the run;
#         "configured" = min(--max-forwarded-channels, --max-channels-per-connection × 1 ssh connection)
#     baseline = heap used after a full GC on the idle server (heap bound) or its VmRSS (RSS bound)
#   Heap used is sampled without forcing GC, so it includes garbage not collected yet; the bound is on live data.
#   RSS follows the committed heap, which G1 grows towards -Xmx whatever the live data, so the script also prints
#   the JVM's own RSS ceiling: jvm_memory_max_bytes{area="heap"} + idle VmRSS − idle committed heap. That ceiling
#   misses what the JVM keeps beside a full heap (G1's remembered sets and card tables grow with the committed heap,
#   about 18 % of it; JIT arenas; metaspace growth), so the run also samples Native Memory Tracking every 3 s and
#   prints the ceiling max heap + NMT's non-heap total at its largest + (idle VmRSS − idle NMT total: the JVM binary,
#   shared libraries and malloc, which NMT does not see).
#
# Issue #18 (the governor): every transfer byte-exact or refused with a clear status (503 + Retry-After, counted
# apart); the table adds the budget, its peak use and the RSS goal -Xmx × 1.1 + 64 MiB. Its run:
#   for h in 128m 256m 1g; do HEAP=$h N=1000 SIZE_MIB=4 CHATTER=500 MAX_CHANNELS_PER_CONNECTION=4096 \
#     bench/hostile-memory.sh; done
#
# Usage: bench/hostile-memory.sh [runs=1]
# Environment (defaults): HEAP=256m (JAVA_OPTS overrides the whole JVM line), N=100, SIZE_MIB=50, BOMBS=8,
#   CHATTER=2000, KEEP_LOG (copy tuns' log there), KEEP_RESULTS (copy each transfer's result there), SSH_LOG (ssh -E
#   there at LogLevel=DEBUG1), BUDGET=64MiB, PER_BODY=-1, WINDOW=1MiB, HIGH_WATER=256KiB, MAX_CHANNELS_PER_CONNECTION=256,
#   MAX_FORWARDED_CHANNELS=4096, MAX_TIME=3600 (seconds per transfer), STALL_TIME=60, PORT_BASE=18280 (nginx; the
#   Python backend and tuns' HTTP take the next two), SSH_PORT=12422.
# Broken means stalled or corrupt, not slow: a transfer that moves no byte for STALL_TIME seconds (curl
#   --speed-limit 1 --speed-time STALL_TIME) is cut and counted broken, as is one cut by the backend (nginx's
#   send_timeout) or not byte-exact; a transfer still moving is waited for up to MAX_TIME. The old rule (a transfer
#   still moving at 200 s counts as broken) is `MAX_TIME=200 STALL_TIME=0` (0: no stall limit).
# Prints one Markdown table (a column per run, then the median). Exits non-zero if tuns died, the peak captured
# bytes exceeded the budget, or a transfer was not byte-exact. Default settings finish in under 5 minutes.
set -euo pipefail
runs="${1:-1}"
N="${N:-100}"; SIZE_MIB="${SIZE_MIB:-50}"; BOMBS="${BOMBS:-8}"; CHATTER="${CHATTER:-2000}"
BUDGET="${BUDGET:-64MiB}"; PER_BODY="${PER_BODY:--1}"; WINDOW="${WINDOW:-1MiB}"; HIGH_WATER="${HIGH_WATER:-256KiB}"
MAX_CHANNELS_PER_CONNECTION="${MAX_CHANNELS_PER_CONNECTION:-256}"; MAX_FORWARDED_CHANNELS="${MAX_FORWARDED_CHANNELS:-4096}"
MAX_TIME="${MAX_TIME:-3600}"; STALL_TIME="${STALL_TIME:-60}"
stall=(); (( STALL_TIME > 0 )) && stall=(--speed-limit 1 --speed-time "$STALL_TIME")
HEAP="${HEAP:-256m}"
java_opts="${JAVA_OPTS:--Xmx$HEAP -XX:+ExitOnOutOfMemoryError -XX:NativeMemoryTracking=summary}"
root="$(cd "$(dirname "$0")/.." && pwd)"
helper="$root/bench/hostile/hostile.py"
work="$(mktemp -d /tmp/tuns-hostile.XXXXXX)"
chmod 755 "$work" # nginx workers run unprivileged and must read the files
nginx_port="${PORT_BASE:-18280}"; py_port=$((nginx_port + 1)); http_port=$((nginx_port + 2)); ssh_port="${SSH_PORT:-12422}"
token="hostile-bench-console-token-0123456789"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  nginx -p "$work/nginx" -c nginx.conf -s stop 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

for tool in nginx curl ssh ssh-keygen python3 sha256sum gzip java; do
  command -v "$tool" >/dev/null || { echo "bench: $tool missing (run .ci/deps)" >&2; exit 2; }
done
[ -f "$root/server/target/tuns-server.jar" ] || (cd "$root" && mvn -q -B -DskipTests -pl server package)

to_bytes() { # 64MiB, 256KiB, 1GiB, 1048576 -> bytes
  awk -v s="$1" 'BEGIN { n = s + 0; u = s; sub(/^[-0-9.]+/, "", u); u = tolower(u)
    m = (u ~ /^k/) ? 1024 : (u ~ /^m/) ? 1048576 : (u ~ /^g/) ? 1073741824 : 1; printf "%d\n", n * m }'
}
budget_b=$(to_bytes "$BUDGET"); window_b=$(to_bytes "$WINDOW"); hw_b=$(to_bytes "$HIGH_WATER")
cfg_channels=$(( MAX_CHANNELS_PER_CONNECTION < MAX_FORWARDED_CHANNELS ? MAX_CHANNELS_PER_CONNECTION : MAX_FORWARDED_CHANNELS ))

# --- backend -------------------------------------------------------------------------------------------------------
echo "bench: preparing files and backend in $work" >&2
mkdir -p "$work/nginx/logs" "$work/www"
head -c $((SIZE_MIB * 1048576)) /dev/urandom > "$work/www/big"
head -c 1073741824 /dev/zero | gzip -9 > "$work/www/bomb"   # ~1 MiB inflating to 1 GiB
echo small > "$work/www/small"
chmod -R a+rX "$work/www"
big_sha=$(sha256sum < "$work/www/big" | cut -d' ' -f1)
bomb_sha=$(sha256sum < "$work/www/bomb" | cut -d' ' -f1)
cat > "$work/nginx/nginx.conf" <<CONF
worker_processes 1;
pid $work/nginx/nginx.pid;
error_log $work/nginx/logs/error.log info;
events { worker_connections 4096; }
http {
  access_log off;
  sendfile on;
  keepalive_requests 1000000;
  client_body_temp_path $work/nginx/body; proxy_temp_path $work/nginx/proxy;
  fastcgi_temp_path $work/nginx/fcgi; uwsgi_temp_path $work/nginx/uwsgi; scgi_temp_path $work/nginx/scgi;
  server {
    listen 127.0.0.1:$nginx_port backlog=1024;
    root $work/www;
    location = /bomb { default_type text/plain; add_header Content-Encoding gzip; }
  }
}
CONF
nginx -p "$work/nginx" -c nginx.conf
python3 "$helper" backend $py_port "$work/www/big" & pids+=($!)

mkdir -p "$work/pubkeys"
ssh-keygen -q -t ed25519 -N '' -f "$work/key"
cp "$work/key.pub" "$work/pubkeys/"
echo '{}' > "$work/none.yml"
for _ in $(seq 50); do curl -sf -o /dev/null "http://127.0.0.1:$py_port/health" && break; sleep 0.1; done

# --- helpers -------------------------------------------------------------------------------------------------------
metric() { # file series -> integer value (-1 if absent)
  awk -v s="$2" 'index($0, s " ") == 1 { v = $2 } END { printf "%d\n", (v == "" ? -1 : v) }' "$1"
}
alive() { kill -0 "$1" 2>/dev/null; }
median() { sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
mib() { awk -v b="$1" 'BEGIN { printf "%.0f", b / 1048576 }'; }
mib1() { awk -v b="$1" 'BEGIN { printf "%.1f", b / 1048576 }'; }

sampler() { # pid outfile: "rss_kb hwm_kb heap captured channels committed direct nonheap budget_in_use" every 0.5 s while $work/run/sampling exists
  local m="$work/run/metrics.txt"
  while [ -f "$work/run/sampling" ]; do
    if curl -s -m 2 -H 'Host: localhost' -o "$m" "http://127.0.0.1:$http_port/_sish/metrics"; then
      read -r rss hwm < <(awk '/^VmRSS/ {r=$2} /^VmHWM/ {h=$2} END {print r+0, h+0}' /proc/"$1"/status 2>/dev/null || echo "0 0")
      echo "$rss $hwm $(metric "$m" 'jvm_memory_used_bytes{area="heap"}') $(metric "$m" sish_inspect_bytes_in_use)" \
        "$(metric "$m" sish_forwarded_channels_open)" "$(metric "$m" 'jvm_memory_committed_bytes{area="heap"}')" \
        "$(metric "$m" 'jvm_buffer_pool_used_bytes{pool="direct"}')" "$(metric "$m" 'jvm_memory_used_bytes{area="nonheap"}')" \
        "$(awk 'index($0, "sish_memory_budget_in_use_bytes{") == 1 { s += $2 } END { printf "%d\n", s }' "$m")" >> "$2"
    fi
    sleep 0.5
  done
}

nmt_sampler() { # pid outfile: the JVM's own account of its memory (NMT) every 3 s; keeps the largest total
  local best=0 t
  while [ -f "$work/run/sampling" ]; do
    if jcmd "$1" VM.native_memory summary scale=KB > "$2.tmp" 2>/dev/null; then
      t=$(awk -F'committed=' '/^Total:/ { print $2 + 0 }' "$2.tmp")
      if [ "${t:-0}" -gt "$best" ]; then best=$t; mv "$2.tmp" "$2"; fi
    fi
    sleep 3
  done
  rm -f "$2.tmp"
}
nmt_part() { # nmt-file category -> committed bytes of that category
  awk -v c="$2" 'index($0, "- ") && index($0, c " (reserved=") { sub(/.*committed=/, ""); print ($0 + 0) * 1024; f = 1 }
    END { if (!f) print 0 }' "$1" 2>/dev/null | head -1
}

render_bomb() { # ask the console to decode a captured bomb (bounded by --inspect-max-rendered-bytes)
  local id
  id=$(curl -s -m 5 -H "x-authorization: $token" "http://dl.localhost:$http_port/_sish/api/exchanges?status=200&path=/bomb" \
    --resolve "dl.localhost:$http_port:127.0.0.1" | grep -o '"id":[0-9]*' | head -1 | cut -d: -f2 || true)
  [ -n "$id" ] && curl -s -m 20 -o /dev/null -H "x-authorization: $token" --resolve "dl.localhost:$http_port:127.0.0.1" \
    "http://dl.localhost:$http_port/_sish/api/exchanges/$id/body/response" || true
}

# --- one run -------------------------------------------------------------------------------------------------------
one_run() { # -> prints "key value" lines (run in the main shell so that cleanup knows every pid)
  local r="$work/run"; rm -rf "$r"; mkdir -p "$r/res"
  # shellcheck disable=SC2086
  JAVA_OPTS="$java_opts" "$root/bin/tuns" serve --ssh-address=127.0.0.1:$ssh_port \
    --http-address=127.0.0.1:$http_port --domain=localhost --authentication-keys-directory="$work/pubkeys" \
    --private-keys-directory="$work/hostkeys" --config="$work/none.yml" \
    --service-console --service-console-token="$token" --service-console-max-content-length="$PER_BODY" \
    --inspect-max-total-bytes="$BUDGET" --inspect-max-bytes-per-tunnel="$BUDGET" \
    --ssh-window-size="$WINDOW" --ssh-write-high-water="$HIGH_WATER" \
    --max-channels-per-connection="$MAX_CHANNELS_PER_CONNECTION" --max-forwarded-channels="$MAX_FORWARDED_CHANNELS" \
    >"$r/tuns.log" 2>&1 &
  local tuns=$!; pids+=("$tuns")
  for _ in $(seq 150); do grep -q "tuns: serving" "$r/tuns.log" 2>/dev/null && break; alive $tuns || break; sleep 0.2; done
  grep -q "tuns: serving" "$r/tuns.log" || { echo "bench: tuns did not start:" >&2; cat "$r/tuns.log" >&2; return 1; }
  local ssh_log=(); [ -n "${SSH_LOG:-}" ] && ssh_log=(-E "$SSH_LOG" -o LogLevel=DEBUG1)
  local jpid; jpid=$(pgrep -P $tuns java || echo $tuns)  # bin/tuns execs java: normally the same pid
  ssh "${ssh_log[@]}" -p $ssh_port -i "$work/key" -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR \
    -o ServerAliveInterval=0 -N -R dl:80:127.0.0.1:$nginx_port -R app:80:127.0.0.1:$py_port 127.0.0.1 & local sshp=$!
  pids+=("$sshp")
  local c=(curl -s --resolve "dl.localhost:$http_port:127.0.0.1" --resolve "app.localhost:$http_port:127.0.0.1")
  for _ in $(seq 100); do
    [ "$("${c[@]}" -o /dev/null -w '%{http_code}' "http://dl.localhost:$http_port/small")" = 200 ] &&
      [ "$("${c[@]}" -o /dev/null -w '%{http_code}' "http://app.localhost:$http_port/health")" = 200 ] && break
    sleep 0.2
  done

  # 1. idle baseline
  sleep 2
  jcmd "$jpid" GC.run >/dev/null 2>&1 || echo "bench: jcmd GC.run failed; baseline includes garbage" >&2
  sleep 1
  "${c[@]}" -H 'Host: localhost' -o "$r/idle.txt" "http://127.0.0.1:$http_port/_sish/metrics"
  echo "idle_heap $(metric "$r/idle.txt" 'jvm_memory_used_bytes{area="heap"}')"
  echo "idle_rss $(( $(awk '/^VmRSS/ {print $2}' /proc/"$jpid"/status) * 1024 ))"
  echo "idle_committed $(metric "$r/idle.txt" 'jvm_memory_committed_bytes{area="heap"}')"
  echo "heap_max $(metric "$r/idle.txt" 'jvm_memory_max_bytes{area="heap"}')"
  echo "idle_nmt $(jcmd "$jpid" VM.native_memory summary scale=KB 2>/dev/null | awk -F'committed=' '/^Total:/ { print ($2 + 0) * 1024 }')"
  echo "idle_direct $(metric "$r/idle.txt" 'jvm_buffer_pool_used_bytes{pool="direct"}')"
  echo "idle_nonheap $(metric "$r/idle.txt" 'jvm_memory_used_bytes{area="nonheap"}')"

  # 2. load
  python3 "$helper" viewer $http_port dl.localhost "$token" & local v1=$!
  python3 "$helper" viewer $http_port app.localhost "$token" & local v2=$!
  pids+=("$v1" "$v2")
  sleep 0.5
  python3 "$helper" sse $http_port app.localhost "$r/sse.txt" & local ssep=$!; pids+=("$ssep")
  touch "$r/sampling"; sampler "$jpid" "$r/samples.txt" & local samp=$!; pids+=("$samp")
  nmt_sampler "$jpid" "$r/nmt.txt" & local nmtp=$!; pids+=("$nmtp")
  sleep 1
  local t0=$SECONDS tp=() i
  for ((i = 0; i < N; i++)); do
    if (( i % 2 == 0 )); then
      if (( i % 4 < 2 )); then url="http://app.localhost:$http_port/chunked"; else url="http://dl.localhost:$http_port/big"; fi
      ( "${c[@]}" -S -m "$MAX_TIME" "${stall[@]}" -D "$r/res/dl.$i.head" -w '%{stderr}got %{size_download} exit %{exitcode}\n' "$url" 2>"$r/res/dl.$i.err" | sha256sum | cut -d' ' -f1 > "$r/res/dl.$i" ) & tp+=($!)
    else
      local te=(); (( i % 4 < 2 )) && te=(-H 'Transfer-Encoding: chunked')
      ( "${c[@]}" -m "$MAX_TIME" "${stall[@]}" -X POST -T "$work/www/big" -H 'Content-Type: application/octet-stream' -H 'Expect:' \
          "${te[@]}" -w '%{http_code}\n' "http://app.localhost:$http_port/sha256" > "$r/res/up.$i" ) & tp+=($!)
    fi
  done
  for ((i = 0; i < BOMBS; i++)); do
    ( "${c[@]}" -m "$MAX_TIME" "${stall[@]}" -D "$r/res/bomb.$i.head" "http://dl.localhost:$http_port/bomb" | sha256sum | cut -d' ' -f1 > "$r/res/bomb.$i" ) & tp+=($!)
  done
  ( "${c[@]}" -m "$MAX_TIME" -o /dev/null "http://dl.localhost:$http_port/$(printf 'p%.0s' $(seq 1500))/[1-$CHATTER]" >/dev/null ) & tp+=($!)
  # wait for the transfers, asking for a bomb render every 2 s
  while :; do
    local running=0; for p in "${tp[@]}"; do alive "$p" && running=$((running + 1)); done
    (( running == 0 )) && break
    alive "$jpid" || break
    render_bomb; sleep 2
  done
  local load_s=$((SECONDS - t0))
  for p in "${tp[@]}"; do wait "$p" 2>/dev/null || true; done
  rm -f "$r/sampling"; wait "$samp" "$nmtp" 2>/dev/null || true
  "${c[@]}" -H 'Host: localhost' -o "$r/end.txt" "http://127.0.0.1:$http_port/_sish/metrics" || true
  local up=no; alive "$jpid" && up=yes
  local hwm_kb; hwm_kb=$(awk '/^VmHWM/ {print $2}' /proc/"$jpid"/status 2>/dev/null || echo 0)
  kill "$ssep" 2>/dev/null || true; wait "$ssep" 2>/dev/null || true

  # 3. verify: byte-exact, or refused with a clear status (503 + Retry-After; an upload's body names the memory
  # budget or the limit), else broken
  local ok=0 bad=0 refused=0 f
  refused_head() { head -1 "$1" 2>/dev/null | grep -q ' 503' && grep -qi '^retry-after:' "$1"; }
  timed_out() { head -1 "$1" 2>/dev/null | grep -q ' 504'; } # tuns' "Tunnel timed out": the ssh client did not open
  local timeouts=0
  for ((i = 0; i < N; i++)); do
    if (( i % 2 == 0 )); then f="$r/res/dl.$i"
      if [ "$(cat "$f" 2>/dev/null)" = "$big_sha" ] && head -1 "$f.head" | grep -q ' 200'; then ok=$((ok + 1))
      elif refused_head "$f.head"; then refused=$((refused + 1))
      elif timed_out "$f.head"; then timeouts=$((timeouts + 1)); else bad=$((bad + 1)); fi
    else f="$r/res/up.$i"
      if [ "$(head -1 "$f" 2>/dev/null)" = "$big_sha $((SIZE_MIB * 1048576))" ] && [[ "$(tail -1 "$f")" == 2?? ]]; then ok=$((ok + 1))
      elif [ "$(tail -1 "$f" 2>/dev/null)" = 503 ] && grep -q -e 'memory' -e 'most allowed' "$f"; then refused=$((refused + 1))
      elif [ "$(tail -1 "$f" 2>/dev/null)" = 504 ] && grep -q 'did not open' "$f"; then timeouts=$((timeouts + 1))
      else bad=$((bad + 1)); fi
    fi
  done
  for ((i = 0; i < BOMBS; i++)); do f="$r/res/bomb.$i"
    if [ "$(cat "$f" 2>/dev/null)" = "$bomb_sha" ]; then ok=$((ok + 1))
    elif refused_head "$f.head"; then refused=$((refused + 1))
    elif timed_out "$f.head"; then timeouts=$((timeouts + 1)); else bad=$((bad + 1)); fi
  done
  echo "refused $refused"; echo "timeouts $timeouts"
  echo "budget_bytes $(metric "$r/end.txt" sish_memory_budget_bytes)"
  echo "budget_refusals $(metric "$r/end.txt" 'sish_memory_budget_refusals_total{kind="ssh_window"}')"
  echo "peak_budget_in_use $(awk '{ if ($9 > m) m = $9 } END { print m + 0 }' "$r/samples.txt")"
  local oom=no; grep -q OutOfMemoryError "$r/tuns.log" && oom=yes
  echo "peak_rss $(awk -v h="$hwm_kb" '{ if ($1 > m) m = $1 } END { if (h > m) m = h; print m * 1024 }' "$r/samples.txt")"
  echo "peak_heap $(awk '{ if ($3 > m) m = $3 } END { print m + 0 }' "$r/samples.txt")"
  echo "peak_captured $(awk '{ if ($4 > m) m = $4 } END { print m + 0 }' "$r/samples.txt")"
  echo "peak_channels $(awk '{ if ($5 > m) m = $5 } END { print m + 0 }' "$r/samples.txt")"
  echo "peak_committed $(awk '{ if ($6 > m) m = $6 } END { print m + 0 }' "$r/samples.txt")"
  echo "peak_direct $(awk '{ if ($7 > m) m = $7 } END { print m + 0 }' "$r/samples.txt")"
  echo "peak_nonheap $(awk '{ if ($8 > m) m = $8 } END { print m + 0 }' "$r/samples.txt")"
  echo "samples $(wc -l < "$r/samples.txt")"
  if [ -s "$r/nmt.txt" ]; then
    echo "nmt_total $(awk -F'committed=' '/^Total:/ { print ($2 + 0) * 1024 }' "$r/nmt.txt")"
    local cat; for cat in "Java Heap" GC Metaspace Code Class Thread Symbol "Shared class space" "Arena Chunk" Other; do
      echo "nmt_${cat// /_} $(nmt_part "$r/nmt.txt" "$cat")"
    done
  fi
  echo "exact $ok/$((ok + bad + refused + timeouts))"; echo "bad $bad"
  # of the broken: downloads curl cut for no progress in STALL_TIME s (or at MAX_TIME; exit 28), nginx send_timeout cuts
  echo "stalled_dl $(grep -l 'exit 28' "$r"/res/dl.*.err 2>/dev/null | wc -l)"
  echo "send_timeouts $(grep -c 'while sending response' "$work/nginx/logs/error.log" 2>/dev/null || true)"
  cp "$r/tuns.log" "${KEEP_LOG:-/dev/null}" 2>/dev/null || true
  [ -n "${KEEP_RESULTS:-}" ] && { mkdir -p "$KEEP_RESULTS"; cp -r "$r/res" "$r/samples.txt" "$r/end.txt" "$work/nginx/logs/error.log" "$KEEP_RESULTS/" 2>/dev/null || true; }
  echo "up $up"; echo "oom $oom"; echo "load_s $load_s"
  echo "sse $(cat "$r/sse.txt" 2>/dev/null || echo '0 -1')"
  echo "dropped $(metric "$r/end.txt" sish_console_events_dropped_total)"
  echo "truncated $(metric "$r/end.txt" sish_inspect_truncated_total)"
  echo "viewers $(metric "$r/end.txt" sish_console_viewers)"
  if [ $up = no ] || [ $bad -gt 0 ]; then echo "bench: tuns log tail:" >&2; tail -20 "$r/tuns.log" >&2; fi
  kill "$v1" "$v2" "$sshp" 2>/dev/null || true
  kill "$tuns" 2>/dev/null || true; wait "$tuns" 2>/dev/null || true
  wait "$v1" "$v2" "$sshp" 2>/dev/null || true
}

declare -A res
fail=0
for ((run = 1; run <= runs; run++)); do
  echo "bench: run $run of $runs" >&2
  one_run > "$work/run$run.out" || true
  while read -r k v; do res[$run.$k]="$v"; done < "$work/run$run.out"
  res[$run.budget]=$budget_b
  echo "bench: run $run: ${res[$run.exact]:-?} exact, up=${res[$run.up]:-no}, load ${res[$run.load_s]:-?} s," \
    "peak heap $(mib "${res[$run.peak_heap]:-0}") MiB, peak RSS $(mib "${res[$run.peak_rss]:-0}") MiB," \
    "peak captured $(mib "${res[$run.peak_captured]:-0}") MiB, peak channels ${res[$run.peak_channels]:-?}" >&2
  [ "${res[$run.up]:-no}" = yes ] || { echo "bench: FAIL run $run: tuns died" >&2; fail=1; }
  [ "${res[$run.oom]:-no}" = no ] || { echo "bench: FAIL run $run: OutOfMemoryError in the log" >&2; fail=1; }
  (( ${res[$run.peak_captured]:-0} <= budget_b )) || { echo "bench: FAIL run $run: captured bytes above the budget" >&2; fail=1; }
  [ "${res[$run.bad]:-1}" = 0 ] || { echo "bench: FAIL run $run: ${res[$run.bad]:-?} transfers not byte-exact" >&2; fail=1; }
done

# derived figures per run
for ((run = 1; run <= runs; run++)); do
  ch=${res[$run.peak_channels]:-0}
  res[$run.bound_heap_obs]=$(( ${res[$run.idle_heap]:-0} + budget_b + ch * (window_b + hw_b) ))
  res[$run.bound_rss_obs]=$(( ${res[$run.idle_rss]:-0} + budget_b + ch * (window_b + hw_b) ))
  res[$run.bound_heap_cfg]=$(( ${res[$run.idle_heap]:-0} + budget_b + cfg_channels * (window_b + hw_b) ))
  res[$run.ceiling]=$(( ${res[$run.heap_max]:-0} + ${res[$run.idle_rss]:-0} - ${res[$run.idle_committed]:-0} ))
  # the JVM's full ceiling: max heap + what the JVM itself keeps beside the heap at its largest (NMT: GC structures,
  # metaspace, code, JIT arenas, threads, Netty's direct memory) + what NMT does not see (binary, libraries, malloc)
  if [ -n "${res[$run.nmt_total]:-}" ] && [ -n "${res[$run.idle_nmt]:-}" ]; then
    res[$run.nonheap_peak]=$(( ${res[$run.nmt_total]} - ${res[$run.nmt_Java_Heap]:-0} ))
    res[$run.outside_nmt]=$(( ${res[$run.idle_rss]:-0} - ${res[$run.idle_nmt]} ))
    res[$run.ceiling_nmt]=$(( ${res[$run.heap_max]:-0} + ${res[$run.nonheap_peak]} + ${res[$run.outside_nmt]} ))
  fi
  res[$run.bound_rss_cfg]=$(( ${res[$run.idle_rss]:-0} + budget_b + cfg_channels * (window_b + hw_b) ))
done
col() { # key formatter -> "| v1 | v2 | ... | median |"
  local k=$1 fmt=$2 line="" vals=() run
  for ((run = 1; run <= runs; run++)); do vals+=("${res[$run.$k]:-0}"); line+=" $($fmt "${res[$run.$k]:-0}") |"; done
  echo "$line $($fmt "$(printf '%s\n' "${vals[@]}" | median)") |"
}
raw() { echo "$1"; }
hdr="| figure |"; sep="|---|"
for ((run = 1; run <= runs; run++)); do hdr+=" run $run |"; sep+="---|"; done
echo
echo "tuns: JAVA_OPTS='$java_opts', --inspect-max-total-bytes=$BUDGET (= per tunnel)," \
  "--service-console-max-content-length=$PER_BODY, --ssh-window-size=$WINDOW, --ssh-write-high-water=$HIGH_WATER;" \
  "load: $N × $SIZE_MIB MiB transfers, $BOMBS gzip bombs, $CHATTER small requests, 1 SSE reader, 2 stalled viewers"
echo
echo "$hdr median |"; echo "$sep---|"
echo "| peak heap used, MiB |$(col peak_heap mib)"
echo "| peak RSS, MiB |$(col peak_rss mib)"
echo "| peak captured bytes, MiB |$(col peak_captured mib1)"
echo "| capture budget B, MiB |$(col budget mib)"
echo "| peak forwarded channels open (C observed) |$(col peak_channels raw)"
echo "| idle baseline: heap after GC / RSS, MiB |$(for ((run = 1; run <= runs; run++)); do printf ' %s / %s |' "$(mib "${res[$run.idle_heap]:-0}")" "$(mib "${res[$run.idle_rss]:-0}")"; done) $(mib "$(for ((run = 1; run <= runs; run++)); do echo "${res[$run.idle_heap]:-0}"; done | median)") / $(mib "$(for ((run = 1; run <= runs; run++)); do echo "${res[$run.idle_rss]:-0}"; done | median)") |"
echo "| heap bound, C observed, MiB |$(col bound_heap_obs mib)"
echo "| RSS bound, C observed, MiB |$(col bound_rss_obs mib)"
echo "| heap bound, C configured ($cfg_channels), MiB |$(col bound_heap_cfg mib)"
echo "| RSS bound, C configured ($cfg_channels), MiB |$(col bound_rss_cfg mib)"
echo "| peak committed heap / direct buffers / non-heap used, MiB |$(for ((run = 1; run <= runs; run++)); do printf ' %s / %s / %s |' "$(mib "${res[$run.peak_committed]:-0}")" "$(mib "${res[$run.peak_direct]:-0}")" "$(mib "${res[$run.peak_nonheap]:-0}")"; done) |"
echo "| idle committed heap / direct buffers / non-heap used, MiB |$(for ((run = 1; run <= runs; run++)); do printf ' %s / %s / %s |' "$(mib "${res[$run.idle_committed]:-0}")" "$(mib "${res[$run.idle_direct]:-0}")" "$(mib "${res[$run.idle_nonheap]:-0}")"; done) |"
echo "| JVM's own account at its largest (NMT committed), MiB: total = heap + GC + metaspace/class + code + JIT arenas + symbols + threads + other (Netty's direct memory) |$(for ((run = 1; run <= runs; run++)); do printf ' %s = %s + %s + %s + %s + %s + %s + %s + %s |' "$(mib "${res[$run.nmt_total]:-0}")" "$(mib "${res[$run.nmt_Java_Heap]:-0}")" "$(mib "${res[$run.nmt_GC]:-0}")" "$(mib $(( ${res[$run.nmt_Metaspace]:-0} + ${res[$run.nmt_Class]:-0} + ${res[$run.nmt_Shared_class_space]:-0} )))" "$(mib "${res[$run.nmt_Code]:-0}")" "$(mib "${res[$run.nmt_Arena_Chunk]:-0}")" "$(mib "${res[$run.nmt_Symbol]:-0}")" "$(mib "${res[$run.nmt_Thread]:-0}")" "$(mib "${res[$run.nmt_Other]:-0}")"; done) |"
echo "| JVM RSS ceiling: max heap + idle RSS − idle committed heap, MiB |$(col ceiling mib)"
echo "| JVM beside the heap at its largest (NMT) / outside NMT at idle (binary, libraries, malloc), MiB |$(for ((run = 1; run <= runs; run++)); do printf ' %s / %s |' "$(mib "${res[$run.nonheap_peak]:-0}")" "$(mib "${res[$run.outside_nmt]:-0}")"; done) |"
echo "| JVM RSS ceiling with the JVM's own overhead: max heap + beside the heap + outside NMT, MiB |$(col ceiling_nmt mib)"
echo "| memory budget (governor) / its peak in use, MiB |$(for ((run = 1; run <= runs; run++)); do printf ' %s / %s |' "$(mib "${res[$run.budget_bytes]:-0}")" "$(mib "${res[$run.peak_budget_in_use]:-0}")"; done) |"
echo "| RSS goal: -Xmx × 1.1 + 64 MiB / peak RSS within it |$(for ((run = 1; run <= runs; run++)); do g=$(( $(to_bytes "$HEAP") * 11 / 10 + 67108864 )); printf ' %s / %s |' "$(mib $g)" "$( (( ${res[$run.peak_rss]:-0} <= g )) && echo yes || echo no)"; done) |"
echo "| transfers refused with a clear status: 503 + Retry-After / 504 channel-open timeout / channels refused by the budget |$(for ((run = 1; run <= runs; run++)); do printf ' %s / %s / %s |' "${res[$run.refused]:-?}" "${res[$run.timeouts]:-?}" "${res[$run.budget_refusals]:-?}"; done) |"
echo "| of the broken: downloads cut by curl (no progress for STALL_TIME=$STALL_TIME s, or MAX_TIME=$MAX_TIME s) / nginx send_timeout cuts |$(for ((run = 1; run <= runs; run++)); do printf ' %s / %s |' "${res[$run.stalled_dl]:-?}" "${res[$run.send_timeouts]:-?}"; done) |"
echo "| broken (stalled, cut or not byte-exact) |$(for ((run = 1; run <= runs; run++)); do printf ' %s |' "${res[$run.bad]:-?}"; done) |"
echo "| transfers byte-exact |$(for ((run = 1; run <= runs; run++)); do printf ' %s |' "${res[$run.exact]:-?}"; done) |"
echo "| tuns stayed up (no OOM) |$(for ((run = 1; run <= runs; run++)); do printf ' %s |' "${res[$run.up]:-no}"; done) |"
echo "| load duration, s |$(col load_s raw)"
echo "| SSE ticks / longest pause ms |$(for ((run = 1; run <= runs; run++)); do printf ' %s |' "$(echo "${res[$run.sse]:-0 -1}" | tr ' ' '/')"; done) |"
echo "| console viewers attached at the end / events dropped |$(for ((run = 1; run <= runs; run++)); do printf ' %s / %s |' "${res[$run.viewers]:-?}" "${res[$run.dropped]:-?}"; done) |"
exit $fail
