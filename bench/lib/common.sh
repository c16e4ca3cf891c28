# Shell shared by the bench scripts that start tuns on their own and drive it with wrk (bench/startup.sh,
# bench/transport-ab.sh, the cold-start rows of bench/run.sh). Sourcing it only defines functions; they use the
# caller's globals root (the checkout), work (the scratch directory) and pids (processes killed on exit).

# bench_setup prefix tools... : a scratch directory /tmp/prefix.XXXXXX in $work (removed on exit, with every pid in
# $pids and the nginx started by backend_nginx), the tools checked, the server jar built when missing.
bench_setup() {
  work="$(mktemp -d "/tmp/$1.XXXXXX")"; chmod 755 "$work"; shift
  pids=()
  trap bench_cleanup EXIT
  local t; for t in "$@"; do command -v "$t" >/dev/null || { echo "bench: needs $t" >&2; exit 1; }; done
  [ -f "$root/server/target/tuns-server.jar" ] || (cd "$root" && mvn -q -B -DskipTests package)
}
bench_cleanup() {
  local p; for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  backend_stop
  rm -rf "$work"
}

. "$(dirname "${BASH_SOURCE[0]}")/../static-nginx.sh" # start_static_nginx

# backend_nginx : Debian's nginx serving $work/www/small (1 KiB of random bytes) on a free loopback port, in $be.
backend_nginx() {
  mkdir -p "$work/www"
  head -c 1024 /dev/urandom > "$work/www/small"
  be=$(free_port); backend_port=$be
  start_static_nginx backend.conf
}
backend_stop() { [ -f "$work/nginx/backend.conf" ] && nginx -p "$work/nginx" -c backend.conf -s stop 2>/dev/null || true; }

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
now_ms() { echo $(( $(date +%s%N) / 1000000 )); }
ticks() { awk '{c=$0; sub(/^[^)]*\) /,"",c); split(c,f," "); print f[12]+f[13]}' "/proc/$1/stat"; } # user+sys, 1/100 s
# user+sys ticks of the JIT's compiler threads (C1, C2) of a JVM: what a cold start spends on compiling
jit_ticks() {
  local t n s=0
  for t in /proc/"$1"/task/*; do
    case "$(cat "$t/comm" 2>/dev/null)" in
      "C1 Compiler"*|"C2 Compiler"*) n=$(awk '{c=$0; sub(/^[^)]*\) /,"",c); split(c,f," "); print f[12]+f[13]}' "$t/stat" 2>/dev/null) \
        && s=$(( s + ${n:-0} )) ;;
    esac
  done
  echo "$s"
}
cpu_ms() { echo $(( $(ticks "$1") * 10 )); }
rss_mib() { awk '/^VmRSS:/ {print int($2/1024)}' "/proc/$1/status"; }
switches() { cat /proc/"$1"/task/*/status 2>/dev/null | awk '/ctxt_switches/ {s += $2} END {print s}'; }
# wrk's latency (12.3us, 4.5ms, 1.2s) on stdin → ms
to_ms() { awk '{v=$1; if (v ~ /us$/) {sub(/us/,"",v); v/=1000} else if (v ~ /ms$/) {sub(/ms/,"",v)} else if (v ~ /s$/) {sub(/s/,"",v); v*=1000}; print v + 0}'; }
median() { sort -g | awk '{a[NR]=$1} END {if (!NR) print "-"; else if (NR % 2) print a[(NR+1)/2]; else print (a[NR/2]+a[NR/2+1])/2}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", (b > 0 ? a / b : 0)}'; }

# wrk_window host port conns seconds → "req/s p99ms": 1 KiB GETs of /small
wrk_window() {
  local out; out=$(wrk -t"$(( $3 < 2 ? 1 : 2 ))" -c"$3" -d"$4"s --latency -H "Host: $1" "http://127.0.0.1:$2/small" 2>/dev/null)
  echo "$(awk '/Requests\/sec/ {printf "%d", $2}' <<<"$out") $(awk '/^ +99%/ {print $2}' <<<"$out" | to_ms)"
}

