#!/bin/sh
# docs/architecture.md names every source file of src/ (C sources, headers
# and .inc tables), written as `name` relative to src/ (`cli/json.c`), so
# a file cannot be added without saying where it stands.
. "$(dirname "$0")/lib.sh" "$1"
doc=docs/architecture.md
[ -f "$doc" ] || { echo "$doc: missing"; exit 1; }
status=0
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
	files=$(git ls-files --cached --others --exclude-standard -- src)
else
	files=$(find src -type f)
fi
for f in $files; do
	case "$f" in
	*.c | *.h | *.inc) ;;
	*) continue ;;
	esac
	name=${f#src/}
	if ! grep -qF "\`$name\`" "$doc"; then
		echo "$f: not named in $doc (as \`$name\`)"
		status=1
	fi
done
exit $status
