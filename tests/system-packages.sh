#!/bin/sh
# System packages the full test suite uses, from Debian's archive:
#   chromium     the browser the end-to-end JupyterLab test drives through Playwright
#   postgresql   a real PostgreSQL server for the JupyterHub gradebook test
#   bubblewrap   the sandbox that cohort grading runs each submission in
# On a machine without apt-get (macOS, Windows) this says so and does nothing; the tests
# that need these packages are then skipped locally (CI sets CXLABS_REQUIRE_SYSTEM=1,
# which turns those skips into failures).
set -eu
packages="chromium postgresql bubblewrap"
missing=""
for p in $packages; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -z "$missing" ]; then
    echo "system packages: all present ($packages)"
    exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
    echo "system packages: no apt-get here; missing:$missing (tests that need them will be skipped)"
    exit 0
fi
if [ "$(id -u)" -eq 0 ]; then run=""; else run="sudo"; fi
echo "system packages: installing$missing"
$run apt-get update -qq || echo "system packages: apt-get update failed; trying the install anyway"
DEBIAN_FRONTEND=noninteractive $run apt-get install -y -qq --no-install-recommends $missing
