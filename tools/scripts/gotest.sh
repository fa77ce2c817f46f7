#!/usr/bin/env bash
# Usage: gotest.sh [go test flags] -- [packages]
# Runs go test, streams its output, keeps a copy, and ends with a summary a person can act
# on: which packages and tests failed, and the shuffle seed to replay each one.
# Without packages it tests every workspace module and then tools/ (outside the workspace).
# Exits non-zero when any run fails.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$(repo_root)"

flags=()
while [[ $# -gt 0 && $1 != -- ]]; do
	flags+=("$1")
	shift
done
[[ $# -gt 0 ]] && shift
pkgs=("$@")

log=$(mktemp "${TMPDIR:-/tmp}/docflow-test.XXXXXX")
start=$SECONDS
status=0

# run_go_test command...: one go test invocation; output goes to the terminal and the log.
run_go_test() {
	local rc
	set +e
	"$@" 2>&1 | tee -a "$log"
	rc=${PIPESTATUS[0]}
	set -e
	[[ $rc -eq 0 ]] || status=$rc
}

if [[ ${#pkgs[@]} -gt 0 ]]; then
	run_go_test go test "${flags[@]}" "${pkgs[@]}"
else
	mapfile -t pkgs < <(workspace_modules | sed 's|.*|./&/...|')
	run_go_test go test "${flags[@]}" "${pkgs[@]}"
	if tools_outside_workspace && has_go_files tools; then
		run_go_test env GOWORK=off go -C tools test "${flags[@]}" ./...
	fi
fi

ok=$(grep -cE '^ok[[:space:]]' "$log" || true)
notests=$(grep -cE '^\?[[:space:]].*\[no test files\]' "$log" || true)

# A failing package's output carries the "-test.shuffle N" line its binary printed first;
# remember the latest one and pair it with the FAIL line that closes the package.
mapfile -t failed_pkgs < <(awk '
	/^-test\.shuffle [0-9]+$/ { seed = $2 }
	/^FAIL[[:space:]]+[^[:space:]]+/ {
		line = $2
		if ($3 ~ /^\[/) { line = line " " $3 " " $4 }
		else if (seed != "") { line = line "  (-shuffle=" seed ")" }
		print line
		seed = ""
	}
' "$log")
mapfile -t failed_tests < <(grep -E '^[[:space:]]*--- FAIL: ' "$log" | sed -E 's/^[[:space:]]*--- FAIL: //' || true)

step "test summary ($(elapsed "$start"))"
printf '    %-24s %s\n' 'packages passed:' "$ok" 'packages without tests:' "$notests" \
	'packages failed:' "${#failed_pkgs[@]}"
for p in "${failed_pkgs[@]}"; do
	printf '      FAIL %s\n' "$p"
done
if [[ ${#failed_tests[@]} -gt 0 ]]; then
	printf '    %-24s %s\n' 'tests failed:' "${#failed_tests[@]}"
	for t in "${failed_tests[@]}"; do
		printf '      %s\n' "$t"
	done
fi
if [[ $status -ne 0 && ${#failed_pkgs[@]} -eq 0 ]]; then
	printf '    go test stopped with status %s before reporting a package; see the errors above.\n' "$status"
fi
printf '    full output: %s\n' "$log"
if [[ $status -eq 0 ]]; then
	printf '    result: PASS\n'
else
	printf '    result: FAIL (replay a package with: go test -race -count=1 -shuffle=<seed> -run <Test> <package>)\n'
fi
exit "$status"
