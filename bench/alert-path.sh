#!/usr/bin/env bash
# The alert path end to end, deployed as written (issue 19's scenario table), with the SHIPPED DEFAULTS for every
# timer: Debian's ngircd and ZNC (TLS), the bot started from ops/examples/alertbot.yml (only hosts, ports and
# credentials substituted), Debian's Prometheus and Alertmanager from ops/prometheus and ops/alertmanager (targets
# and the secrets prefix substituted, Alertmanager started from /), a real SMTP server (bench/peers/smtp_sink.py,
# Python's smtpd) and a second IRC client in the channel. Kills, hangs (SIGSTOP) and restarts the bouncer and
# prints one PASS/FAIL row per scenario with the measured times; writes them to bench/results/alert-path.md.
#
# Usage: bench/alert-path.sh        (build first: mvn -B -DskipTests package; takes about 10 minutes)
# Not in CI: its timers are production-length on purpose. The same behaviours are tested with short timers in
# alertbot's ITs (AlertBotIT, AlertmanagerMailIT, OutgoingPingIT).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
jar="$root/alertbot/target/tuns-alertbot.jar"
[ -f "$jar" ] || { echo "build first: (cd $root && mvn -B -DskipTests package)" >&2; exit 1; }
py=/usr/bin/python3
work="$(mktemp -d /tmp/tuns-alertpath.XXXXXX)"; chmod 777 "$work"
irc=16667 znc=16697 smtp=12525 bot=19095 am=19093 prom=19090
pw="bench-znc-password"
declare -A pid
rows=()
cleanup() {
  for p in "${pid[@]}"; do kill -CONT "$p" 2>/dev/null || true; kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap cleanup EXIT
now() { date +%s%3N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", (b - a) / 1000 }'; }
row() { rows+=("| $1 | $2 | $3 |"); printf '%-60s %-5s %s\n' "$1" "$2" "$3"; }
# wait_for SECONDS CMD...: polls CMD every 0.5 s; 0 if it succeeded in time.
wait_for() { local t=$(( $(date +%s) + $1 )); shift; until "$@" >/dev/null 2>&1; do [ "$(date +%s)" -lt "$t" ] || return 1; sleep 0.5; done; }
mail_after() { awk -F'\t' -v t="$1" -v re="$2" '$1 >= t && $3 ~ re { print; exit }' "$work/mail/index.tsv" 2>/dev/null | grep -q .; }
mail_line() { awk -F'\t' -v t="$1" -v re="$2" '$1 >= t && $3 ~ re { print; exit }' "$work/mail/index.tsv"; }
irc_after() { awk -v t="$1" -v re="$2" '$1 >= t && $0 ~ re { print; exit }' "$work/watch.log" | grep -q .; }
status() { curl -sf "http://127.0.0.1:$bot/status"; }
as_nobody=(); [ "$(id -u)" = 0 ] && as_nobody=(setpriv --reuid=65534 --regid=65534 --clear-groups)

# --- servers -------------------------------------------------------------------------------------------------
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$work/key.pem" -out "$work/ca.pem" -subj /CN=localhost \
  -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" -days 2 2>/dev/null
mkdir -p "$work/znc/configs"; cat "$work/key.pem" "$work/ca.pem" > "$work/znc/znc.pem"
cat > "$work/ngircd.conf" <<CONF
[Global]
Name = irc.bench
Info = tuns alert path bench
Listen = 127.0.0.1
Ports = $irc
MotdPhrase = hello
PidFile = $work/ngircd.pid
[Limits]
PingTimeout = 120
PongTimeout = 20
[Options]
PAM = no
Ident = no
DNS = no
CONF
cat > "$work/znc/configs/znc.conf" <<CONF
Version = 1.8.2
<Listener l>
  Port = $znc
  IPv4 = true
  IPv6 = false
  SSL = true
  Host = 127.0.0.1
</Listener>
<User alertbot>
  <Pass password>
    Method = plain
    Hash = $pw
  </Pass>
  Nick = opsbot
  AltNick = opsbot_
  Ident = opsbot
  RealName = opsbot
  Admin = true
  <Network local>
    Server = 127.0.0.1 $irc
    <Chan #ops>
    </Chan>
  </Network>
</User>
CONF
chmod -R a+rwX "$work"
/usr/sbin/ngircd --nodaemon --config "$work/ngircd.conf" > "$work/ngircd.log" 2>&1 & pid[ngircd]=$!
start_znc() { "${as_nobody[@]}" znc --datadir "$work/znc" --foreground >> "$work/znc.log" 2>&1 & pid[znc]=$!; }
start_znc
$py "$root/bench/peers/smtp_sink.py" "$smtp" "$work/mail" > "$work/smtp.log" 2>&1 & pid[smtp]=$!
sleep 1
$py "$root/bench/peers/irc_watch.py" "$irc" watcher '#ops' "$work/watch.log" & pid[watch]=$!

# Alertmanager and Prometheus, shipped configs, targets and the secrets prefix substituted.
mkdir -p "$work/etc/secrets" "$work/etc/rules"
printf '%s' unused > "$work/etc/secrets/smtp-password"; echo dummy > "$work/etc/secrets/tuns-admin-token"
sed -e "s#/etc/prometheus/#$work/etc/#" -e "s#smtp.example.com:587#127.0.0.1:$smtp#" \
    -e "s#smtp_require_tls: true#smtp_require_tls: false#" -e "s#127.0.0.1:9095#127.0.0.1:$bot#" \
    "$root/ops/alertmanager/alertmanager.yml" > "$work/etc/alertmanager.yml"
(cd / && exec prometheus-alertmanager --config.file="$work/etc/alertmanager.yml" --storage.path="$work/am" \
   --web.listen-address=127.0.0.1:$am --cluster.listen-address= > "$work/alertmanager.log" 2>&1) & pid[am]=$!
cp "$root"/ops/prometheus/rules/*.yml "$work/etc/rules/"
sed -e "s#127.0.0.1:9095#127.0.0.1:$bot#" -e "s#127.0.0.1:9093#127.0.0.1:$am#" -e "s#127.0.0.1:9090#127.0.0.1:$prom#" \
    -e "s#scrape_interval: 30s#scrape_interval: 30s#" "$root/ops/prometheus/prometheus.yml" > "$work/etc/prometheus.yml"
prometheus --config.file="$work/etc/prometheus.yml" --storage.tsdb.path="$work/prom" \
  --web.listen-address=127.0.0.1:$prom > "$work/prometheus.log" 2>&1 & pid[prom]=$!

# The bot, from the shipped example: only where things are and the credentials differ.
mkdir -p "$work/state"
sed -e "s#bouncer.example.org#127.0.0.1#" -e "s#port: 6697#port: $znc\n  trust-ca-file: $work/ca.pem#" \
    -e "s#user: ops #user: alertbot #" -e "s#network: libera#network: local#" \
    -e "s#smtp.example.org#127.0.0.1#" -e "s#port: 587#port: $smtp#" -e "s#security: starttls#security: plain#" \
    -e "/username: alertbot@example.org/d" -e "/password-env: ALERTBOT_SMTP_PASSWORD/d" \
    -e "s#/var/lib/tuns-alertbot#$work/state#" -e "s#127.0.0.1:9095#127.0.0.1:$bot#" \
    "$root/ops/examples/alertbot.yml" > "$work/alertbot.yml"
start_bot() { ALERTBOT_IRC_PASSWORD="$pw" java -Xmx128m -jar "$jar" --config "$work/alertbot.yml" >> "$work/bot.log" 2>&1 & pid[bot]=$!; }
ALERTBOT_IRC_PASSWORD="$pw" java -jar "$jar" --config "$work/alertbot.yml" --check-config
start_bot

echo "work dir: $work"
echo
# --- scenarios -----------------------------------------------------------------------------------------------
t0=$(now)
if wait_for 60 sh -c "curl -sf http://127.0.0.1:$bot/status | grep -q '\"ircUp\" : true'"; then
  row "bot joins the channel through ZNC (TLS, hostname checked)" PASS "$(secs "$t0" "$(now)") s"
else row "bot joins the channel through ZNC (TLS, hostname checked)" FAIL "not up in 60 s"; fi

t=$(now)
curl -sf -XPOST -H 'Content-Type: application/json' "http://127.0.0.1:$am/api/v2/alerts" -d \
  '[{"labels":{"alertname":"BenchDiskFull","severity":"warning","instance":"tuns-1:9100"},"annotations":{"summary":"disk 97% full"}}]' >/dev/null
if wait_for 90 irc_after "$t" "BenchDiskFull"; then
  row "alert via Alertmanager → bot → IRC channel" PASS "$(secs "$t" "$(now)") s (group_wait 30 s)"
else row "alert via Alertmanager → bot → IRC channel" FAIL "not in the channel in 90 s"; fi

t=$(now)
curl -sf -XPOST -H 'Content-Type: application/json' "http://127.0.0.1:$am/api/v2/alerts" -d \
  '[{"labels":{"alertname":"TunsAlertbotDown","severity":"critical","job":"tuns-alertbot"},"annotations":{"summary":"bench"}}]' >/dev/null
if wait_for 90 mail_after "$t" "TunsAlertbotDown"; then
  row "Alertmanager's own e-mail route (started from /)" PASS "$(secs "$t" "$(now)") s"
else row "Alertmanager's own e-mail route (started from /)" FAIL "no mail in 90 s; see $work/alertmanager.log"; fi

if wait_for 120 sh -c "curl -sf http://127.0.0.1:$bot/status | grep -q '\"everSeen\" : true'" \
   && wait_for 60 sh -c "curl -sf 'http://127.0.0.1:$prom/api/v1/query?query=tuns_alertbot_bouncer_up' | grep -q '\"1\"'"; then
  row "Prometheus scrapes the bot; Watchdog reaches the bot" PASS "bouncer_up=1, heartbeat seen"
else row "Prometheus scrapes the bot; Watchdog reaches the bot" FAIL "$(status | tr -d '\n' | cut -c1-200)"; fi

# Kill: the VM died.
sleep 5
t=$(now); kill -9 "${pid[znc]}"; wait "${pid[znc]}" 2>/dev/null || true
if wait_for 150 mail_after "$t" '^\[DOWN\]'; then
  d=$(mail_line "$t" '^\[DOWN\]'); dt=$(secs "$t" "${d%%$'\t'*}")
  verdict=$(awk -v s="$dt" 'BEGIN { print (s <= 120 ? "PASS" : "FAIL") }')
  row "ZNC killed → DOWN mail ≤ 2 min" "$verdict" "$dt s: $(echo "$d" | cut -f3)"
else row "ZNC killed → DOWN mail ≤ 2 min" FAIL "no DOWN mail in 150 s"; fi

t=$(now)
curl -sf -XPOST -H 'Content-Type: application/json' "http://127.0.0.1:$bot/alertmanager" -d \
  '{"version":"4","status":"firing","receiver":"alertbot","groupLabels":{},"commonLabels":{},"commonAnnotations":{},"externalURL":"","alerts":[{"status":"firing","labels":{"alertname":"BenchWhileDown","severity":"warning"},"annotations":{"summary":"sent while IRC is down"},"startsAt":"2026-01-01T00:00:00Z"}]}' >/dev/null
if wait_for 30 mail_after "$t" "BenchWhileDown"; then row "alert while IRC is down → e-mail" PASS "$(secs "$t" "$(now)") s"
else row "alert while IRC is down → e-mail" FAIL "no mail in 30 s"; fi

start_znc; up_at=$(now)
if wait_for 300 mail_after "$up_at" '^\[RECOVERED'; then
  r=$(mail_line "$up_at" '^\[RECOVERED'); n=$(echo "$r" | cut -f4)
  row "ZNC back → one RECOVERED mail with the downtime" PASS "$(grep -m1 'downtime:' "$work/mail/$n.txt" | tr -s ' '), reconnect $(secs "$up_at" "${r%%$'\t'*}") s after ZNC restart"
else row "ZNC back → one RECOVERED mail with the downtime" FAIL "none in 300 s"; fi
if wait_for 30 irc_after "$up_at" "went by e-mail only"; then row "IRC back → one line sums up what was mailed" PASS "$(grep -m1 'went by e-mail only' "$work/watch.log" | sed 's/.*:While/While/' | cut -c1-90)"
else row "IRC back → one line sums up what was mailed" FAIL "no summary line"; fi

# Hang: the VM froze (SIGSTOP keeps the sockets open, nothing answers). Let the link be stable first so the
# reconnect backoff has reset (watchdog.stable-after, 2 min).
wait_for 60 sh -c "curl -sf http://127.0.0.1:$bot/status | grep -q '\"ircUp\" : true'" || true
sleep 125
t=$(now); kill -STOP "${pid[znc]}"
if wait_for 150 mail_after "$t" '^\[DOWN\]'; then
  d=$(mail_line "$t" '^\[DOWN\]'); dt=$(secs "$t" "${d%%$'\t'*}"); subj=$(echo "$d" | cut -f3)
  verdict=$(awk -v s="$dt" 'BEGIN { print (s <= 120 ? "PASS" : "FAIL") }'); echo "$subj" | grep -q 'ping timeout' || verdict=FAIL
  row "ZNC hung (SIGSTOP) → DOWN mail ≤ 2 min, cause ping timeout" "$verdict" "$dt s: $subj"
else row "ZNC hung (SIGSTOP) → DOWN mail ≤ 2 min, cause ping timeout" FAIL "no DOWN mail in 150 s"; fi
sleep 60
kill -CONT "${pid[znc]}"; cont=$(now)
if wait_for 360 mail_after "$cont" '^\[RECOVERED'; then
  r=$(mail_line "$cont" '^\[RECOVERED'); n=$(echo "$r" | cut -f4); outage=$(secs "$t" "${r%%$'\t'*}")
  reported=$(grep -m1 'downtime:' "$work/mail/$n.txt" | awk '{print $2}')
  rs=$(echo "$reported" | awk '{ s=0; if (match($0,/[0-9]+h/)) s+=substr($0,RSTART,RLENGTH-1)*3600; if (match($0,/[0-9]+m/)) s+=substr($0,RSTART,RLENGTH-1)*60; if (match($0,/[0-9]+s/)) s+=substr($0,RSTART,RLENGTH-1); print s }')
  verdict=$(awk -v r="$rs" -v o="$outage" 'BEGIN { print (r >= o - 5 && r <= o + 35 ? "PASS" : "FAIL") }')
  row "hang over → RECOVERED downtime counts from the last good line" "$verdict" "reported $reported, measured ${outage} s from SIGSTOP"
else row "hang over → RECOVERED downtime counts from the last good line" FAIL "none in 360 s"; fi

n_down=$(awk -F'\t' '$3 ~ /^\[DOWN\]/' "$work/mail/index.tsv" | wc -l)
n_rec=$(awk -F'\t' '$3 ~ /^\[RECOVERED after/' "$work/mail/index.tsv" | wc -l)
n_silent=$(awk -F'\t' '$3 ~ /^\[SILENT\]/' "$work/mail/index.tsv" | wc -l)
v=FAIL; [ "$n_down" = 2 ] && [ "$n_rec" = 2 ] && [ "$n_silent" = 0 ] && v=PASS
row "exactly one DOWN and one RECOVERED per incident, no false SILENT" "$v" "DOWN $n_down, RECOVERED $n_rec, SILENT $n_silent"

mkdir -p "$root/bench/results"
{
  echo "Alert path, shipped defaults ($(date -u +%Y-%m-%dT%H:%MZ), $(nproc) CPUs, ZNC $(dpkg-query -W -f='${Version}' znc), Alertmanager $(dpkg-query -W -f='${Version}' prometheus-alertmanager)):"
  echo
  echo "| scenario | result | measured |"
  echo "|---|---|---|"
  printf '%s\n' "${rows[@]}"
} > "$root/bench/results/alert-path.md"
echo; echo "written: bench/results/alert-path.md (logs in $work)"
grep -q '| FAIL |' "$root/bench/results/alert-path.md" && exit 1 || exit 0