# --- a cold start of bin/tuns, as a restart meets its clients --------------------------------------------------------
# Globals: tuns (the launcher, default $root/bin/tuns), be (the backend), $work/client (the ssh key; made by
# cold_setup), $work/keys0 (a host key made once, so each start decrypts an existing key as a real one does).
cold_setup() {
  tuns="${tuns:-$root/bin/tuns}"
  mkdir -p "$work/pubkeys"
  ssh-keygen -q -t ed25519 -N '' -f "$work/client" >/dev/null
  echo '{}' > "$work/none.yml"
  local jar; jar="$(dirname "$tuns")/../server/target/tuns-server.jar"
  TUNS_JVM_DEFAULTS=off java -jar "$jar" \
    --ssh-address=127.0.0.1:0 --http-address=127.0.0.1:0 --private-keys-directory="$work/keys0" \
    --authentication-keys-directory="$work/pubkeys" --config="$work/none.yml" >"$work/gen.log" 2>&1 & local g=$!
  until grep -q "tuns: serving" "$work/gen.log"; do kill -0 $g 2>/dev/null || { cat "$work/gen.log" >&2; exit 1; }; sleep 0.1; done
  kill $g; wait $g 2>/dev/null || true
}
tunnel() { # name ssh-port → pid of an ssh -R client
  ssh -q -N -o BatchMode=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o ExitOnForwardFailure=yes \
    -i "$work/client" -p "$2" -R "$1:80:127.0.0.1:$be" 127.0.0.1 </dev/null >/dev/null 2>&1 & echo $!
}
reach() { # name ssh-port http-port → pid of an ssh -R client whose tunnel has answered a request
  local pid end=$(( $(now_ms) + 120000 ))
  pid=$(tunnel "$1" "$2")
  until curl -s -o /dev/null -f -H "Host: $1.localhost" "http://127.0.0.1:$3/small"; do
    kill -0 "$pid" 2>/dev/null || pid=$(tunnel "$1" "$2") # under load an ssh client can give up: start another
    [ "$(now_ms)" -lt "$end" ] || { echo "bench: tunnel $1 did not answer within 120 s" >&2; exit 1; }
    sleep 0.005
  done
  echo "$pid"
}
# cds_dir VAR=value... → the archive directory of that environment: bin/tuns deletes the archives of other
# settings when it trains, so each environment keeps its own.
cds_dir() { echo "$work/cds/$(cksum <<<"$*" | cut -d' ' -f1)"; }
# cold_start [--late] VAR=value... : starts $tuns serve with that environment (and TUNS_CDS_DIR=cds_dir), the
# listen addresses as flags (bound first thing in main), or with --late in a config file (bound when the server is
# built). The ssh -R client is started as soon as the SSH port accepts, as a reconnecting client would. Sets
# cs_pid (the JVM: bin/tuns execs java), cs_client (ssh -R a:80), cs_ssh, cs_http, cs_log, cs_t0 (ms), cs_listen
# (ms to the SSH port accepting), cs_listen_cpu (JVM CPU ms then), cs_first (ms to the first proxied byte) and
# cs_first_cpu (JVM CPU ms then).
cold_start() {
  local late=""; [ "${1:-}" != --late ] || { late=1; shift; }
  cs_log="$work/tuns.log"
  rm -rf "$work/keys"; cp -r "$work/keys0" "$work/keys"; : > "$cs_log"
  cs_ssh=$(free_port); cs_http=$(free_port)
  local listen_args=(--ssh-address=127.0.0.1:$cs_ssh --http-address=127.0.0.1:$cs_http --config="$work/none.yml")
  if [ -n "$late" ]; then
    printf 'ssh-address: "127.0.0.1:%s"\nhttp-address: "127.0.0.1:%s"\n' "$cs_ssh" "$cs_http" > "$work/late.yml"
    listen_args=(--config="$work/late.yml")
  fi
  local cds; cds=$(cds_dir "$@"); mkdir -p "$cds"
  cs_t0=$(now_ms)
  env "$@" TUNS_CDS_DIR="$cds" "$tuns" serve "${listen_args[@]}" \
    --private-keys-directory="$work/keys" --authentication-keys-directory="$work/pubkeys" >"$cs_log" 2>&1 & cs_pid=$!
  until (exec 3<>"/dev/tcp/127.0.0.1/$cs_ssh") 2>/dev/null; do
    kill -0 $cs_pid 2>/dev/null || { cat "$cs_log" >&2; exit 1; }; sleep 0.005
  done
  cs_listen=$(( $(now_ms) - cs_t0 )); cs_listen_cpu=$(cpu_ms $cs_pid)
  cs_client=$(reach a "$cs_ssh" "$cs_http")
  cs_first=$(( $(now_ms) - cs_t0 )); cs_first_cpu=$(cpu_ms $cs_pid)
}
cold_stop() { # pids... (further ssh clients) : stops the tunnel clients and the server of cold_start
  kill "$cs_client" "$@" 2>/dev/null; kill "$cs_pid"; wait "$cs_pid" 2>/dev/null || true
  wait "$cs_client" "$@" 2>/dev/null || true
}
# cds_train VAR=value... : the first start with an environment makes bin/tuns train its archive (a CDS archive,
# or on JDK 25+ an AOT cache) in the background; waits until it is there, so that the starts measured after map it,
# and prints how long the training took (wall s, from the first start's exec).
cds_train() {
  local cds _ t0 a; cds=$(cds_dir "$@")
  t0=$(now_ms); cold_start "$@"; cold_stop
  for _ in $(seq 1200); do
    a=$(find "$cds" -maxdepth 1 \( -name 'tuns-*.jsa' -o -name 'tuns-*.aot' \) -print -quit)
    if [ -n "$a" ] && ! ls "$cds"/*.training >/dev/null 2>&1; then
      echo "bench: archive $(basename "$a") trained in $(( ($(now_ms) - t0) / 1000 )) s ($*)" >&2
      return 0
    fi
    sleep 0.5
  done
  echo "bench: no CDS archive was trained" >&2; exit 1
}
