#!/usr/bin/env bash
# Installs tuns and/or its alert bot as ops/README.md describes, from a built checkout
# (`mvn -B -DskipTests package` first):
#
#   sudo ops/install.sh alertbot            # on the monitoring host
#   sudo ops/install.sh tuns                # on the tunnel VM
#   ops/install.sh --root /tmp/r alertbot   # into a staging root (CI does this; see InstallScriptIT)
#
# Creates the system user, lays out /opt/tuns (bin/tuns + the jar + its lib/ jars, same layout as the
# checkout), installs the systemd unit, and example config and env files (never overwriting existing ones),
# then prints what is left to edit. Idempotent: run it again to upgrade the jars and units.
set -euo pipefail

usage() { echo "usage: ops/install.sh [--root DIR] tuns|alertbot|all" >&2; exit 2; }
root=/
what=
while [ $# -gt 0 ]; do
  case "$1" in
    --root) [ $# -ge 2 ] || usage; root="$2"; shift 2 ;;
    tuns|alertbot|all) what="$1"; shift ;;
    -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
    *) usage ;;
  esac
done
[ -n "$what" ] || usage
src="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
root="${root%/}"
R() { echo "$root$1"; }   # a path inside the target root

if [ "$(id -u)" != 0 ]; then
  echo "ops/install.sh: run as root (it creates users and root-owned files)" >&2; exit 1
fi

components=()
case "$what" in all) components=(tuns alertbot) ;; *) components=("$what") ;; esac

# Check everything before changing anything.
for c in "${components[@]}"; do
  case "$c" in
    tuns) jar="$src/server/target/tuns-server.jar"; lib="$src/server/target/lib" ;;
    alertbot) jar="$src/alertbot/target/tuns-alertbot.jar"; lib="$src/alertbot/target/lib" ;;
  esac
  if [ ! -f "$jar" ] || [ ! -d "$lib" ]; then
    echo "ops/install.sh: $jar or $lib missing; build first: (cd $src && mvn -B -DskipTests package)" >&2
    exit 1
  fi
done

# useradd --prefix edits <root>/etc/passwd without chroot (shadow >= 4.9, Debian 12 has 4.13).
prefix=()
[ "$root" = "" ] || prefix=(--prefix "$root")
ensure_user() {
  local name="$1" home="$2"
  if grep -q "^$name:" "$(R /etc/passwd)" 2>/dev/null; then
    echo "  user $name exists"
  else
    useradd "${prefix[@]}" --system --user-group --home-dir "$home" --no-create-home \
      --shell /usr/sbin/nologin --comment "$name service" "$name"
    echo "  created system user $name"
  fi
}
gid_of() { awk -F: -v g="$1" '$1==g {print $3}' "$(R /etc/group)"; }

install -d -m 0755 "$(R /opt/tuns/bin)" "$(R /opt/tuns/ops)" "$(R /etc/systemd/system)"
install -d -m 0750 "$(R /etc/tuns)"
install -m 0755 "$src/bin/tuns" "$(R /opt/tuns/bin/tuns)"
install -m 0644 "$src/ops/README.md" "$(R /opt/tuns/ops/README.md)"
install -m 0644 "$src/README.md" "$(R /opt/tuns/README.md)"

todo=()
# Copies an example unless the deployer's file exists; mode and group as given.
example() {
  local from="$1" to="$2" mode="$3" group="$4"
  if [ -e "$(R "$to")" ]; then
    echo "  kept existing $to"
  else
    install -m "$mode" -g "$(gid_of "$group")" "$src/ops/examples/$from" "$(R "$to")"
    echo "  wrote $to (example)"
    todo+=("$to")
  fi
}

for c in "${components[@]}"; do
  echo "installing $c into ${root:-/}"
  case "$c" in
    tuns)
      ensure_user tuns /var/lib/tuns
      rm -rf "$(R /opt/tuns/server/target/lib)"
      install -d -m 0755 "$(R /opt/tuns/server/target/lib)"
      install -m 0644 "$src/server/target/tuns-server.jar" "$(R /opt/tuns/server/target/)"
      install -m 0644 "$src"/server/target/lib/*.jar "$(R /opt/tuns/server/target/lib/)"
      install -m 0644 "$src/ops/systemd/tuns.service" "$(R /etc/systemd/system/tuns.service)"
      example tuns.yml /etc/tuns/config.yml 0640 tuns
      example tuns.env /etc/tuns/tuns.env 0600 root
      ;;
    alertbot)
      ensure_user tuns-alertbot /var/lib/tuns-alertbot
      rm -rf "$(R /opt/tuns/alertbot/target/lib)"
      install -d -m 0755 "$(R /opt/tuns/alertbot/target/lib)" "$(R /opt/tuns/alertbot)"
      install -m 0644 "$src/alertbot/target/tuns-alertbot.jar" "$(R /opt/tuns/alertbot/target/)"
      install -m 0644 "$src"/alertbot/target/lib/*.jar "$(R /opt/tuns/alertbot/target/lib/)"
      install -m 0644 "$src/alertbot/README.md" "$(R /opt/tuns/alertbot/README.md)"
      install -m 0644 "$src/ops/systemd/tuns-alertbot.service" "$(R /etc/systemd/system/tuns-alertbot.service)"
      example alertbot.yml /etc/tuns/alertbot.yml 0640 tuns-alertbot
      example alertbot.env /etc/tuns/alertbot.env 0600 root
      ;;
  esac
done
# /etc/tuns is readable by both services' groups through the files' own groups.
chmod 0755 "$(R /etc/tuns)"

echo
if [ ${#todo[@]} -gt 0 ]; then
  echo "Left to edit (lines marked EDIT, empty secrets):"
  for f in "${todo[@]}"; do echo "  $f"; done
else
  echo "Nothing new to edit: existing config files were kept."
fi
units=()
for c in "${components[@]}"; do
  case "$c" in tuns) units+=(tuns.service) ;; alertbot) units+=(tuns-alertbot.service) ;; esac
done
command -v java >/dev/null 2>&1 || echo "Java 17 is needed: apt install openjdk-17-jre-headless"
echo "Then: systemctl daemon-reload && systemctl enable --now ${units[*]}"
echo "Check: /opt/tuns/bin/tuns alertbot --config /etc/tuns/alertbot.yml --check-config (see ops/README.md)"
