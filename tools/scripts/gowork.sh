#!/usr/bin/env bash
# Prints the go.work the tree implies: every directory holding a go.mod, sorted, so
# `make work` is deterministic and `make verify` can tell when the committed file drifts.
#
# tools/ is left out on purpose: its linters and generators pull newer shared dependencies
# (golang.org/x/net, x/tools, …) that would silently raise the versions the services build
# with inside the workspace. The Makefile runs it on its own with GOWORK=off.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$(repo_root)"

mapfile -t dirs < <(
	find . \( -path ./.git -o -path ./bin -o -path ./var -o -path ./tools \
		-o -name testdata -o -name node_modules \) -prune \
		-o -type f -name go.mod -printf '%h\n' | LC_ALL=C sort
)
[[ ${#dirs[@]} -gt 0 ]] || die "no go.mod found under $(pwd)"

# The go line names the newest release any module asks for (go or toolchain directive),
# so GOTOOLCHAIN=auto fetches exactly that toolchain and no toolchain line is needed.
version=$(
	for d in "${dirs[@]}"; do
		sed -n -e 's/^go[[:space:]]\{1,\}\([0-9][0-9.]*\).*/\1/p' \
			-e 's/^toolchain[[:space:]]\{1,\}go\([0-9][0-9.]*\).*/\1/p' "$d/go.mod"
	done | sort -V | tail -n 1
)
[[ -n $version ]] || die "no go directive found in any go.mod"

printf 'go %s\n\nuse (\n' "$version"
for d in "${dirs[@]}"; do
	printf '\t%s\n' "$d"
done
printf ')\n'
