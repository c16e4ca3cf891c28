#!/usr/bin/env bash
# Upload throughput through one tuns HTTPS tunnel: curl --http2 vs --http1.1 sending the same file (PUT) to a
# Python sink behind `ssh -R`, which reads the whole body before it answers. Per run: MB/s and the tuns JVM's CPU
# seconds per GiB uploaded (utime+stime from /proc, so it means something on a busy machine too).
# One warm-up upload per protocol first, then runs interleaved.
# Usage: bench/h2-upload.sh [runs=3] [MiB=256]   Prints one line per run and the medians (PROTOS=http2 for one).
set -euo pipefail
runs="${1:-3}"
mib="${2:-256}"
root="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d /tmp/tuns-h2up.XXXXXX)"
backend_port=18680; ssh_port=12622; http_port=18681; https_port=18682
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT
for tool in curl ssh ssh-keygen openssl python3; do command -v "$tool" >/dev/null || { echo "bench: $tool missing" >&2; exit 2; }; done
[ -f "$root/server/target/tuns-server.jar" ] || (cd "$root" && mvn -q -B -DskipTests package)

python3 "$root/bench/upload-sink.py" $backend_port & pids+=($!)
head -c $((mib * 1048576)) /dev/urandom > "$work/body"
mkdir -p "$work/pubkeys" "$work/certs"
ssh-keygen -q -t ed25519 -N '' -f "$work/key"
cp "$work/key.pub" "$work/pubkeys/"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj /CN=up.localhost \
  -addext subjectAltName=DNS:up.localhost -keyout "$work/certs/up.localhost.key" -out "$work/up.crt" 2>/dev/null
mv "$work/up.crt" "$work/certs/up.localhost.crt"
echo '{}' > "$work/none.yml"
JAVA_OPTS="${JAVA_OPTS:--Xmx512m}" "$root/bin/tuns" serve --ssh-address=127.0.0.1:$ssh_port \
  --http-address=127.0.0.1:$http_port --https --https-address=127.0.0.1:$https_port \
  --https-certificate-directory="$work/certs" --authentication-keys-directory="$work/pubkeys" \
  --private-keys-directory="$work/hostkeys" --config="$work/none.yml" 2>"$work/tuns.log" &
pids+=($!)
for _ in $(seq 150); do grep -q "tuns: serving" "$work/tuns.log" 2>/dev/null && break; sleep 0.2; done
tuns_pid=$(pgrep -f -- "java.*--ssh-address=127.0.0.1:$ssh_port" | head -1)
[ -n "$tuns_pid" ] && grep -q "tuns: serving" "$work/tuns.log" || { echo "bench: tuns did not start (ports taken?)" >&2; cat "$work/tuns.log" >&2; exit 1; }
ssh -p $ssh_port -i "$work/key" -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR \
  -N -R up:80:127.0.0.1:$backend_port 127.0.0.1 & pids+=($!)
url="https://up.localhost:$https_port/sink"
for _ in $(seq 100); do [ "$(curl -sk --resolve up.localhost:$https_port:127.0.0.1 -o /dev/null -w '%{http_code}' -T /dev/null "$url")" = 200 ] && break; sleep 0.1; done

cpu() { awk '{print $14 + $15}' /proc/"$tuns_pid"/stat; }
tck=$(getconf CLK_TCK)
median() { sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
up() { # proto -> "MB/s CPU-s/GiB", or fails
  local c0 c1 out
  c0=$(cpu)
  out=$(curl -sk --$1 --resolve up.localhost:$https_port:127.0.0.1 -T "$work/body" \
    -w ' %{http_code} %{speed_upload} %{time_total}' "$url")
  c1=$(cpu)
  set -- $out
  [ "$1" = $((mib * 1048576)) ] && [ "$2" = 200 ] || { echo "bench: upload failed after ${4:-?}s: $out" >&2; return 1; }
  awk -v s="$3" -v d=$((c1 - c0)) -v t="$tck" -v m="$mib" 'BEGIN {printf "%.1f %.2f\n", s / 1e6, d / t / (m / 1024)}'
}
protos="${PROTOS:-http2 http1.1}"
for proto in $protos; do up $proto >/dev/null; done # warm-up: the JIT's first compilations are not the upload's cost
for i in $(seq "$runs"); do
  for proto in $protos; do # interleaved, so a change in the machine's load falls on both
    r=$(up $proto)
    echo "$proto run $i: ${r% *} MB/s, tuns CPU ${r#* } s/GiB, load $(cut -d' ' -f1 /proc/loadavg)"
    echo "$r" >> "$work/$proto"
  done
done
for proto in $protos; do
  echo "$proto median of $runs: $(awk '{print $1}' "$work/$proto" | median) MB/s, $(awk '{print $2}' "$work/$proto" | median) s/GiB"
done
