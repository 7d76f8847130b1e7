#!/bin/sh
# Committed fixture images stay small (<= 15 KB each, OpenSlide's rule);
# larger inputs are generated at test time.
cd "$1" || exit 2
status=0
find fixtures -type f \( -iname '*.jpg' -o -iname '*.jpeg' -o -iname '*.png' \
	-o -iname '*.gif' -o -iname '*.webp' -o -iname '*.avif' -o -iname '*.svg' \) |
while read -r f; do
	size=$(stat -c %s "$f")
	if [ "$size" -gt 15360 ]; then
		echo "$f: $size bytes > 15 KB"
		echo fail
	fi
done | tee /dev/stderr | grep -q '^fail$' && status=1
exit $status
