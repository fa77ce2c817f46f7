#!/usr/bin/env bash
# Applies every automatic fix that `make verify` checks for: go.work, go mod tidy,
# generated code, formatting and golangci-lint's auto-fixes. What remains is reported
# by `make verify`.
# Needs GOLANGCI_LINT pointing at the pinned golangci-lint (the Makefile sets it).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
root=$(repo_root)
cd "$root"
[[ -x ${GOLANGCI_LINT:-} ]] || die "GOLANGCI_LINT is not set to the golangci-lint binary; run via 'make fix'"

step "fix: go.work"
tools/scripts/gowork.sh >go.work.new
mv go.work.new go.work

step "fix: go mod tidy"
for m in $(all_modules); do
	printf '[%s]\n' "$m"
	(cd "$m" && GOWORK=off go mod tidy)
done

step "fix: go generate ./api/..."
go generate ./api/...

step "fix: golangci-lint fmt and --fix"
for m in $(all_modules); do
	has_go_files "$m" || continue
	printf '[%s]\n' "$m"
	in_module "$m" "$GOLANGCI_LINT" fmt --config "$root/.golangci.yml" ./...
	# Findings that cannot be fixed automatically are left for `make verify` to report;
	# any other failure (bad config, code that does not compile) still stops here.
	in_module "$m" "$GOLANGCI_LINT" run --allow-serial-runners --fix --issues-exit-code=0 --config "$root/.golangci.yml" ./...
done

step "fix: done; run 'make verify' to see what is left"
