#!/bin/sh
# Function length (STYLE.md 3.11): at most 80 lines, main at most 30, with
# an allow-list (fnlen.allow: "file:function" per line, each with a reason
# comment in the code).
. "$(dirname "$0")/lib.sh" "$1"
allow="tests/lint/fnlen.allow"
status=0
for f in $(c_files src tools | grep '\.c$'); do
	ctags --fields=+ne -o - --kinds-C=f "$f" 2>/dev/null |
	awk -F'\t' -v file="$f" '{
		line = end = ""
		for (i = 4; i <= NF; i++) {
			if ($i ~ /^line:/) line = substr($i, 6)
			if ($i ~ /^end:/) end = substr($i, 5)
		}
		if (line != "" && end != "") print file ":" $1 " " end - line + 1
	}'
done | while read -r fn n; do
	limit=80
	case "$fn" in *:main) limit=30 ;; esac
	if [ "$n" -gt "$limit" ] && ! grep -qxF "$fn" "$allow" 2>/dev/null; then
		echo "$fn is $n lines (limit $limit)"
		echo fail
	fi
done | tee /dev/stderr | grep -q '^fail$' && status=1
exit $status
