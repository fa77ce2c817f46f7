#!/usr/bin/env bash
# Runs the repository checks and reports every failure, not just the first.
# Usage: verify.sh [check...]   (default: all, in the order below)
# Needs GOLANGCI_LINT and WORKFLOWCHECK pointing at the binaries pinned in tools/go.mod;
# the Makefile builds them into bin/tools.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
root=$(repo_root)
cd "$root"

all_checks=(work tidy isolation generate vet lint workflowcheck)
api_module=github.com/docflow/docflow/api
repo_module=github.com/docflow/docflow

# check_work: go.work must list exactly the modules in the tree, as `make work` writes it.
check_work() {
	local want
	want=$(tools/scripts/gowork.sh)
	if ! diff -u --label 'go.work (committed)' --label 'go.work (make work)' go.work - <<<"$want"; then
		echo "go.work does not match the modules in the tree; run 'make work' and commit go.work"
		return 1
	fi
}

# check_tidy: every go.mod/go.sum must already be what `go mod tidy` would write.
check_tidy() {
	local m failed=()
	for m in $(all_modules); do
		printf '[%s]\n' "$m"
		if ! (cd "$m" && GOWORK=off go mod tidy -diff); then
			failed+=("$m")
		fi
	done
	if [[ ${#failed[@]} -gt 0 ]]; then
		echo "go.mod/go.sum not tidy in: ${failed[*]}; run 'make fix' (go mod tidy) and commit the result"
		return 1
	fi
}

# edges prints "importer -> imported" for every import in the dependency graph of the
# given package patterns (tests included), with test-variant suffixes removed.
edges() {
	local graph
	graph=$(go list -deps -test -f '{{.ImportPath}}{{range .Imports}} {{.}}{{end}}' "$@") || return 1
	sed -E 's/ \[[^]]*\]//g' <<<"$graph" |
		awk '{ for (i = 2; i <= NF; i++) print $1 " -> " $i }' | sort -u
}

# check_isolation: api/ is a leaf that integrators import; workflows/ depends only on api/
# (and the Temporal SDK), never on the services that implement its activities; the retired
# workflows/approval is imported by nothing but itself and its tests; the signing binary does
# not link the development PKI.
check_isolation() {
	local graph bad rc=0
	if ! graph=$(edges ./api/...); then
		echo "cannot list the dependencies of ./api/... (errors above)"
		return 1
	fi
	bad=$(awk -v repo="$repo_module/" -v api="$api_module" '
		function ours(p) { return p == api || index(p, api "/") == 1 }
		ours($1) && index($3, repo) == 1 && !ours($3)' <<<"$graph")
	if [[ -n $bad ]]; then
		printf '  %s\n' "$bad"
		echo "api/ must import nothing from the repository outside api/ (imports above)"
		rc=1
	fi
	if ! graph=$(edges ./workflows/...); then
		echo "cannot list the dependencies of ./workflows/... (errors above)"
		return 1
	fi
	bad=$(awk -v repo="$repo_module/" -v api="$api_module" -v wf="$repo_module/workflows" '
		function ours(p) { return p == api || index(p, api "/") == 1 || p == wf || index(p, wf "/") == 1 }
		ours($1) && index($3, repo) == 1 && !ours($3)' <<<"$graph")
	if [[ -n $bad ]]; then
		printf '  %s\n' "$bad"
		echo "workflows/ may import only api/ from the repository (imports above)"
		rc=1
	fi
	# shellcheck disable=SC2046 # one pattern per module, word splitting intended
	if ! graph=$(edges $(workspace_modules | sed 's|.*|./&/...|')); then
		echo "cannot list the dependencies of the workspace (errors above)"
		return 1
	fi
	bad=$(awk -v retired="$repo_module/workflows/approval" '
		$3 == retired && $1 != retired && $1 != retired "_test" && $1 != retired ".test"' <<<"$graph")
	if [[ -n $bad ]]; then
		printf '  %s\n' "$bad"
		echo "workflows/approval is the retired single-approver workflow, kept only so its recorded"
		echo "histories replay: nothing but its own package and tests may import it (imports above)."
		echo "Take what you need from the contract, package workflows, or the workflow that runs now"
		echo "(workflows/chain, workflows/incoming)."
		rc=1
	fi
	# The signing service reads a PKI directory; generating one (keys, demo images) is
	# development tooling that the production binary must not carry.
	local devpki=$repo_module/services/signing/devpki
	if ! graph=$(go list -deps ./services/signing/cmd/signing); then
		echo "cannot list the dependencies of ./services/signing/cmd/signing (errors above)"
		return 1
	fi
	bad=$(awk -v p="$devpki" '$0 == p || index($0, p "/") == 1' <<<"$graph")
	if [[ -n $bad ]]; then
		printf '  %s\n' "$bad"
		echo "the signing binary links the development PKI (above); read the PKI directory with services/signing/internal/keys"
		rc=1
	fi
	return "$rc"
}

# snapshot prints a checksum line per file under the given paths that exist.
snapshot() {
	local existing=() p
	for p in "$@"; do
		[[ -e $p ]] && existing+=("$p")
	done
	[[ ${#existing[@]} -gt 0 ]] || return 0
	find "${existing[@]}" -type f -print0 | LC_ALL=C sort -z | xargs -0 -r sha256sum
}

# check_generate: regenerating the API code and docs must not change anything committed.
# Comparing checksums before and after (rather than only `git diff`) also catches
# generated files that were never added to git.
check_generate() {
	local paths=(api docs/api) before after changed
	before=$(snapshot "${paths[@]}")
	if ! go generate ./api/...; then
		echo "go generate ./api/... failed (errors above)"
		return 1
	fi
	after=$(snapshot "${paths[@]}")
	changed=$(diff <(printf '%s\n' "$before") <(printf '%s\n' "$after") |
		sed -nE 's/^[<>] [0-9a-f]+  //p' | sort -u)
	if [[ -n $changed ]]; then
		printf 'changed by go generate:\n%s\n' "$changed" | sed 's/^/  /'
		if git rev-parse --verify -q HEAD >/dev/null 2>&1; then
			# shellcheck disable=SC2086 # one path per line, none with spaces
			git --no-pager diff --stat -- $changed || true
		fi
		echo "generated files were out of date and have been regenerated; review and commit them"
		return 1
	fi
}

# check_vet: go vet over every package of every module.
check_vet() {
	local rc=0
	# shellcheck disable=SC2046 # one pattern per module, word splitting intended
	go vet $(workspace_modules | sed 's|.*|./&/...|') || rc=1
	if tools_outside_workspace && has_go_files tools; then
		(cd tools && GOWORK=off go vet ./...) || rc=1
	fi
	[[ $rc -eq 0 ]] || echo "go vet reported problems (above)"
	return "$rc"
}

# check_lint: golangci-lint once per module (it does not span a go.work), one shared config.
check_lint() {
	[[ -x ${GOLANGCI_LINT:-} ]] || die "GOLANGCI_LINT is not set to the golangci-lint binary; run via 'make verify'"
	local m failed=()
	for m in $(all_modules); do
		if ! has_go_files "$m"; then
			printf '[%s] no Go files yet, skipped\n' "$m"
			continue
		fi
		printf '[%s]\n' "$m"
		in_module "$m" "$GOLANGCI_LINT" run --allow-serial-runners --config "$root/.golangci.yml" ./... || failed+=("$m")
	done
	if [[ ${#failed[@]} -gt 0 ]]; then
		echo "golangci-lint findings in: ${failed[*]}; fix them ('make fix' handles formatting and some findings)"
		return 1
	fi
}

# check_workflowcheck: workflow code must be deterministic to replay. Reviewed false
# positives are listed in tools/workflowcheck.config.yaml.
check_workflowcheck() {
	[[ -x ${WORKFLOWCHECK:-} ]] || die "WORKFLOWCHECK is not set to the workflowcheck binary; run via 'make verify'"
	if ! (cd workflows && "$WORKFLOWCHECK" -config "$root/tools/workflowcheck.config.yaml" ./...); then
		echo "workflowcheck found non-deterministic calls in workflows/ (above); use the workflow.* equivalents"
		return 1
	fi
}

checks=("$@")
[[ ${#checks[@]} -gt 0 ]] || checks=("${all_checks[@]}")
for c in "${checks[@]}"; do
	declare -F "check_$c" >/dev/null || die "unknown check '$c' (known: ${all_checks[*]})"
done

failed=()
start_all=$SECONDS
for c in "${checks[@]}"; do
	step "verify: $c"
	start=$SECONDS
	if "check_$c"; then
		printf 'ok: %s (%s)\n' "$c" "$(elapsed "$start")"
	else
		printf 'FAIL: %s (%s)\n' "$c" "$(elapsed "$start")"
		failed+=("$c")
	fi
done

step "verify summary ($(elapsed "$start_all"))"
if [[ ${#failed[@]} -gt 0 ]]; then
	printf 'failed checks: %s\n' "${failed[*]}"
	exit 1
fi
printf 'all checks passed: %s\n' "${checks[*]}"
