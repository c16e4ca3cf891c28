#!/usr/bin/env bash
# CPU per request of the per-request hop between cluster nodes (issue #17): redis-server + two tuns nodes on
# 127.0.0.21-22 (not the failover rig's addresses, so it may run beside it) + nginx serving 1 KiB + one real ssh
# tunnel held by n1. wrk sends 1 KiB GETs for the tunnel entering at n1 (local) and at n2 (one hop), after one
# warm-up of each; per round, the JVMs' utime+stime (/proc/PID/task/*/stat, without the JIT compiler threads) and
# the ssh client's plus nginx's, divided by the requests wrk completed: a figure that moves with the machine's
# load much less than req/s does.
# Usage: bench/hop-cpu.sh [wrk-seconds=10] [connections=16] [rounds=2]
# Env: JAR=file runs that jar (kept in server/target, beside its lib/) with bin/tuns' JVM settings instead of
#      bin/tuns; JFR=1 records each node from its start (a sample every 2 ms) and prints its methods by share of
#      samples; THREADS=1 prints the busiest threads of each round; KEEP=1 keeps the work directory; HOP_TLS=1
#      runs the hop in mutual TLS (a throw-away cluster CA).
set -euo pipefail
secs="${1:-10}"
conns="${2:-16}"
rounds="${3:-2}"
root="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d /tmp/tuns-hop-cpu.XXXXXX)"
chmod 755 "$work"
hosts=(127.0.0.21 127.0.0.22)
ssh_port=22422; http_port=28480; cluster_port=27400; redis_port=26479; backend_port=28483
pids=(); node_pid=()
cleanup() {
  for p in "${pids[@]}" "${node_pid[@]}"; do kill "$p" 2>/dev/null || true; done
  nginx -p "$work/nginx" -c nginx.conf -s stop 2>/dev/null || true
  sleep 0.5; if [ -n "${KEEP:-}" ]; then echo "bench: kept $work" >&2; else rm -rf "$work"; fi
}
trap cleanup EXIT
for tool in redis-server redis-cli nginx wrk curl ssh ssh-keygen; do
  command -v "$tool" >/dev/null || { echo "bench: $tool missing (run .ci/deps)" >&2; exit 2; }
done
[ -f "$root/server/target/tuns-server.jar" ] || (cd "$root" && mvn -q -B -pl server -DskipTests package)

mkdir -p "$work/www"
head -c 1024 /dev/urandom > "$work/www/small"
. "$(dirname "$0")/static-nginx.sh"
start_static_nginx
redis-server --bind 127.0.0.1 --port $redis_port --save '' --appendonly no --dir "$work" >"$work/redis.log" 2>&1 &
pids+=($!)
for _ in $(seq 100); do redis-cli -p $redis_port ping >/dev/null 2>&1 && break; sleep 0.1; done
mkdir -p "$work/pubkeys"
ssh-keygen -q -t ed25519 -N '' -f "$work/user"; cp "$work/user.pub" "$work/pubkeys/"
echo '{}' > "$work/none.yml"

tls_flags=()
if [ -n "${HOP_TLS:-}" ]; then
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 -subj /CN=ca \
    -keyout "$work/ca.key" -out "$work/ca.pem" 2>/dev/null
  openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=node -keyout "$work/node.key" \
    -out "$work/node.csr" 2>/dev/null
  openssl x509 -req -in "$work/node.csr" -CA "$work/ca.pem" -CAkey "$work/ca.key" -CAcreateserial -days 1 \
    -out "$work/node.pem" 2>/dev/null
  tls_flags=(--cluster-tls-cert="$work/node.pem" --cluster-tls-key="$work/node.key" --cluster-tls-ca="$work/ca.pem")
fi

# the profile settings with a sample every millisecond (the default 10-20 ms gives too few)
if [ -n "${JFR:-}" ]; then sed 's/<setting name="period">[0-9]* ms</<setting name="period">2 ms</' \
  "$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")/lib/jfr/profile.jfc" > "$work/fast.jfc"; fi
start_node() { # index
  local i=$1 h=${hosts[$1]} jfr=()
  [ -n "${JFR:-}" ] && jfr=("-XX:StartFlightRecording=settings=$work/fast.jfc,filename=$work/n$((i+1)).jfr,dumponexit=true")
  local run=("$root/bin/tuns" serve)
  # JAR=path: that build instead (to compare two builds while the work tree's is rebuilt), bin/tuns' JVM settings
  [ -n "${JAR:-}" ] && run=(java ${JAVA_OPTS:--Xmx256m} ${jfr[*]} -XX:+UseSerialGC -Xms16m -jar "$JAR")
  JAVA_OPTS="${JAVA_OPTS:--Xmx256m} ${jfr[*]}" TUNS_CDS=off "${run[@]}" --ssh-address=$h:$ssh_port \
    --http-address=$h:$http_port --domain=localhost --private-keys-directory="$work/hostkeys" \
    --authentication-keys-directory="$work/pubkeys" --config="$work/none.yml" --bind-random-subdomains=false \
    --cluster-store=redis://127.0.0.1:$redis_port --cluster-node-id=n$((i+1)) \
    --cluster-listen=$h:$cluster_port --log-http-requests=false "${tls_flags[@]}" \
    >"$work/n$((i+1)).log" 2>&1 &
  node_pid[$i]=$!
}
wait_node() {
  for _ in $(seq 600); do grep -q "tuns: serving" "$work/n$(($1+1)).log" && return 0; sleep 0.2; done
  echo "bench: node n$(($1+1)) did not start:" >&2; tail -20 "$work/n$(($1+1)).log" >&2; exit 1
}
start_node 0; wait_node 0
start_node 1; wait_node 1
ssh -i "$work/user" -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR -o BatchMode=yes \
  -o IdentitiesOnly=yes -o ExitOnForwardFailure=yes -p $ssh_port -N -R "t:80:127.0.0.1:$backend_port" \
  ${hosts[0]} </dev/null >/dev/null 2>&1 &
