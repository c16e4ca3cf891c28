#!/usr/bin/env bash
# Bulk throughput and small-request rate through one tuns HTTP tunnel, against the same backend directly.
# Everything on loopback: nginx (Debian nginx-light) is the backend, curl measures bulk, wrk measures rate.
# Usage: bench/tunnel-throughput.sh [runs=5] [wrk-seconds=10]
# Prints a Markdown table of medians and ratios (tunnel / direct), and the tuns JVM's CPU per MiB of bulk download
# (utime+stime from /proc: steadier than MB/s on a loaded machine). TUNS_FLAGS: extra tuns flags, word-split (an A/B
# of a setting, e.g. TUNS_FLAGS=--ssh-ciphers=aes128-ctr).
set -euo pipefail
runs="${1:-5}"
secs="${2:-10}"
root="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d /tmp/tuns-bench.XXXXXX)"
chmod 755 "$work" # nginx workers run unprivileged and must read the files
# PORTS=base: backend base, tuns ssh base-5858, tuns http base+1 (so two benches on one machine do not collide)
base="${PORTS:-18180}"; backend_port=$base; ssh_port=$((base - 5858)); http_port=$((base + 1))
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; nginx -p "$work/nginx" -c nginx.conf -s stop 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

for tool in nginx wrk curl ssh ssh-keygen; do command -v "$tool" >/dev/null || { echo "bench: $tool missing (run .ci/deps)" >&2; exit 2; }; done
[ -f "$root/server/target/tuns-server.jar" ] || (cd "$root" && mvn -q -B -DskipTests package)

# backend: nginx serving a 1 GiB file and a 1 KiB file
mkdir -p "$work/www"
head -c 1073741824 /dev/zero > "$work/www/big"
head -c 1024 /dev/urandom > "$work/www/small"
. "$(dirname "$0")/static-nginx.sh"
start_static_nginx

# tuns with default settings except ports and a key directory
mkdir -p "$work/pubkeys"
ssh-keygen -q -t ed25519 -N '' -f "$work/key"
cp "$work/key.pub" "$work/pubkeys/"
echo '{}' > "$work/none.yml"
JAVA_OPTS="${JAVA_OPTS:--Xmx512m}" "$root/bin/tuns" serve --ssh-address=127.0.0.1:$ssh_port \
  --http-address=127.0.0.1:$http_port --authentication-keys-directory="$work/pubkeys" \
  --private-keys-directory="$work/hostkeys" --config="$work/none.yml" ${TUNS_FLAGS:-} 2>"$work/tuns.log" &
tuns_pid=$!
pids+=("$tuns_pid")
for _ in $(seq 100); do grep -q "tuns: serving" "$work/tuns.log" 2>/dev/null && break; sleep 0.2; done
ssh -p $ssh_port -i "$work/key" -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR \
  -N -R bench:80:127.0.0.1:$backend_port 127.0.0.1 & pids+=($!)
for _ in $(seq 100); do [ "$(curl -s -o /dev/null -w '%{http_code}' -H 'Host: bench.localhost' http://127.0.0.1:$http_port/small)" = 200 ] && break; sleep 0.1; done

median() { sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
tuns_jvm=$(pgrep -f -- "--ssh-address=127.0.0.1:$ssh_port" | head -1)
ticks() { awk '{print $14 + $15}' "/proc/$tuns_jvm/stat"; } # clock ticks (1/100 s) of the tuns JVM
bulk() { # url host -> MB/s
  curl -s -o /dev/null -H "Host: $2" -w '%{speed_download}\n' "$1" | awk '{printf "%.1f\n", $1/1e6}'
}
rate() { # url host conns -> "req/s p99ms"
  wrk -t"$(( $3 < 2 ? 1 : 2 ))" -c"$3" -d"${secs}s" --latency -H "Host: $2" "$1" | awk '
    /Requests\/sec/ {r=$2}
    /^ +99%/ {v=$2; if (v ~ /us$/) {sub(/us/,"",v); v=v/1000} else if (v ~ /ms$/) {sub(/ms/,"",v)} else if (v ~ /s$/) {sub(/s/,"",v); v=v*1000}; p=v}
    END {printf "%.0f %.2f\n", r, p}'
}

bulk "http://127.0.0.1:$http_port/big" bench.localhost >/dev/null # warm-up, not counted: the JVM compiles its hot paths
declare -A res
for name in direct tunnel; do
  if [ $name = direct ]; then base="http://127.0.0.1:$backend_port"; host="127.0.0.1"; else base="http://127.0.0.1:$http_port"; host="bench.localhost"; fi
  cpu=""
  res[$name.bulk]=$(for _ in $(seq "$runs"); do
    t0=$(ticks); bulk "$base/big" "$host"; cpu+="$(( $(ticks) - t0 )) "
    echo "$cpu" > "$work/cpu.$name"; done | median)
  for c in 1 16; do
    out=$(for _ in $(seq "$runs"); do rate "$base/small" "$host" $c; done)
    res[$name.rps$c]=$(echo "$out" | awk '{print $1}' | median)
    res[$name.p99_$c]=$(echo "$out" | awk '{print $2}' | median)
  done
done
cpu_ms_per_mib=$(tr ' ' '\n' < "$work/cpu.tunnel" | grep . | awk '{printf "%.2f\n", $1 * 10 / 1024}' | median)
cipher=$(grep -o 'cipher=[^ ]*' "$work/tuns.log" | head -1)
rss_kb=$(awk '/VmHWM/ {print $2}' /proc/"$tuns_pid"/status 2>/dev/null || echo 0)

ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", (b > 0 ? a / b : 0)}'; }
echo "| figure (median of $runs) | direct to nginx | through tuns | tuns / direct |"
echo "|---|---|---|---|"
echo "| bulk download, 1 GiB, MB/s | ${res[direct.bulk]} | ${res[tunnel.bulk]} | $(ratio "${res[tunnel.bulk]}" "${res[direct.bulk]}") |"
for c in 1 16; do
  echo "| 1 KiB GETs, $c conn, req/s | ${res[direct.rps$c]} | ${res[tunnel.rps$c]} | $(ratio "${res[tunnel.rps$c]}" "${res[direct.rps$c]}") |"
  echo "| 1 KiB GETs, $c conn, p99 ms | ${res[direct.p99_$c]} | ${res[tunnel.p99_$c]} | $(ratio "${res[tunnel.p99_$c]}" "${res[direct.p99_$c]}") |"
done
echo
echo "tuns JVM CPU per MiB of bulk download (utime+stime, median): ${cpu_ms_per_mib} ms; ssh client's ${cipher:-cipher=?};"\
  "load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "tuns peak RSS: $((rss_kb / 1024)) MiB (JAVA_OPTS=${JAVA_OPTS:--Xmx512m})"
