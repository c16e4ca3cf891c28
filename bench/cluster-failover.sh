#!/usr/bin/env bash
# Cluster failover (issue #17): redis-server + three tuns nodes on 127.0.0.11–13 (the same ports on each, as on three
# machines) + Debian's HAProxy running the shipped ops/cluster/haproxy.cfg + real OpenSSH clients in reconnect loops.
# Each run kills one node with SIGKILL and measures, from the kill:
#   - until HAProxy's health check marks the node down (its stats page, polled every 50 ms);
#   - until each same-key tunnel that was on the killed node answers again through HAProxy (its ssh client, in a
#     reconnect loop with ServerAliveInterval, reconnects through HAProxy and takes its name over on a survivor);
#   - until another key may claim a name the killed node held and no client reclaims (about one lease, TTL);
#   - failed requests to the survivors' tunnels through HAProxy during all this (goal 0);
# then restarts the node for the next run. Once per invocation it also measures a one-hop forward against local:
# wrk through the same tunnel entering at the owner node and at another node (no HAProxy in the path), after one
# uncounted warm-up of each.
# Usage: bench/cluster-failover.sh [runs=3] [tunnels=10] [wrk-seconds=5]
# Env: KEEP=1 keeps the work directory (node logs); TTL (node lease, default 10s, the flag's default), CHECK_INTER (HAProxy check interval, default 1s).
# Prints a Markdown table of medians over the runs.
set -euo pipefail
runs="${1:-3}"
ntun="${2:-10}"
secs="${3:-5}"
ttl="${TTL:-10s}"
inter="${CHECK_INTER:-1s}"
root="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d /tmp/tuns-cluster-bench.XXXXXX)"
chmod 755 "$work"
hosts=(127.0.0.11 127.0.0.12 127.0.0.13)
ssh_port=12422; http_port=18480; cluster_port=17400; redis_port=16479
ssh_front=12423; http_front=18481; stats_port=18482; backend_port=18483
# the shipped file also has HTTPS and TCP-range frontends: unused here (plain HTTP tunnels), given ports of their own
https_front=18484; https_port=18485; tcp_ports=18486
pids=()
node_pid=()
cleanup() {
  touch "$work/stop-all"
  for p in "${pids[@]}" "${node_pid[@]}"; do pkill -P "$p" 2>/dev/null || true; kill "$p" 2>/dev/null || true; done
  nginx -p "$work/nginx" -c nginx.conf -s stop 2>/dev/null || true
  sleep 0.5; if [ -n "${KEEP:-}" ]; then echo "bench: kept $work" >&2; else rm -rf "$work"; fi
}
trap cleanup EXIT

for tool in redis-server redis-cli haproxy nginx wrk curl ssh ssh-keygen; do
  command -v "$tool" >/dev/null || { echo "bench: $tool missing (run .ci/deps)" >&2; exit 2; }
done
[ -f "$root/server/target/tuns-server.jar" ] || (cd "$root" && mvn -q -B -pl server -DskipTests package)
now() { date +%s%N; }
ms() { echo $(( ($1 - $2) / 1000000 )); }
load() { cut -d' ' -f1 /proc/loadavg; }

# backend: nginx serving a 1 KiB file
mkdir -p "$work/www"
head -c 1024 /dev/urandom > "$work/www/small"
. "$(dirname "$0")/static-nginx.sh"
start_static_nginx

# redis: no persistence (the nodes re-assert their routes after an empty restart anyway)
redis-server --bind 127.0.0.1 --port $redis_port --save '' --appendonly no --maxmemory-policy noeviction \
  --dir "$work" >"$work/redis.log" 2>&1 & pids+=($!)
for _ in $(seq 100); do redis-cli -p $redis_port ping >/dev/null 2>&1 && break; sleep 0.1; done

mkdir -p "$work/pubkeys"
for k in user other; do ssh-keygen -q -t ed25519 -N '' -f "$work/$k"; cp "$work/$k.pub" "$work/pubkeys/"; done
echo '{}' > "$work/none.yml"