pids+=($!); ssh_pid=$!
code() { curl -s -o /dev/null --max-time 5 -w '%{http_code}' -H "Host: t.localhost" "http://$1:$http_port/small" || true; }
for _ in $(seq 300); do [ "$(code ${hosts[0]})" = 200 ] && [ "$(code ${hosts[1]})" = 200 ] && break; sleep 0.1; done
[ "$(code ${hosts[1]})" = 200 ] || { echo "bench: the tunnel never answered through n2" >&2; exit 1; }

threads() { # pid -> "tid name utime stime" per thread, sorted by tid
  for t in /proc/$1/task/*; do
    awk -v t="${t##*/}" '{sub(/^[^(]*\(/, ""); name=$0; sub(/\).*/, "", name); gsub(/ /, "_", name); sub(/^[^)]*\) /, ""); print t, name, $12, $13}' "$t/stat" 2>/dev/null
  done | sort -k1,1
}
# the JVM's utime+stime without the JIT compiler threads (a short run on a loaded machine is still compiling)
ticks() { threads "$1" | awk '$2 !~ /^C[12]_Compiler/ {t += $3 + $4} END {print t}'; }
hz=$(getconf CLK_TCK)
others() { # the ssh client's and nginx's worker's utime+stime
  local w; w=$(pgrep -P "$(cat "$work/nginx/nginx.pid")" | head -1)
  cat "/proc/$ssh_pid/stat" "/proc/$w/stat" | awk '{t += $14 + $15} END {print t}'
}
one() { # mode host -> prints a result line
  local mode=$1 host=$2 a1 a2 b1 b2 out reqs
  a1=$(ticks "${node_pid[0]}"); b1=$(ticks "${node_pid[1]}"); o1=$(others)
  [ -n "${THREADS:-}" ] && for i in 0 1; do threads "${node_pid[$i]}" > "$work/th$i.before"; done
  out=$(wrk -t2 -c"$conns" -d"${secs}s" --latency -H "Host: t.localhost" "http://$host:$http_port/small")
  a2=$(ticks "${node_pid[0]}"); b2=$(ticks "${node_pid[1]}"); o2=$(others)
  reqs=$(echo "$out" | awk '/requests in/ {print $1}')
  if [ -n "${THREADS:-}" ]; then # which threads burnt the CPU (utime stime in ticks), busiest first
    for i in 0 1; do
      threads "${node_pid[$i]}" | join - "$work/th$i.before" | awk -v n="n$((i+1))" -v m="$mode" \
        '{u=$3-$6; s=$4-$7; if (u+s > 0) print m, n, $2, u, s}' | sort -k4,4nr -k5,5nr | head -8 >&2
    done
  fi
  echo "$out" | awk -v m="$mode" -v r="$reqs" -v n1=$((a2 - a1)) -v n2=$((b2 - b1)) -v o=$((o2 - o1)) -v hz="$hz" -v l="$(cut -d' ' -f1 /proc/loadavg)" '
    /Requests\/sec/ {rs=$2}
    /^ +50%/ {p50=$2} /^ +99%/ {p99=$2}
    /Non-2xx|Socket errors/ {err=err " " $0}
    END {printf "%-5s req/s %7.0f  p50 %8s  p99 %8s  n1(owner) %6.1f us/req  n2 %6.1f us/req  ssh+nginx %5.1f us/req  reqs %d load %s%s\n",
      m, rs, p50, p99, n1 * 1e6 / hz / r, n2 * 1e6 / hz / r, o * 1e6 / hz / r, r, l, err}'
}
one warm ${hosts[1]} >/dev/null; one warm ${hosts[0]} >/dev/null
for r in $(seq "$rounds"); do
  one local ${hosts[0]}
  one hop ${hosts[1]}
done
if [ -n "${JFR:-}" ]; then
  for i in 0 1; do
    jcmd "${node_pid[$i]}" JFR.dump filename="$work/n$((i+1)).jfr" >/dev/null
    echo "== n$((i+1)) methods by share of samples over the whole run (n2 serves hops only)"
    # inclusive: a method counts once per sample whose stack holds it (stacks are cut at 64 frames)
    jfr print --stack-depth 64 --events jdk.ExecutionSample "$work/n$((i+1)).jfr" | awk '
      /stackTrace = \[/ {in_st=1; delete seen; n++; next}
      in_st && /^ +\]/ {in_st=0; next}
      in_st {l=$0; sub(/^ +/, "", l); sub(/\(.*/, "", l); if (!(l in seen)) {seen[l]=1; c[l]++}}
      END {print n, "samples"; for (k in c) print c[k], k}' | sort -rn | head -"${JFR_TOP:-60}" || true
  done
fi
echo "== n2 hop counters (sish_cluster_hops_total), n1 channel opens"
curl -s -H "Host: localhost" "http://${hosts[1]}:$http_port/_sish/metrics" | grep '^sish_cluster_hops_total' || true
curl -s -H "Host: localhost" "http://${hosts[0]}:$http_port/_sish/metrics" | grep -i '^sish_.*channel.*total' | head -5 || true
grep -h "WARN\|ERROR" "$work"/n*.log | grep -v "cluster-listen is a loopback\|memory_bounds" | head -5 || true
