#!/usr/bin/env bash
# Installs the Debian packages the build and the test tiers need, only those missing (idempotent).
# Fast when everything is present: one dpkg-query, no apt-get at all.
#   gnome-keyring libsecret-tools dbus dbus-x11: a real keychain for the integration tier (with-keyring.sh)
#   libsecret-1-dev libkrb5-dev: headers to build keytar from source
#   chromium: the e2e tier
set -euo pipefail
packages=(gnome-keyring libsecret-tools dbus dbus-x11 libsecret-1-dev libkrb5-dev chromium)

missing=()
for p in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  [ "$status" = "install ok installed" ] || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

command -v apt-get >/dev/null || { echo "ensure-system-deps: missing ${missing[*]} and no apt-get to install them" >&2; exit 2; }
sudo=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "ensure-system-deps: missing ${missing[*]}; run as root or install them" >&2; exit 2; }
  sudo="sudo"
fi
echo "ensure-system-deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq >&2
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
