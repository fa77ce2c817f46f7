#!/usr/bin/env bash
# Installs the Debian packages given as arguments when any is missing. apt-get update runs
# only when something has to be installed, so a prepared machine pays nothing.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

[[ $# -gt 0 ]] || die "usage: $0 package..."

if ! command -v dpkg-query >/dev/null; then
	printf 'warning: not a Debian system; make sure these are installed: %s\n' "$*" >&2
	exit 0
fi

missing=()
for pkg in "$@"; do
	if [[ $(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true) != "install ok installed" ]]; then
		missing+=("$pkg")
	fi
done

if [[ ${#missing[@]} -eq 0 ]]; then
	printf 'debian packages present: %s\n' "$*"
	exit 0
fi

as_root=()
if [[ $(id -u) -ne 0 ]]; then
	command -v sudo >/dev/null ||
		die "missing Debian packages (${missing[*]}) and no sudo to install them; run as root: apt-get install ${missing[*]}"
	as_root=(sudo)
fi

printf 'installing missing Debian packages: %s\n' "${missing[*]}"
"${as_root[@]}" apt-get update -qq
"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive \
	apt-get install -y -qq -o Dpkg::Use-Pty=0 --no-install-recommends "${missing[@]}"
