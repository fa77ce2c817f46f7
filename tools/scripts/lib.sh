# shellcheck shell=bash
# Shared helpers for the scripts in tools/scripts. Source it; it defines functions only.

# repo_root prints the directory that holds go.work.
repo_root() {
	local dir
	dir=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
	printf '%s\n' "$dir"
}

# workspace_modules prints the module directories listed in go.work (without "./"),
# one per line, in the file's order. go.work is the single list every target walks.
workspace_modules() {
	awk '
		{ sub(/\/\/.*/, "") }
		/^[[:space:]]*use[[:space:]]*\(/ { inuse = 1; next }
		inuse && /^[[:space:]]*\)/ { inuse = 0; next }
		inuse && NF { print $1; next }
		/^[[:space:]]*use[[:space:]]+[^(]/ { print $2 }
	' go.work | sed -e 's|^\./||' -e 's|^$|.|'
}

# step prints a section header so a long log is easy to scan.
step() {
	printf '\n==> %s\n' "$*"
}

# die prints an error and exits.
die() {
	printf 'error: %s\n' "$*" >&2
	exit 1
}

# elapsed prints the seconds since $1 (a $SECONDS value) as "1m02s".
elapsed() {
	local s=$((SECONDS - $1))
	printf '%dm%02ds' $((s / 60)) $((s % 60))
}

# all_modules prints the workspace modules and then tools, which stays outside the
# workspace (see gowork.sh) but is linted, vetted, tidied and tested like the others.
all_modules() {
	workspace_modules
	if tools_outside_workspace; then
		printf 'tools\n'
	fi
}

# tools_outside_workspace reports whether tools/ is a module that go.work leaves out.
tools_outside_workspace() {
	[[ -f tools/go.mod ]] && ! workspace_modules | grep -qx tools
}

# in_module runs a command inside module directory $1, outside the workspace when the
# module is not part of it, so every go command sees that module's own go.mod.
in_module() {
	local dir=$1
	shift
	if workspace_modules | grep -qxF "$dir"; then
		(cd "$dir" && "$@")
	else
		(cd "$dir" && GOWORK=off "$@")
	fi
}

# has_go_files reports whether module directory $1 holds any Go source yet.
has_go_files() {
	[[ -n $(find "$1" -name testdata -prune -o -name '*.go' -print -quit) ]]
}
