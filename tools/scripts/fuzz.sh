#!/usr/bin/env bash
# Runs every fuzz target in the given module directories for a fixed time each.
# go test -fuzz accepts one package and one target per run, so targets are run one by one.
# Env: FUZZTIME (default 30s), FUZZ (regexp to select targets, default all),
# FUZZMINIMIZETIME (default 5s): how long a newly interesting input is minimised; go test's
# default (60s) can spend a whole short run shrinking one input instead of fuzzing.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$(repo_root)"

fuzztime=${FUZZTIME:-30s}
minimize=${FUZZMINIMIZETIME:-5s}
filter=${FUZZ:-.}
dirs=("$@")
[[ ${#dirs[@]} -gt 0 ]] || mapfile -t dirs < <(all_modules)

ran=0
failed=()
while IFS= read -r file; do
	dir=$(dirname "$file")
	module=""
	# The deepest module containing the file owns it.
	for m in $(all_modules); do
		if [[ $dir == "$m" || $dir == "$m"/* ]] && ((${#m} > ${#module})); then module=$m; fi
	done
	while IFS= read -r target; do
		[[ $target =~ $filter ]] || continue
		step "fuzz: $target in ./$dir for $fuzztime"
		ran=$((ran + 1))
		pkg=.
		[[ $dir == "$module" ]] || pkg=./${dir#"$module"/}
		if ! in_module "$module" go test -run '^$' -fuzz "^${target}\$" -fuzztime "$fuzztime" -fuzzminimizetime "$minimize" "$pkg"; then
			failed+=("$dir $target")
		fi
	done < <(sed -nE 's/^func (Fuzz[A-Za-z0-9_]*)\([[:alnum:]_]+ \*testing\.F\).*/\1/p' "$file")
done < <(find "${dirs[@]}" -name testdata -prune -o -name '*_test.go' -print | LC_ALL=C sort)

step "fuzz summary"
printf 'targets run: %d\n' "$ran"
# A target named on purpose (CI names the verifier's) that no longer exists
# must not pass silently as "nothing to fuzz".
if [[ $ran -eq 0 && $filter != "." ]]; then
	printf 'no fuzz target matches FUZZ=%s\n' "$filter"
	exit 1
fi
if [[ ${#failed[@]} -gt 0 ]]; then
	printf 'failed (the failing input is saved under the package testdata/fuzz; commit it as a regression case):\n'
	printf '  %s\n' "${failed[@]}"
	exit 1
fi
