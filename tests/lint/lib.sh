# Shared by the lint scripts: list the C sources of the project.
# Usage: . lib.sh; c_files [dir...]
cd "$1" || exit 2
shift
c_files() {
	if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
		git ls-files --cached --others --exclude-standard -- "$@" | grep -E '\.[ch]$'
	else
		find "$@" -name '*.[ch]' 2>/dev/null
	fi
}
