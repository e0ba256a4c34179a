#!/usr/bin/env bash
# Runs a command with a real, unlocked OS keychain (gnome-keyring over a private D-Bus session),
# kept in a throwaway directory so no real keyring is touched.
#   usage: bash scripts/with-keyring.sh npm run test:integration
# Installs missing Debian packages first (scripts/ensure-system-deps.sh) or fails saying what is missing.
# KEYRING_HOME picks the keyring directory, KEYRING_PASS its password (default test-pass).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
if [ -z "${WITH_KEYRING_INNER:-}" ]; then
  bash "$here/ensure-system-deps.sh" || { echo "with-keyring: system packages missing and could not be installed (scripts/ensure-system-deps.sh)" >&2; exit 2; }
  command -v dbus-run-session >/dev/null || { echo "with-keyring: dbus-run-session missing (apt-get install dbus)" >&2; exit 2; }
  command -v gnome-keyring-daemon >/dev/null || { echo "with-keyring: gnome-keyring-daemon missing (apt-get install gnome-keyring)" >&2; exit 2; }
  WITH_KEYRING_INNER=1 exec dbus-run-session -- bash "$here/with-keyring.sh" "$@"
fi
export XDG_DATA_HOME="${KEYRING_HOME:-$(mktemp -d)}"
eval "$(printf '%s' "${KEYRING_PASS:-test-pass}" | gnome-keyring-daemon --unlock --components=secrets 2>/dev/null)"
export GNOME_KEYRING_CONTROL
exec "$@"
