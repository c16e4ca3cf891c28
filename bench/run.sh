#!/usr/bin/env bash
# The benchmark suite (performance issue): tuns side by side with its peers on this machine, over loopback.
#   direct      curl/wrk → the backend itself (the physical limit, not a peer)
#   nginx proxy curl/wrk → nginx virtual host → the backend: one reverse-proxy hop and nothing else, no SSH (the
#               floor for anything that sits between client and service; shows what "× direct" a hop costs here)
#   sshd+nginx  curl/wrk → nginx virtual host → OpenSSH sshd's `ssh -R` port → ssh client → backend
#               (what a self-hoster would run instead of tuns; own sshd on its own port, own config and host key)
#   tuns        curl/wrk → tuns HTTP port → ssh client (`ssh -R name:80:…`) → backend, default settings
#   tuns+console the same with --service-console: every exchange captured into the console's history
# Backends: Debian's nginx (downloads, small GETs), bench/peers/upload_sink.py (uploads), bench/peers/ws_echo.py
# (WebSocket echo, Debian's python3-websockets). The ssh client is stock OpenSSH with its default ciphers.
#
# Usage: bench/run.sh [runs=5] [wrk-seconds=5]
#   Every figure is the median of `runs` runs; the peers are measured in the same loop, one after the other, so a
#   ratio compares runs made under the same load. Prints a Markdown table and writes it to bench/results/suite.md;
#   with WRITE=1 it also replaces the generated section of BENCHMARKS.md. Environment: JAVA_OPTS (default -Xmx512m),
#   SIZE_MIB (bulk size, 512), WS_N (WebSocket round trips per run, 2000). BASELINE_JAR=path/to/tuns-server.jar:
#   the second tuns column runs that jar on defaults instead of tuns+console (an A/B of two builds, e.g. before
#   and after a change, under the same load).
# Cold start (issue #18), first, while the peers are idle: bin/tuns as shipped (its CDS archive trained first) started
#   afresh, timed to the first byte proxied through a new `ssh -R` (the client started as soon as the SSH port
#   accepts, as a reconnecting one would), then wrk in the first COLD_SECS (10) s after that byte at 1 and at 16
#   connections (each on a start of its own), against the same start after COLD_LOAD (60) s of 16-connection load:
#   req/s, p99, the JVM's CPU per request and the JIT's share of it, cold / warm. COLD=0 skips these rows, COLD=only measures only them.
#   COLD_B_OPTS (JVM options added to JAVA_OPTS) and/or COLD_B_ENV (VAR=value words for bin/tuns, e.g.
#   JAVA=/path/to/java) add a second launcher configuration, named COLD_B_NAME, measured in turn with the first in
#   each run (an A/B); COLD_C_OPTS/COLD_C_ENV/COLD_C_NAME a third.
set -euo pipefail
runs="${1:-5}"; secs="${2:-5}"
root="$(cd "$(dirname "$0")/.." && pwd)"
SIZE_MIB="${SIZE_MIB:-512}"; WS_N="${WS_N:-2000}"; java_opts="${JAVA_OPTS:--Xmx512m}"
py=/usr/bin/python3 # Debian's python with python3-websockets, whatever pyenv says
COLD="${COLD:-1}"; cold_secs="${COLD_SECS:-10}"; cold_load="${COLD_LOAD:-60}"
. "$root/bench/lib/common.sh"
work="$(mktemp -d /tmp/tuns-suite.XXXXXX)"; chmod 755 "$work"
# ports: backend nginx, upload sink, ws echo; tuns (ssh, http) ×2; sshd and its -R ports; nginx front; tcp forwards
be=18180 sink=18182 wse=18183 t_ssh=12322 t_http=18181 c_ssh=12323 c_http=18184
sshd_port=12422 s_be=18190 s_sink=18192 s_ws=18193 front=18191 t_tcp=18300 t_https=18443
pids=()
cleanup() {
  for p in "${pids[@]}" ${cs_pid:-} ${cs_client:-}; do kill "$p" 2>/dev/null || true; done
  nginx -p "$work/nginx" -c backend.conf -s stop 2>/dev/null || true
  nginx -p "$work/nginx" -c front.conf -s stop 2>/dev/null || true
  [ -f "$work/sshd/sshd.pid" ] && kill "$(cat "$work/sshd/sshd.pid")" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

need=()
for t in nginx wrk curl h2load ssh ssh-keygen /usr/sbin/sshd; do command -v "$t" >/dev/null || need+=("$t"); done
"$py" -c 'import websockets' 2>/dev/null || need+=(python3-websockets)
if [ ${#need[@]} -gt 0 ]; then
  echo "bench: installing peers (${need[*]})" >&2
  apt-get install -y -q nginx-light wrk curl nghttp2-client openssh-client openssh-server python3-websockets >/dev/null
fi
[ -f "$root/server/target/tuns-server.jar" ] || (cd "$root" && mvn -q -B -DskipTests package)

# --- backends ----------------------------------------------------------------------------------------------------------
mkdir -p "$work/nginx/logs" "$work/www" "$work/pubkeys" "$work/sshd" /run/sshd
head -c $((SIZE_MIB * 1048576)) /dev/urandom > "$work/www/big"
head -c 1024 /dev/urandom > "$work/www/small"
chmod -R a+rX "$work/www"
temp_paths() { echo "client_body_temp_path $work/nginx/$1b; proxy_temp_path $work/nginx/$1p; fastcgi_temp_path $work/nginx/$1f; uwsgi_temp_path $work/nginx/$1u; scgi_temp_path $work/nginx/$1s;"; }
cat > "$work/nginx/backend.conf" <<CONF
worker_processes 1; pid $work/nginx/backend.pid; error_log $work/nginx/logs/backend.log;
events { worker_connections 4096; }
http { access_log off; sendfile on; keepalive_requests 1000000; $(temp_paths b)
  server { listen 127.0.0.1:$be; root $work/www; } }
CONF
nginx -p "$work/nginx" -c backend.conf

# --- cold start against warmed (issue #18) ---------------------------------------------------------------------------
declare -A raw
add() { raw[$1]+="$2"$'\n'; }
m() { printf '%s' "${raw[$1]}" | median; }
cold_names=(tuns) cold_opts=("") cold_envs=("")
[ -z "${COLD_B_OPTS:-}${COLD_B_ENV:-}" ] \
  || { cold_names+=("${COLD_B_NAME:-B}"); cold_opts+=("${COLD_B_OPTS:-}"); cold_envs+=("${COLD_B_ENV:-}"); }
[ -z "${COLD_C_OPTS:-}${COLD_C_ENV:-}" ] \
  || { cold_names+=("${COLD_C_NAME:-C}"); cold_opts+=("${COLD_C_OPTS:-}"); cold_envs+=("${COLD_C_ENV:-}"); }
cold_env() { # index → bin/tuns's environment for that configuration, one VAR=value a line
  echo "JAVA_OPTS=$java_opts${cold_opts[$1]:+ ${cold_opts[$1]}}"
  [ -z "${cold_envs[$1]}" ] || tr ' ' '\n' <<<"${cold_envs[$1]}"
}
cold_window() { # name cold|warm conns: wrk on the server of cold_start; req/s, p99, JVM CPU µs per request
  local t0 j0 r p99 t j; t0=$(ticks "$cs_pid"); j0=$(jit_ticks "$cs_pid")
  read -r r p99 < <(wrk_window a.localhost "$cs_http" "$3" "$cold_secs")
  t=$(( $(ticks "$cs_pid") - t0 )); j=$(( $(jit_ticks "$cs_pid") - j0 ))
  add "cold.$1.$2.rps$3" "$r"; add "cold.$1.$2.p99_$3" "$p99"
  add "cold.$1.$2.cpu$3" "$(awk -v v=$t -v n="$r" -v s="$cold_secs" 'BEGIN {printf "%.0f", (n > 0 ? v * 10000 / (n * s) : 0)}')"
  add "cold.$1.$2.jit$3" "$(awk -v j=$j -v t=$t 'BEGIN {printf "%.0f", (t > 0 ? 100 * j / t : 0)}')"
  echo "bench:   $1 $2, $3 conn: $r req/s, p99 $p99 ms, $(printf '%s' "${raw[cold.$1.$2.cpu$3]}" | tail -n 1) µs CPU/request," \
    "JIT $(printf '%s' "${raw[cold.$1.$2.jit$3]}" | tail -n 1) % of it" >&2
}
cold_run() { # index: two starts; the first gives 16 connections cold, then warmed, and 1 warmed; the second 1 cold
  local name=${cold_names[$1]} e; mapfile -t e < <(cold_env "$1")
  cold_start "${e[@]}"
  add "cold.$name.first" "$cs_first"; add "cold.$name.firstcpu" "$cs_first_cpu"
  echo "bench:   $name first proxied byte at $cs_first ms, $cs_first_cpu ms CPU" >&2
  cold_window "$name" cold 16
  wrk_window a.localhost "$cs_http" 16 $(( cold_load > cold_secs ? cold_load - cold_secs : 1 )) >/dev/null
  cold_window "$name" warm 16
  cold_window "$name" warm 1
  cold_stop
  cold_start "${e[@]}"
  add "cold.$name.first" "$cs_first"; add "cold.$name.firstcpu" "$cs_first_cpu"
  echo "bench:   $name first proxied byte at $cs_first ms, $cs_first_cpu ms CPU" >&2
  cold_window "$name" cold 1
  cold_stop
}
cold_table() {
  local n i head="| cold start (median of $runs runs) |" sep="|---|" line
  for n in "${cold_names[@]}"; do head+=" $n cold | $n warmed | cold / warmed |"; sep+="---|---|---|"; done
  for ((i = 1; i < ${#cold_names[@]}; i++)); do head+=" ${cold_names[$i]} / ${cold_names[0]}, cold |"; sep+="---|"; done
  echo "$head"; echo "$sep"
  line="| start → first proxied byte, ms (2 starts a run) |"
  for n in "${cold_names[@]}"; do line+=" $(m "cold.$n.first") | | |"; done
  for ((i = 1; i < ${#cold_names[@]}; i++)); do line+=" $(ratio "$(m "cold.${cold_names[$i]}.first")" "$(m "cold.${cold_names[0]}.first")") |"; done
  echo "$line"
  line="| JVM CPU at the first proxied byte, ms |"
  for n in "${cold_names[@]}"; do line+=" $(m "cold.$n.firstcpu") | | |"; done
  for ((i = 1; i < ${#cold_names[@]}; i++)); do line+=" $(ratio "$(m "cold.${cold_names[$i]}.firstcpu")" "$(m "cold.${cold_names[0]}.firstcpu")") |"; done
  echo "$line"
  local c k label
  for c in 1 16; do for k in rps p99_ cpu jit; do
    case $k in rps) label="req/s";; p99_) label="p99 ms";; cpu) label="JVM CPU µs per request";;
      jit) label="JIT compiler threads, % of the JVM's CPU";; esac
    line="| 1 KiB GETs, $c conn, first ${cold_secs} s, $label |"
    for n in "${cold_names[@]}"; do
      line+=" $(m "cold.$n.cold.$k$c") | $(m "cold.$n.warm.$k$c") | $(ratio "$(m "cold.$n.cold.$k$c")" "$(m "cold.$n.warm.$k$c")") |"
    done
    for ((i = 1; i < ${#cold_names[@]}; i++)); do
      line+=" $(ratio "$(m "cold.${cold_names[$i]}.cold.$k$c")" "$(m "cold.${cold_names[0]}.cold.$k$c")") |"
    done
    echo "$line"
  done; done
}
cold_loads=""
if [ "$COLD" != 0 ]; then
  cold_setup
  for i in "${!cold_names[@]}"; do mapfile -t e < <(cold_env "$i"); cds_train "${e[@]}"; done
  for ((run = 1; run <= runs; run++)); do
    cold_loads+="$(cut -d' ' -f1 /proc/loadavg) "
    for i in "${!cold_names[@]}"; do
      echo "bench: cold start, run $run of $runs, ${cold_names[$i]} (load $(cut -d' ' -f1 /proc/loadavg))" >&2
      cold_run "$i"
    done
  done
  cold_table > "$work/cold.md"
  if [ "$COLD" = only ]; then
    echo "Cold start, $(date -u +%Y-%m-%d) on $(nproc) cores, \`COLD=only bench/run.sh $runs\`, tuns JAVA_OPTS=\`$java_opts\`" \
      "${COLD_B_NAME:+and ${COLD_B_NAME}: COLD_B_OPTS=\`${COLD_B_OPTS:-}\` COLD_B_ENV=\`${COLD_B_ENV:-}\`}" \
      "${COLD_C_NAME:+and ${COLD_C_NAME}: COLD_C_OPTS=\`${COLD_C_OPTS:-}\` COLD_C_ENV=\`${COLD_C_ENV:-}\`}; load average at the start of each run: $cold_loads"
    echo; cat "$work/cold.md"
    exit 0
  fi
fi

"$py" "$root/bench/peers/upload_sink.py" $sink & pids+=($!)
"$py" "$root/bench/peers/ws_echo.py" server $wse & pids+=($!)

# --- peer: OpenSSH sshd + nginx virtual hosts ----------------------------------------------------------------------------
ssh-keygen -q -t ed25519 -N '' -f "$work/key"; cp "$work/key.pub" "$work/pubkeys/"
ssh-keygen -q -t ed25519 -N '' -f "$work/sshd/host_key"; cp "$work/key.pub" "$work/sshd/authorized_keys"
cat > "$work/sshd/sshd_config" <<CONF
Port $sshd_port
ListenAddress 127.0.0.1
HostKey $work/sshd/host_key
AuthorizedKeysFile $work/sshd/authorized_keys
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
AllowTcpForwarding yes
GatewayPorts no
PidFile $work/sshd/sshd.pid
CONF
/usr/sbin/sshd -f "$work/sshd/sshd_config" -E "$work/sshd/log"
vhost() { # name upstream-port
  echo "upstream $1 { server 127.0.0.1:$2; keepalive 64; }
  server { listen 127.0.0.1:$front; server_name $1.localhost; client_max_body_size 0;
    location / { proxy_pass http://$1; proxy_http_version 1.1; proxy_set_header Host \$host;
      proxy_set_header Upgrade \$http_upgrade; proxy_set_header Connection \$conn; proxy_read_timeout 1h;
      proxy_buffering off; proxy_request_buffering off; } }"
}
cat > "$work/nginx/front.conf" <<CONF
worker_processes 1; pid $work/nginx/front.pid; error_log $work/nginx/logs/front.log;
events { worker_connections 4096; }
http { access_log off; keepalive_requests 1000000; $(temp_paths f)
  map \$http_upgrade \$conn { default upgrade; '' ''; }
  $(vhost bench $s_be) $(vhost up $s_sink) $(vhost ws $s_ws)
  $(vhost px-bench $be) $(vhost px-up $sink) $(vhost px-ws $wse) }
CONF
nginx -p "$work/nginx" -c front.conf

# --- tuns, twice: plain and with the service console capturing --------------------------------------------------------
echo '{}' > "$work/none.yml"
start_tuns() { # ssh-port http-port log extra-flags...
  local sp=$1 hp=$2 log=$3; shift 3
  local launch=("$root/bin/tuns" serve)
  if [ -n "${TUNS_JAR:-}" ]; then launch=(java $java_opts -jar "$TUNS_JAR"); fi
  JAVA_OPTS="$java_opts" "${launch[@]}" --ssh-address=127.0.0.1:$sp --http-address=127.0.0.1:$hp \
    --authentication-keys-directory="$work/pubkeys" --private-keys-directory="$work/hostkeys" \
    --config="$work/none.yml" "$@" > "$log" 2>&1 & pids+=($!)
  for _ in $(seq 150); do grep -q "tuns: serving" "$log" 2>/dev/null && return; sleep 0.2; done
  echo "bench: tuns did not start; log:" >&2; tail "$log" >&2; exit 1
}
# the plain tuns also serves HTTPS (self-signed *.localhost: no certificate in the directory) for the h2 figures
start_tuns $t_ssh $t_http "$work/tuns.log" --https --https-address=127.0.0.1:$t_https \
  --https-certificate-directory="$work/ssl"
if [ -n "${BASELINE_JAR:-}" ]; then
  TUNS_JAR="$BASELINE_JAR" start_tuns $c_ssh $c_http "$work/tuns-console.log"; second="tuns baseline"
else
  start_tuns $c_ssh $c_http "$work/tuns-console.log" --service-console; second="tuns+console"
fi

ssh_opts=(-i "$work/key" -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR
  -o ExitOnForwardFailure=yes -N)
ssh "${ssh_opts[@]}" -p $sshd_port -R $s_be:127.0.0.1:$be -R $s_sink:127.0.0.1:$sink -R $s_ws:127.0.0.1:$wse \
  127.0.0.1 & pids+=($!)
ssh "${ssh_opts[@]}" -p $t_ssh -R bench:80:127.0.0.1:$be -R up:80:127.0.0.1:$sink -R ws:80:127.0.0.1:$wse \
  -R $t_tcp:127.0.0.1:$be 127.0.0.1 & pids+=($!); tuns_ssh_client=$!
ssh "${ssh_opts[@]}" -p $c_ssh -R bench:80:127.0.0.1:$be -R up:80:127.0.0.1:$sink -R ws:80:127.0.0.1:$wse \
  127.0.0.1 & pids+=($!)

# peer → "port host" of its HTTP entry for a vhost name
entry() { case $1 in proxy) echo "$front px-$2.localhost";; direct) case $2 in bench) echo "$be 127.0.0.1";; up) echo "$sink 127.0.0.1";; ws) echo "$wse 127.0.0.1";; esac;;
  sshd) echo "$front $2.localhost";; tuns) echo "$t_http $2.localhost";; console) echo "$c_http $2.localhost";; esac; }
for p in direct proxy sshd tuns console; do for v in bench up; do
  read -r port host < <(entry $p $v)
  for _ in $(seq 100); do
    code=$(curl -s -o /dev/null -w '%{http_code}' -H "Host: $host" -X "$([ $v = up ] && echo POST || echo GET)" \
      "http://127.0.0.1:$port/$([ $v = bench ] && echo small)") || true
    [ "$code" = 200 ] && break; sleep 0.1
  done
  [ "$code" = 200 ] || { echo "bench: $p/$v not reachable (HTTP $code)" >&2; exit 1; }
done; done
for _ in $(seq 100); do curl -s -o /dev/null "http://127.0.0.1:$t_tcp/small" && break; sleep 0.1; done

# --- measurements ------------------------------------------------------------------------------------------------------
download() { # port host -> MB/s (and checks the size)
  curl -s -o /dev/null -H "Host: $2" -w '%{size_download} %{speed_download}\n' "http://127.0.0.1:$1/big" |
    awk -v want=$((SIZE_MIB * 1048576)) '{ if ($1 != want) { print "bench: short download" > "/dev/stderr"; print 0 } else printf "%.1f\n", $2/1e6 }'
}
upload() { # port host -> MB/s (the sink answers the byte count it read)
  curl -s -H "Host: $2" -H 'Expect:' -H 'Content-Type: application/octet-stream' --data-binary @"$work/www/big" \
    -w ' %{speed_upload}\n' "http://127.0.0.1:$1/" |
    awk -v want=$((SIZE_MIB * 1048576)) '{ if ($1 != want) { print "bench: upload not all read" > "/dev/stderr"; print 0 } else printf "%.1f\n", $2/1e6 }'
}
rate() { # port host conns -> "req/s p50ms p99ms"
  local out; out=$(wrk -t"$(( $3 < 2 ? 1 : 2 ))" -c"$3" -d"${secs}s" --latency -H "Host: $2" "http://127.0.0.1:$1/small")
  if echo "$out" | grep -q 'Non-2xx'; then echo "bench: non-2xx answers from $2 on $1" >&2; fi
  echo "$(echo "$out" | awk '/Requests\/sec/ {print $2}') $(echo "$out" | awk '/^ +50%/ {print $2}' | to_ms) $(echo "$out" | awk '/^ +99%/ {print $2}' | to_ms)"
}
tls_down() { # --http1.1|--http2 -> MB/s over tuns' HTTPS listener (and checks the size and the protocol)
  curl -sk "$1" --resolve "bench.localhost:$t_https:127.0.0.1" -o /dev/null \
    -w '%{size_download} %{speed_download} %{http_version}\n' "https://bench.localhost:$t_https/big" |
    awk -v want=$((SIZE_MIB * 1048576)) -v h2="$([ "$1" = --http2 ] && echo 1 || echo 0)" \
      '{ if ($1 != want || ($3 == "2") != h2) { print "bench: bad HTTPS download" > "/dev/stderr"; print 0 }
         else printf "%.1f\n", $2/1e6 }'
}
h2rate() { # streams -> req/s of 1 KiB GETs on ONE h2 connection with that many concurrent streams (h2load)
  h2load -c 1 -m "$1" -D "$secs" --connect-to=127.0.0.1:$t_https "https://bench.localhost:$t_https/small" 2>/dev/null |
    awk '/^finished in/ {gsub(",", "", $4); r=$4} /^status codes:/ {ok=$3} END {print (ok > 0 ? r : 0)}'
}
wsrtt() { "$py" "$root/bench/peers/ws_echo.py" client "$1" "$2" "$WS_N"; } # port host -> "p50ms p99ms"

# warm-up, not counted: the JVM compiles its hot paths during the first seconds of load
for p in tuns console; do
  read -r port host < <(entry $p bench); download $port $host >/dev/null; rate $port $host 16 >/dev/null
  read -r uport uhost < <(entry $p up); upload $uport $uhost >/dev/null
done
download $t_tcp 127.0.0.1 >/dev/null

load_now() { awk '{print $1}' /proc/loadavg; }
# Where a tunnelled request's CPU goes: clock ticks (ticks, 1/100 s) and context switches (switches) per request
per_req() { awk -v v="$1" -v r="$2" -v s="$secs" -v k="$3" 'BEGIN {printf "%.2f", (r > 0 ? v * k / (r * s) : 0)}'; }
tuns_jvm=$(pgrep -f -- "--ssh-address=127.0.0.1:$t_ssh" | head -1)
backend_worker=$(pgrep -P "$(cat "$work/nginx/backend.pid")" | head -1)
loads=""
for ((run = 1; run <= runs; run++)); do
  echo "bench: run $run of $runs (load $(load_now))" >&2
  loads+="$(load_now) "
  for p in direct proxy sshd tuns console; do
    read -r port host < <(entry $p bench)
    add "$p.down" "$(download $port $host)"
    read -r uport uhost < <(entry $p up)
    add "$p.up" "$(upload $uport $uhost)"
    for c in 1 16 64; do
      t0=$(ticks "$tuns_jvm"); s0=$(ticks "$tuns_ssh_client"); b0=$(ticks "$backend_worker"); x0=$(switches "$tuns_jvm")
      read -r r p50 p99 < <(rate $port $host $c)
      add "$p.rps$c" "$r"; add "$p.p50_$c" "$p50"; add "$p.p99_$c" "$p99"
      add "$p.cpu_be$c" "$(per_req $(( $(ticks "$backend_worker") - b0 )) "$r" 10000)"
      if [ $p = tuns ]; then # µs of CPU per request (a tick is 10 000 µs) and context switches per request
        add "cost.tuns$c" "$(per_req $(( $(ticks "$tuns_jvm") - t0 )) "$r" 10000)"
        add "cost.ssh$c" "$(per_req $(( $(ticks "$tuns_ssh_client") - s0 )) "$r" 10000)"
        add "cost.switches$c" "$(per_req $(( $(switches "$tuns_jvm") - x0 )) "$r" 1)"
      fi
    done
    read -r wport whost < <(entry $p ws)
    read -r w50 w99 < <(wsrtt $wport $whost)
    add "$p.ws50" "$w50"; add "$p.ws99" "$w99"
  done
  # TCP tunnel bulk: the same download through a plain TCP forward (no HTTP proxy in the tunnel server)
  add "direct.tcp" "$(download $be 127.0.0.1)"
  add "sshd.tcp" "$(download $s_be 127.0.0.1)"
  add "tuns.tcp" "$(download $t_tcp 127.0.0.1)"
  # HTTPS: the same download over HTTP/1.1 and HTTP/2, and small GETs multiplexed on one h2 connection
  add "h2.down1" "$(tls_down --http1.1)"; add "h2.down2" "$(tls_down --http2)"
  add "h2.rps1" "$(h2rate 1)"; add "h2.rps16" "$(h2rate 16)"
done

hwm_mib() { awk '/VmHWM/ {s += $2} END {printf "%.0f", s / 1024}' "$@" 2>/dev/null; }
tuns_pid() { pgrep -f -- "--ssh-address=127.0.0.1:$1" | head -1; }
rss_tuns=$(hwm_mib /proc/"$(tuns_pid $t_ssh)"/status)
rss_console=$(hwm_mib /proc/"$(tuns_pid $c_ssh)"/status)
sshd_pids=$(pgrep -f "sshd.*$work|sshd: root" || true)
rss_sshd=$(hwm_mib $(for p in $sshd_pids; do echo /proc/$p/status; done) \
  $(for p in $(cat "$work/nginx/front.pid") $(pgrep -P "$(cat "$work/nginx/front.pid")"); do echo /proc/$p/status; done))

row() { # label key [better=high|low]
  local d x s t c; d=$(m "direct.$2"); x=$(m "proxy.$2"); s=$(m "sshd.$2"); t=$(m "tuns.$2"); c=$(m "console.$2")
  echo "| $1 | $d | $x | $s | $t | $c | $(ratio "$t" "$s") | $(ratio "$t" "$d") | $(ratio "$x" "$d") | $(ratio "$c" "$t") |"
}
{
  echo "Run of $(date -u +%Y-%m-%d) on $(nproc) cores, \`bench/run.sh $runs $secs\`, SIZE_MIB=$SIZE_MIB, WS_N=$WS_N," \
    "tuns JAVA_OPTS=\`$java_opts\`; load average at the start of each run: $loads"
  echo
  echo "| figure (median of $runs) | direct | nginx proxy | sshd+nginx | tuns | $second | tuns / sshd+nginx | tuns / direct | nginx proxy / direct | ${second#tuns} / tuns |"
  echo "|---|---|---|---|---|---|---|---|---|---|"
  row "download ${SIZE_MIB} MiB, MB/s" down
  row "upload ${SIZE_MIB} MiB, MB/s" up
  for c in 1 16 64; do
    row "1 KiB GETs, $c conn, req/s" "rps$c"
    row "1 KiB GETs, $c conn, p50 ms" "p50_$c"
    row "1 KiB GETs, $c conn, p99 ms" "p99_$c"
  done
  row "WebSocket echo 64 B, p50 ms" ws50
  row "WebSocket echo 64 B, p99 ms" ws99
  echo "| TCP tunnel download ${SIZE_MIB} MiB, MB/s | $(m direct.tcp) | | $(m sshd.tcp) | $(m tuns.tcp) | | $(ratio "$(m tuns.tcp)" "$(m sshd.tcp)") | $(ratio "$(m tuns.tcp)" "$(m direct.tcp)") | | |"
  echo "| peak RSS, MiB | | | $rss_sshd (sshd + nginx) | $rss_tuns | $rss_console | | | | |"
  echo
  echo "| 1 KiB GETs, CPU per request (median of $runs) | 1 conn | 16 conn | 64 conn |"
  echo "|---|---|---|---|"
  echo "| backend nginx, direct, µs | $(m direct.cpu_be1) | $(m direct.cpu_be16) | $(m direct.cpu_be64) |"
  echo "| backend nginx, through tuns, µs | $(m tuns.cpu_be1) | $(m tuns.cpu_be16) | $(m tuns.cpu_be64) |"
  echo "| tuns' ssh client (OpenSSH), µs | $(m cost.ssh1) | $(m cost.ssh16) | $(m cost.ssh64) |"
  echo "| tuns JVM, µs | $(m cost.tuns1) | $(m cost.tuns16) | $(m cost.tuns64) |"
  echo "| tuns JVM, context switches | $(m cost.switches1) | $(m cost.switches16) | $(m cost.switches64) |"
  echo
  echo "| tuns HTTPS listener (median of $runs) | HTTP/1.1 | HTTP/2 | h2 / HTTP/1.1 |"
  echo "|---|---|---|---|"
  echo "| download ${SIZE_MIB} MiB, MB/s | $(m h2.down1) | $(m h2.down2) | $(ratio "$(m h2.down2)" "$(m h2.down1)") |"
  echo "| 1 KiB GETs on 1 h2 connection, 1 / 16 streams (h2load), req/s | | $(m h2.rps1) / $(m h2.rps16) | |"
  if [ "$COLD" != 0 ]; then
    echo
    echo "Cold start (measured first; load average at the start of each run: $cold_loads):"
    echo; cat "$work/cold.md"
  fi
} > "$work/table.md"
cat "$work/table.md"
mkdir -p "$root/bench/results"; cp "$work/table.md" "$root/bench/results/suite.md"
if [ "${WRITE:-0}" = 1 ]; then
  "$py" - "$root/BENCHMARKS.md" "$work/table.md" <<'PY'
import sys
path, table = sys.argv[1], open(sys.argv[2]).read()
text = open(path).read()
start, end = "<!-- bench/run.sh: begin -->", "<!-- bench/run.sh: end -->"
if start not in text:
    sys.exit("bench: BENCHMARKS.md has no generated section markers")
head, rest = text.split(start, 1)
tail = rest.split(end, 1)[1]
open(path, "w").write(head + start + "\n" + table + end + tail)
PY
  echo "bench: BENCHMARKS.md updated" >&2
fi