start_node() { # index
  local i=$1 h=${hosts[$1]}
  : > "$work/n$((i+1)).log"
  JAVA_OPTS="${JAVA_OPTS:--Xmx256m}" TUNS_CDS=off "$root/bin/tuns" serve --ssh-address=$h:$ssh_port \
    --http-address=$h:$http_port --domain=localhost --private-keys-directory="$work/hostkeys" \
    --authentication-keys-directory="$work/pubkeys" --config="$work/none.yml" --bind-random-subdomains=false \
    --proxy-protocol-listener=true --cluster-store=redis://127.0.0.1:$redis_port --cluster-node-id=n$((i+1)) \
    --cluster-listen=$h:$cluster_port --cluster-node-ttl=$ttl --log-http-requests=false \
    >"$work/n$((i+1)).log" 2>&1 &
  node_pid[$i]=$!
}
wait_node() {
  for _ in $(seq 600); do grep -q "tuns: serving" "$work/n$(($1+1)).log" && return 0; sleep 0.2; done
  echo "bench: node n$(($1+1)) did not start:" >&2; tail -20 "$work/n$(($1+1)).log" >&2; exit 1
}
start_node 0; wait_node 0 # first alone: it writes the host key the others share
start_node 1; start_node 2; wait_node 1; wait_node 2

# HAProxy: the shipped file plus a stats page (a second -f file) to see when a server is marked down
cat > "$work/stats.cfg" <<CFG
frontend stats
    mode http
    bind 127.0.0.1:$stats_port
    stats enable
    stats uri /stats
CFG
TUNS_BIND=127.0.0.1 TUNS_N1=${hosts[0]} TUNS_N2=${hosts[1]} TUNS_N3=${hosts[2]} TUNS_SSH_FRONT=$ssh_front \
  TUNS_HTTP_FRONT=$http_front TUNS_SSH_PORT=$ssh_port TUNS_HTTP_PORT=$http_port TUNS_CHECK_INTER=$inter \
  TUNS_HTTPS_FRONT=$https_front TUNS_HTTPS_PORT=$https_port TUNS_TCP_PORTS=$tcp_ports \
  TUNS_MAXCONN=2000 haproxy -db -f "$root/ops/cluster/haproxy.cfg" -f "$work/stats.cfg" >"$work/haproxy.log" 2>&1 &
pids+=($!)
status_of() { # server name (n1..n3) -> UP/DOWN/... of backend tuns_http
  curl -s "http://127.0.0.1:$stats_port/stats;csv" | awk -F, -v s="$1" '$1=="tuns_http" && $2==s {print $18}'
}
for _ in $(seq 100); do [ "$(status_of n3)" = UP ] && break; sleep 0.1; done

sshopts=(-i "$work/user" -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR
  -o BatchMode=yes -o IdentitiesOnly=yes -o ServerAliveInterval=1 -o ServerAliveCountMax=3 -o ExitOnForwardFailure=yes)
other_opts=("${sshopts[@]}"); other_opts[1]="$work/other"
# a same-key client in a reconnect loop: first straight to node $2, then through HAProxy as a user's would; it
# stops when its stop file (or the global one) exists
tunnel_loop() { # name first-host stop-file
  local target=$2 port=$ssh_port
  while [ ! -f "$3" ] && [ ! -f "$work/stop-all" ]; do
    ssh "${sshopts[@]}" -p $port -N -R "$1:80:127.0.0.1:$backend_port" "$target" </dev/null >/dev/null 2>&1 || true
    target=127.0.0.1; port=$ssh_front; sleep 0.1
  done
}
code() { curl -s -o /dev/null --max-time 5 -w '%{http_code}' -H "Host: $1.localhost" "http://${2:-127.0.0.1}:${3:-$http_front}/small" || true; }
await_200() { # name [host port] -> waits up to 60 s
  for _ in $(seq 600); do [ "$(code "$@")" = 200 ] && return 0; sleep 0.1; done
  echo "bench: $1 never answered" >&2; return 1
}
holder() { redis-cli -p $redis_port HGET "tuns:r:http|$1.localhost" node; }

# survivors: one tunnel on each of n1 and n2 (the victim is always n3), kept for the whole invocation
tunnel_loop surv1 ${hosts[0]} "$work/stop-all" & pids+=($!)
tunnel_loop surv2 ${hosts[1]} "$work/stop-all" & pids+=($!)
await_200 surv1; await_200 surv2

