#!/usr/bin/env bash
# install-deps.sh installs what the test suite needs on a fresh Debian machine.
# Each part of the project that needs something keeps its own fragment in
# scripts/deps.d/*.sh (sourced in name order), so fragments never collide.
# Fragments must be idempotent and quiet when everything is already present.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
apt_updated=0
# need_pkgs PKG... installs the Debian packages that are missing.
need_pkgs() {
	local missing=()
	for p in "$@"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
	done
	[ ${#missing[@]} -eq 0 ] && return 0
	if [ "$(id -u)" != 0 ]; then
		echo "install-deps: missing Debian packages: ${missing[*]} (run as root to install)" >&2
		return 1
	fi
	if [ $apt_updated = 0 ]; then
		DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null
		apt_updated=1
	fi
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}
for f in "$here"/deps.d/*.sh; do
	[ -e "$f" ] || continue
	# shellcheck source=/dev/null
	. "$f"
done
