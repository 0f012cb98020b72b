#!/bin/sh
# System packages the full test suite uses, from Debian's archive:
#   chromium     the browser the end-to-end JupyterLab test drives through Playwright
#   postgresql   a real PostgreSQL server for the JupyterHub gradebook test
#   bubblewrap   the sandbox that cohort grading runs each submission in
#   nodejs, npm  for configurable-http-proxy, JupyterHub's proxy, which the hub test
#                (tests/test_hub.py) installs from npm into tests/.node (not globally)
#   python3, python3-venv  a Python every account can run (/usr/bin/python3): when the
#                tests' own environment is private (a python3 under /root, a clone in a
#                private home), the hub test builds the hub's environment from it
# On a machine without apt-get (macOS, Windows) this says so and does nothing; the tests
# that need these packages are then skipped locally (CI sets CXLABS_REQUIRE_SYSTEM=1,
# which turns those skips into failures).
set -eu
packages="chromium postgresql bubblewrap python3 python3-venv"
# node and npm may come from elsewhere (NodeSource's nodejs bundles npm): ask Debian only without them
command -v npm >/dev/null 2>&1 || packages="$packages nodejs npm"
missing=""
for p in $packages; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
proxy() {  # configurable-http-proxy from npm, into tests/.node (tests/test_hub.py looks there)
    here="$(cd "$(dirname "$0")" && pwd)"
    if [ -x "$here/.node/node_modules/.bin/configurable-http-proxy" ]; then
        echo "configurable-http-proxy: present in tests/.node"
    elif command -v npm >/dev/null 2>&1; then
        echo "configurable-http-proxy: installing from npm into tests/.node"
        npm install --prefix "$here/.node" --no-audit --no-fund --loglevel=error configurable-http-proxy@^5
    else
        echo "configurable-http-proxy: no npm here (the JupyterHub test will be skipped)"
    fi
}
if [ -z "$missing" ]; then
    echo "system packages: all present ($packages)"
    proxy
    exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
    echo "system packages: no apt-get here; missing:$missing (tests that need them will be skipped)"
    proxy
    exit 0
fi
if [ "$(id -u)" -eq 0 ]; then run=""; else run="sudo"; fi
echo "system packages: installing$missing"
$run apt-get update -qq || echo "system packages: apt-get update failed; trying the install anyway"
DEBIAN_FRONTEND=noninteractive $run apt-get install -y -qq --no-install-recommends $missing
proxy