median() { sort -g | awk '{a[NR]=$1} END {if (NR == 0) print "n/a"; else print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
rate() { # url host -> "req/s p99ms"
  wrk -t2 -c16 -d"${secs}s" --latency -H "Host: $2" "$1" | awk '
    /Requests\/sec/ {r=$2}
    /^ +99%/ {v=$2; if (v ~ /us$/) {sub(/us/,"",v); v=v/1000} else if (v ~ /ms$/) {sub(/ms/,"",v)} else if (v ~ /s$/) {sub(/s/,"",v); v=v*1000}; p=v}
    END {printf "%.0f %.2f\n", r, p}'
}

# one-hop forward against local: surv1 is held by n1; enter at n1 (local) and at n2 (one hop), one after the other
[ "$(holder surv1)" = n1 ] || { echo "bench: surv1 is on $(holder surv1), expected n1" >&2; exit 1; }
hop_out="$work/hop.txt"; : > "$hop_out"
# one warm-up of each path first, not counted: the first seconds of a path a JVM has not run yet measure its JIT
rate "http://${hosts[0]}:$http_port/small" surv1.localhost >/dev/null
rate "http://${hosts[1]}:$http_port/small" surv1.localhost >/dev/null
for r in $(seq "$runs"); do
  echo "local $(rate "http://${hosts[0]}:$http_port/small" surv1.localhost)" >> "$hop_out"
  echo "hop $(rate "http://${hosts[1]}:$http_port/small" surv1.localhost)" >> "$hop_out"
done

loads=()
res="$work/runs.txt"; : > "$res"
for r in $(seq "$runs"); do
  loads+=("$(load)")
  # tunnels on the victim n3: ntun same-key loops, and one orphan whose client does not come back
  loop_pids=()
  for i in $(seq "$ntun"); do tunnel_loop "r${r}t$i" ${hosts[2]} "$work/stop.$r" & loop_pids+=($!); done
  ssh "${sshopts[@]}" -p $ssh_port -N -R "r${r}orphan:80:127.0.0.1:$backend_port" ${hosts[2]} </dev/null >/dev/null 2>&1 &
  orphan_pid=$!
  for i in $(seq "$ntun"); do await_200 "r${r}t$i"; done
  await_200 "r${r}orphan"
  # only the tunnels n3 holds count (a first connection that failed under load reconnected through HAProxy)
  on3=()
  for i in $(seq "$ntun"); do if [ "$(holder "r${r}t$i")" = n3 ]; then on3+=("$i"); else echo "bench: r${r}t$i not on n3" >&2; fi; done
  # survivors' load: one request at a time, alternating, new connection each (HAProxy round-robins the entry node)
  : > "$work/surv.txt"
  ( n=0; while [ ! -f "$work/stop" ]; do c=$(code surv$((n % 2 + 1))); echo "$c" >> "$work/surv.txt"; n=$((n+1)); done ) &
  load_pid=$!
  sleep 1
  kill -9 "${node_pid[2]}"; t0=$(now); { wait "${node_pid[2]}"; } 2>/dev/null || true
  kill "$orphan_pid" 2>/dev/null || true # the orphan's client is gone with its node (it would not come back)
  # HAProxy marks n3 down
  ( while [ "$(status_of n3)" = UP ] && [ $(( ($(now) - t0) / 1000000000 )) -lt 120 ]; do sleep 0.05; done; echo "down $(ms "$(now)" "$t0")" >> "$res.$r" ) &
  w_down=$!
  # each same-key tunnel answers again through HAProxy
  w_tun=()
  for i in "${on3[@]}"; do
    ( while [ "$(code "r${r}t$i")" != 200 ] && [ $(( ($(now) - t0) / 1000000000 )) -lt 120 ]; do sleep 0.05; done; echo "tun $(ms "$(now)" "$t0")" >> "$res.$r" ) &
    w_tun+=($!)
  done
  # another key claims the orphaned name; tuns gives it the name once the dead node's lease lapsed
  # (it asks through HAProxy with a session, so tuns prints the address it got: the name, or a random one)
  while :; do
    : > "$work/claim.txt"
    sleep 30 | ssh "${other_opts[@]}" -p $ssh_front -o ExitOnForwardFailure=no \
      -R "r${r}orphan:80:127.0.0.1:$backend_port" 127.0.0.1 >"$work/claim.txt" 2>&1 &
    claim_pid=$!
    end=$(( $(now) + 15000000000 ))
    while ! grep -q "http://" "$work/claim.txt" && [ "$(now)" -lt "$end" ] && kill -0 "$claim_pid" 2>/dev/null; do sleep 0.05; done
    { echo "--- attempt at +$(ms "$(now)" "$t0") ms"; cat "$work/claim.txt"; } >> "$work/claims.log"
    got=$(grep -c "http://r${r}orphan.localhost" "$work/claim.txt" || true)
    t=$(now); kill "$claim_pid" 2>/dev/null || true
    if [ "$got" -gt 0 ]; then echo "orphan $(ms "$t" "$t0")" >> "$res.$r"; break; fi
    [ $(( (t - t0) / 1000000000 )) -lt 120 ] || { echo "bench: orphan never freed: $(cat "$work/claim.txt")" >&2; break; }
    sleep 0.2
  done
  wait "$w_down" "${w_tun[@]}"
  sleep 1; touch "$work/stop"; wait "$load_pid"; rm -f "$work/stop"
  total=$(wc -l < "$work/surv.txt"); failed=$(grep -vc '^200$' "$work/surv.txt" || true)
  echo "surv $failed $total" >> "$res.$r"
  sort -n -k2 "$res.$r" | awk -v r="$r" '
    $1=="down" {d=$2} $1=="orphan" {o=$2} $1=="surv" {f=$2; t=$3}
    $1=="tun" {a[++n]=$2}
    END {printf "%s %d %d %d %d %d %d %d\n", r, d, a[int((n+1)/2)], a[n], o, f, t, n}' >> "$res"
  # back to three nodes: stop this run's loops, restart n3, wait until HAProxy has it up again
  touch "$work/stop.$r"
  for p in "${loop_pids[@]}"; do pkill -P "$p" 2>/dev/null || true; done
  start_node 2; wait_node 2
  for _ in $(seq 600); do [ "$(status_of n3)" = UP ] && break; sleep 0.1; done
done

# cache feed lag: only if a node exports a feed-lag histogram (issue #17's Redis Stream feed)
feed=$(curl -s -H "Host: localhost" "http://${hosts[0]}:$http_port/_sish/metrics" | awk '
  /^sish_cluster_feed_lag_seconds_bucket/ {match($0, /le="[^"]+"/); le=substr($0, RSTART+4, RLENGTH-5); b[++n]=le; c[n]=$NF}
  /^sish_cluster_feed_lag_seconds_count/ {tot=$NF}
  END {if (tot > 0) {for (i=1;i<=n;i++) if (c[i] >= 0.99*tot) {printf "≤ %s s\n", b[i]; exit}} else print "n/a"}')

col() { awk -v k="$1" '{print $k}' "$res" | median; }
hopcol() { awk -v w="$1" -v k="$2" '$1==w {print $k}' "$hop_out" | median; }
echo "Per run (ms): run, down, tunnels p50, tunnels max, orphan claimable, failed, survivor requests, tunnels on n3:"
sed 's/^/    /' "$res"
echo
echo "Run of $(date -u +%F) on $(nproc) cores, \`bench/cluster-failover.sh $runs $ntun $secs\`, TTL=$ttl, CHECK_INTER=$inter;" \
  "load average (1 min) at the start of each run: ${loads[*]}"
echo
echo "| figure (median of $runs runs) | value |"
echo "|---|---|"
echo "| kill -9 → HAProxy marks the node down, ms | $(col 2) |"
echo "| same-key tunnels on the killed node per run (of $ntun started there) | $(col 8) |"
echo "| kill -9 → each same-key tunnel of the killed node answers again through HAProxy, p50 ms | $(col 3) |"
echo "| kill -9 → each same-key tunnel of the killed node answers again through HAProxy, max ms | $(col 4) |"
echo "| kill -9 → another key may claim an orphaned name, ms | $(col 5) |"
echo "| failed requests to the survivors' tunnels (of all sent during the run) | $(awk '{f+=$6; t+=$7} END {print f " of " t}' "$res") |"
echo "| cache feed lag p99 | $feed |"
echo "| 1 KiB GETs, 16 conn, entering at the owner (local), req/s | $(hopcol local 2) |"
echo "| 1 KiB GETs, 16 conn, entering at another node (one hop), req/s | $(hopcol hop 2) |"
echo "| 1 KiB GETs, 16 conn, local, p99 ms | $(hopcol local 3) |"
echo "| 1 KiB GETs, 16 conn, one hop, p99 ms | $(hopcol hop 3) |"
