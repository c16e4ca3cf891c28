#!/usr/bin/env bash
# Start-up and footprint of tuns as bin/tuns launches it (issue #18), one row per launcher configuration:
#   listen ms / CPU ms  from exec to the SSH port accepting a TCP connection (wall; user+sys CPU of the JVM then);
#                       since the sockets are bound first thing in main, that is before the server is built
#   serving ms          from exec to the "event=started" log line (the server built and serving)
#   1st byte ms         from exec to the first byte of a response proxied through a real `ssh -R` tunnel (the
#                       ssh client is started as soon as the port accepts, as a reconnecting client would)
#   RSS 2 tunnels       VmRSS 10 s after two `ssh -R` tunnels answered one request each (no other load)
#   CPU at 1st byte     user+sys CPU of the JVM once the first proxied byte arrived and "tuns: serving" was printed
#   cold / warm rps,p99 wrk (16 connections, 1 KiB GET through the tunnel) in the first 10 s after the first byte,
#                       and for 10 s after a further 20 s of load, on a start of its own; then its RSS (only with
#                       WRK=1, the default, and for the rows "plain" and "defaults")
# Every figure is the median of `runs` runs; configurations are measured in turn within each run, so a ratio
# compares runs made under the same load. Backend: Debian's nginx. Wall times on a loaded machine are noise; the
# CPU column is steadier.
#
# Usage: bench/startup.sh [runs=5] [configs...]   configs default to all of: plain defaults no-cds g1 no-xms
#        xss512k codecache64 arenas (and late-bind: sockets bound when the server is built, as before
#        early binding; no-trim newratio2 logback-xml c1: the footprint A/Bs); WRK=0 skips the wrk columns,
#        WRK=all measures them for every config.
set -euo pipefail
runs="${1:-5}"; shift || true
configs=("$@"); [ ${#configs[@]} -gt 0 ] || configs=(plain defaults no-cds g1 no-xms xss512k codecache64 arenas)
root="$(cd "$(dirname "$0")/.." && pwd)"
WRK="${WRK:-1}"
work="$(mktemp -d /tmp/tuns-startup.XXXXXX)"; chmod 755 "$work"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  nginx -p "$work/nginx" -c backend.conf -s stop 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
for t in nginx wrk curl ssh ssh-keygen; do command -v "$t" >/dev/null || { echo "bench: needs $t" >&2; exit 1; }; done
[ -f "$root/server/target/tuns-server.jar" ] || (cd "$root" && mvn -q -B -DskipTests package)
# A copy of the install (ops/install.sh's layout): a rebuild of the checkout during the run changes nothing here.
mkdir -p "$work/opt/bin" "$work/opt/server/target/lib"
cp -p "$root/bin/tuns" "$work/opt/bin/"; cp -p "$root/server/target/tuns-server.jar" "$work/opt/server/target/"
cp -p "$root"/server/target/lib/*.jar "$work/opt/server/target/lib/"
tuns="$work/opt/bin/tuns"

mkdir -p "$work/nginx/logs" "$work/www" "$work/keys" "$work/pubkeys" "$work/cds"
head -c 1024 /dev/urandom > "$work/www/small"; chmod -R a+rX "$work/www"
be=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
cat > "$work/nginx/backend.conf" <<CONF
worker_processes 1; pid $work/nginx/backend.pid; error_log $work/nginx/logs/backend.log;
events { worker_connections 1024; }
http { access_log off; keepalive_requests 1000000; client_body_temp_path $work/nginx/b; proxy_temp_path $work/nginx/p;
  fastcgi_temp_path $work/nginx/f; uwsgi_temp_path $work/nginx/u; scgi_temp_path $work/nginx/s;
  server { listen 127.0.0.1:$be; root $work/www; } }
CONF
nginx -p "$work/nginx" -c backend.conf
ssh-keygen -q -t ed25519 -N '' -f "$work/client" >/dev/null
echo '{}' > "$work/none.yml"
# The logging configuration tuns had in logback.xml before LogConfigurator (config logback-xml).
cat > "$work/logback.xml" <<'XML'
<configuration>
  <appender name="STDERR" class="ch.qos.logback.core.ConsoleAppender">
    <target>System.err</target>
    <encoder><pattern>%d{yyyy-MM-dd'T'HH:mm:ss.SSSXXX,UTC} %-5level %logger{0} %msg%n</pattern></encoder>
  </appender>
  <logger name="org.apache.sshd" level="ERROR"/>
  <logger name="io.netty" level="WARN"/>
  <root level="INFO"><appender-ref ref="STDERR"/></root>
</configuration>
XML

# config name → environment for bin/tuns. "plain" is java -jar with the JVM's own defaults; "defaults" is bin/tuns as
# shipped; "no-cds" is bin/tuns without the archive, and each A/B row after it changes one launcher choice
# (undoes a kept one, or adds one that was tried and not kept) with the archive off too: compare with "no-cds".
config_env() {
  case "$1" in
    plain)        echo "TUNS_JVM_DEFAULTS=off" ;;
    defaults)     echo "" ;;
    late-bind)    echo "" ;;  # defaults, listen addresses from the config file: bound when the server is built
    no-cds)       echo "TUNS_CDS=off" ;;
    g1)           echo "TUNS_CDS=off JAVA_OPTS=-XX:+UseG1GC" ;;
    no-xms)       echo "TUNS_CDS=off JAVA_OPTS=-XX:InitialRAMPercentage=1.5625" ;;   # the JVM's default initial heap
    xss512k)      echo "TUNS_CDS=off JAVA_OPTS=-Xss512k" ;;                          # tried, not kept
    codecache64)  echo "TUNS_CDS=off JAVA_OPTS=-XX:ReservedCodeCacheSize=64m" ;;       # tried, not kept
    arenas)       echo "TUNS_CDS=off MALLOC_ARENA_MAX=$(( 8 * $(nproc) ))" ;;      # glibc's default arena count
    no-trim)      echo "TUNS_CDS=off JAVA_OPTS=-XX:TrimNativeHeapInterval=0" ;;      # C heap not trimmed
    newratio2)    echo "TUNS_CDS=off JAVA_OPTS=-XX:NewRatio=2" ;;                    # the JVM's young gen, ⅓
    logback-xml)  echo "TUNS_CDS=off JAVA_OPTS=-Dlogback.configurationFile=$work/logback.xml" ;; # as before
    c1)           echo "TUNS_CDS=off JAVA_OPTS=-XX:TieredStopAtLevel=1" ;;           # tried, not kept
    *) echo "bench: unknown config $1" >&2; exit 2 ;;
  esac
}
ms() { echo $(( $(date +%s%N) / 1000000 )); }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
cpu_ms() { awk '{c=$0; sub(/^[^)]*\) /,"",c); split(c,f," "); print (f[12]+f[13])*10}' "/proc/$1/stat"; }
rss_mib() { awk '/^VmRSS:/ {print int($2/1024)}' "/proc/$1/status"; }
tunnel() { # name ssh-port → pid of an ssh -R client
  ssh -q -N -o BatchMode=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o ExitOnForwardFailure=yes \
    -i "$work/client" -p "$2" -R "$1:80:127.0.0.1:$be" 127.0.0.1 </dev/null >/dev/null 2>&1 & echo $!
}
reach() { # name ssh-port http-port → pid of an ssh -R client whose tunnel has answered a request
  local pid end=$(( $(ms) + 120000 ))
  pid=$(tunnel "$1" "$2")
  until curl -s -o /dev/null -f -H "Host: $1.localhost" "http://127.0.0.1:$3/small"; do
    kill -0 "$pid" 2>/dev/null || pid=$(tunnel "$1" "$2") # under load an ssh client can give up: start another
    [ "$(ms)" -lt "$end" ] || { echo "bench: tunnel $1 did not answer within 120 s" >&2; exit 1; }
    sleep 0.005
  done
  echo "$pid"
}
wrk_run() { # host port seconds → "rps p99ms"
  wrk -t1 -c16 -d"$3"s --latency -H "Host: $1" "http://127.0.0.1:$2/small" 2>/dev/null | awk '
    /Requests\/sec/ {r=$2} /^ +99%/ {v=$2; if (v ~ /us$/) {sub(/us/,"",v); v/=1000} else if (v ~ /ms$/) {sub(/ms/,"",v)}
    else if (v ~ /s$/) {sub(/s/,"",v); v*=1000}; p=v} END {printf "%d %.1f\n", r, p}'
}

# one start: "idle" prints "listen_ms cpu_ms firstbyte_ms rss_mib" (RSS 10 s after two tunnels answered);
# "load" prints "cold_rps cold_p99 warm_rps warm_p99 rss_after_load_mib" (wrk from the first proxied byte on)
measure() {
  local cfg="$1" mode="$2" log="$work/tuns.log" t0 p listen cpu first serving ssh_port http_port s1 s2="" out
  rm -rf "$work/keys"; cp -r "$work/keys0" "$work/keys"; : > "$log"
  ssh_port=$(free_port); http_port=$(free_port)
  t0=$(ms)
  local listen_args=(--ssh-address=127.0.0.1:$ssh_port --http-address=127.0.0.1:$http_port --config="$work/none.yml")
  if [ "$cfg" = late-bind ]; then # addresses in the config file: main cannot bind them before parsing it
    printf 'ssh-address: "127.0.0.1:%s"\nhttp-address: "127.0.0.1:%s"\n' "$ssh_port" "$http_port" > "$work/late.yml"
    listen_args=(--config="$work/late.yml")
  fi
  env $(config_env "$cfg") TUNS_CDS_DIR="$work/cds" "$tuns" serve "${listen_args[@]}" \
    --private-keys-directory="$work/keys" --authentication-keys-directory="$work/pubkeys" >"$log" 2>&1 & p=$!
  until (exec 3<>"/dev/tcp/127.0.0.1/$ssh_port") 2>/dev/null; do
    kill -0 $p 2>/dev/null || { cat "$log" >&2; exit 1; }; sleep 0.005
  done
  listen=$(( $(ms) - t0 )); cpu=$(cpu_ms $p)
  s1=$(reach a "$ssh_port" "$http_port")
  first=$(( $(ms) - t0 ))
  until grep -q "tuns: serving" "$log"; do sleep 0.005; done
  local cpu_serving; cpu_serving=$(cpu_ms $p)
  serving=$(( $(date -d "$(grep -m1 'event=started' "$log" | cut -d' ' -f1)" +%s%3N) - t0 ))
  if [ "$mode" = load ]; then
    local cold warm
    cold=$(wrk_run a.localhost "$http_port" 10)
    wrk_run a.localhost "$http_port" 20 >/dev/null
    warm=$(wrk_run a.localhost "$http_port" 10)
    out="$cold $warm $(rss_mib $p)"
  else
    s2=$(reach b "$ssh_port" "$http_port")
    sleep 10
    out="$listen $cpu $first $(rss_mib $p) $serving $cpu_serving"
  fi
  kill $s1 $s2 2>/dev/null; kill $p; wait $p 2>/dev/null || true; wait $s1 $s2 2>/dev/null || true
  echo "$out"
}

# The host key is generated once (a real server decrypts an existing one at start) and the archive trained once.
TUNS_CDS_DIR="$work/cds" TUNS_JVM_DEFAULTS=off java -jar "$work/opt/server/target/tuns-server.jar" \
  --ssh-address=127.0.0.1:0 --http-address=127.0.0.1:0 --private-keys-directory="$work/keys0" \
  --authentication-keys-directory="$work/pubkeys" --config="$work/none.yml" >"$work/gen.log" 2>&1 & g=$!
until grep -q "tuns: serving" "$work/gen.log"; do sleep 0.1; done; kill $g; wait $g 2>/dev/null || true
measure defaults idle >/dev/null   # starts the training run in the background
for _ in $(seq 600); do ls "$work"/cds/*.jsa >/dev/null 2>&1 && ! ls "$work"/cds/*.training >/dev/null 2>&1 && break; sleep 0.5; done
ls "$work"/cds/*.jsa >/dev/null 2>&1 || { echo "bench: no CDS archive was trained" >&2; exit 1; }

declare -A rows loads
load_start=$(cut -d' ' -f1-3 /proc/loadavg)
for r in $(seq "$runs"); do
  for c in "${configs[@]}"; do
    m=$(measure "$c" idle); rows[$c]+="$m;"; echo "run $r $c: $m" >&2
    if [ "$WRK" = all ] || { [ "$WRK" = 1 ] && { [ "$c" = plain ] || [ "$c" = defaults ]; }; }; then
      m=$(measure "$c" load); loads[$c]+="$m;"; echo "run $r $c under load: $m" >&2
    fi
  done
done
load_end=$(cut -d' ' -f1-3 /proc/loadavg)

median_col() { # "a b c;a b c;..." column → median
  tr ';' '\n' <<<"$1" | awk -v c="$2" 'NF >= c {print $c}' | sort -n | awk '{a[NR]=$1}
    END {if (!NR) print "-"; else if (NR % 2) print a[(NR+1)/2]; else print (a[NR/2] + a[NR/2+1]) / 2}'
}
echo "bench/startup.sh $runs ${configs[*]} (WRK=$WRK) on $(nproc) cores, $(java -version 2>&1 | head -1)"
echo "load average at start: $load_start; at end: $load_end"
echo
echo "| config | listen ms | CPU ms | 1st byte ms | RSS 2 tunnels MiB | serving ms | CPU ms at 1st byte | cold rps | cold p99 ms | warm rps | warm p99 ms | RSS after load MiB |"
echo "|---|---|---|---|---|---|---|---|---|---|---|---|"
for c in "${configs[@]}"; do
  line="| $c"
  for col in 1 2 3 4 5 6; do line+=" | $(median_col "${rows[$c]}" $col)"; done
  for col in 1 2 3 4 5; do line+=" | $(median_col "${loads[$c]:-}" $col)"; done
  echo "$line |"
done
