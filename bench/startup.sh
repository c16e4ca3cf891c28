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
#        early binding; no-trim newratio2 logback-xml c1: the footprint A/Bs; jdk25-cds jdk25-aot jdk25-coh
#        jdk25-no-cds: bin/tuns on the java of JDK25 (default /usr/lib/jvm/temurin-25-jdk-amd64/bin/java) with the
#        CDS archive, the AOT cache (its default there), the AOT cache and compact object headers, neither);
#        WRK=0 skips the wrk columns, WRK=all measures them for every config.
set -euo pipefail
runs="${1:-5}"; shift || true
configs=("$@"); [ ${#configs[@]} -gt 0 ] || configs=(plain defaults no-cds g1 no-xms xss512k codecache64 arenas)
root="$(cd "$(dirname "$0")/.." && pwd)"
WRK="${WRK:-1}"
jdk25="${JDK25:-/usr/lib/jvm/temurin-25-jdk-amd64/bin/java}"
. "$root/bench/lib/common.sh"
bench_setup tuns-startup nginx wrk curl ssh ssh-keygen
# A copy of the install (ops/install.sh's layout): a rebuild of the checkout during the run changes nothing here.
mkdir -p "$work/opt/bin" "$work/opt/server/target/lib"
cp -p "$root/bin/tuns" "$work/opt/bin/"; cp -p "$root/server/target/tuns-server.jar" "$work/opt/server/target/"
cp -p "$root"/server/target/lib/*.jar "$work/opt/server/target/lib/"
tuns="$work/opt/bin/tuns"
backend_nginx
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
    jdk25-cds)    echo "JAVA=$jdk25 TUNS_CDS=cds" ;;                                   # JDK 17's archive kind
    jdk25-aot)    echo "JAVA=$jdk25" ;;                                                # AOT cache
    jdk25-coh)    echo "JAVA=$jdk25 JAVA_OPTS=-XX:+UseCompactObjectHeaders" ;;          # AOT cache + JEP 519
    jdk25-no-cds) echo "JAVA=$jdk25 TUNS_CDS=off" ;;
    *) echo "bench: unknown config $1" >&2; exit 2 ;;
  esac
}
# one start: "idle" prints "listen_ms cpu_ms firstbyte_ms rss_mib" (RSS 10 s after two tunnels answered);
# "load" prints "cold_rps cold_p99 warm_rps warm_p99 rss_after_load_mib" (wrk from the first proxied byte on)
measure() {
  local cfg="$1" mode="$2" s2="" out serving cpu_serving late=()
  [ "$cfg" != late-bind ] || late=(--late) # addresses in the config file: main cannot bind them before parsing it
  # shellcheck disable=SC2046
  cold_start "${late[@]}" $(config_env "$cfg")
  until grep -q "tuns: serving" "$cs_log"; do sleep 0.005; done
  cpu_serving=$(cpu_ms $cs_pid)
  serving=$(( $(date -d "$(grep -m1 'event=started' "$cs_log" | cut -d' ' -f1)" +%s%3N) - cs_t0 ))
  if [ "$mode" = load ]; then
    local cold warm
    cold=$(wrk_window a.localhost "$cs_http" 16 10)
    wrk_window a.localhost "$cs_http" 16 20 >/dev/null
    warm=$(wrk_window a.localhost "$cs_http" 16 10)
    out="$cold $warm $(rss_mib $cs_pid)"
  else
    s2=$(reach b "$cs_ssh" "$cs_http")
    sleep 10
    out="$cs_listen $cs_listen_cpu $cs_first $(rss_mib $cs_pid) $serving $cpu_serving"
  fi
  cold_stop $s2
  echo "$out"
}

for c in "${configs[@]}"; do config_env "$c" >/dev/null; done
# The host key is generated once (a real server decrypts an existing one at start) and the archive trained once.
cold_setup
cds_train $(config_env defaults)
for c in "${configs[@]}"; do [[ "$c" != jdk25-* || "$c" = jdk25-no-cds ]] || cds_train $(config_env "$c"); done

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
