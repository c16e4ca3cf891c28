#!/usr/bin/env bash
# HTTP soak (issue 13): mixed browser-like traffic through tuns to a service with a 2 s keep-alive timeout (Debian's
# python3 http.server, HTTP/1.1), one real `ssh -N -R soak:80:…` client, for SECONDS (default 600). Traffic
# (bench/peers/soak_clients.py, WORKERS threads): keep-alive connections idle longer than the service's timeout,
# Upgrade: h2c requests, POST bodies echoed and compared, pipelined pairs, downloads abandoned midway.
# Passes when no request got 503, no client saw an unexpected error, and sish_forwarded_channels_open is 0 within
# 2 s of the end. Prints the status counts and the channel gauge sampled every 10 s.
# SOAK_ONLY=<kind> runs one kind of traffic only (e.g. abandoned_download). Results: BENCHMARKS.md, "HTTP soak".
#
# Usage: bench/http-soak.sh [seconds=600] [workers=32]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SECONDS_TOTAL=${1:-600}
WORKERS=${2:-32}
work=$(mktemp -d /tmp/tuns-soak.XXXXXX)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
ssh_port=$(free_port); http_port=$(free_port); metrics_port=$(free_port)
token=$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')

[ -f "$root/server/target/tuns-server.jar" ] || (cd "$root" && mvn -q -B -DskipTests package)

python3 -u "$root/server/src/test/resources/it/keepalive_service.py" 2 > "$work/service.out" 2>/dev/null & pids+=($!)
for _ in $(seq 50); do grep -q PORT "$work/service.out" 2>/dev/null && break; sleep 0.1; done
service_port=$(awk '/PORT/ {print $2}' "$work/service.out")

mkdir -p "$work/pubkeys"
ssh-keygen -q -t ed25519 -N '' -f "$work/key"; cp "$work/key.pub" "$work/pubkeys/"
echo '{}' > "$work/none.yml"
# MINA's warnings stay visible here (the default config hides them): a session it closes shows why
cat > "$work/logback.xml" <<'XML'
<configuration>
  <appender name="STDERR" class="ch.qos.logback.core.ConsoleAppender">
    <target>System.err</target>
    <encoder><pattern>%d{HH:mm:ss.SSS} %-5level %logger{0} %msg%n</pattern></encoder>
  </appender>
  <logger name="org.apache.sshd" level="WARN"/>
  <root level="INFO"><appender-ref ref="STDERR"/></root>
</configuration>
XML
JAVA_OPTS="${JAVA_OPTS:-} -Dlogback.configurationFile=$work/logback.xml" "$root/bin/tuns" serve --ssh-address=127.0.0.1:$ssh_port --http-address=127.0.0.1:$http_port --domain=localhost \
  --authentication-keys-directory="$work/pubkeys" --private-keys-directory="$work/hostkeys" \
  --metrics-address=127.0.0.1:$metrics_port --admin-console-token="$token" --config="$work/none.yml" \
  > "$work/tuns.log" 2>&1 & pids+=($!)
for _ in $(seq 150); do grep -q "tuns: serving" "$work/tuns.log" 2>/dev/null && break; sleep 0.2; done
ssh -i "$work/key" -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel="${SSH_LOG_LEVEL:-ERROR}" \
  -o ExitOnForwardFailure=yes -N -p $ssh_port -R soak:80:127.0.0.1:$service_port 127.0.0.1 & pids+=($!)
for _ in $(seq 100); do
  [ "$(curl -s -o /dev/null -w '%{http_code}' -H 'Host: soak.localhost' "http://127.0.0.1:$http_port/hello")" = 200 ] && break
  sleep 0.1
done

channels() {
  curl -s -H "x-authorization: $token" "http://127.0.0.1:$metrics_port/metrics" |
    awk '/^sish_forwarded_channels_open / {print $2}'
}
( while sleep 10; do echo "soak: $(date +%T) channels open $(channels)"; done ) & pids+=($!)

echo "soak: ${SECONDS_TOTAL}s, $WORKERS workers, service keep-alive timeout 2 s"
set +e
python3 "$root/bench/peers/soak_clients.py" $http_port soak.localhost "$SECONDS_TOTAL" "$WORKERS"
clients=$?
set -e
end=0
for _ in $(seq 20); do end=$(channels); [ "$end" = "0.0" ] && break; sleep 0.1; done
after=$(curl -s -o /dev/null -w '%{http_code} %{time_total}s' -H 'Host: soak.localhost' "http://127.0.0.1:$http_port/hello")
echo "soak: channels open 2 s after the end: $end; a normal request then: $after"
if [ "$clients" != 0 ] || [ "$end" != "0.0" ] || [ "${after%% *}" != 200 ]; then
  cp "$work/tuns.log" /tmp/tuns-soak-failed.log
  echo "soak: FAILED (tuns log kept in /tmp/tuns-soak-failed.log)" >&2
  grep -iE 'exception|error|warn|tunnel_closed' "$work/tuns.log" | cut -c1-300 | head -20 >&2; exit 1
fi
echo "soak: passed"
