#!/usr/bin/env bash
# Regenerates the console screenshots in docs/ (service console list, detail and replay, admin console; at
# 1400 px and 390 px) with Debian's headless Chromium and chromium-driver, against a real tuns, ssh client and
# backend: it runs ConsoleScreenshotsIT, which is skipped unless TUNS_SCREENSHOTS is set.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
TUNS_SCREENSHOTS="$root/docs" mvn -q -B -pl server -am verify \
  -Dtest=NONE -Dsurefire.failIfNoSpecifiedTests=false \
  -Dit.test=ConsoleScreenshotsIT -Dfailsafe.failIfNoSpecifiedTests=false
ls -l "$root"/docs/*.png
