#!/bin/sh
# Every g_autoptr/g_autofree/g_auto/g_autofd local must be initialised where
# it is declared (OpenSlide's rule): an uninitialised one is freed as
# garbage on the first early return.
. "$(dirname "$0")/lib.sh" "$1"
hits=$(for f in $(c_files src tests tools); do
	grep -nE '^[[:space:]]*(g_autoptr\([A-Za-z_]+\)|g_autofree|g_auto\([A-Za-z_]+\)|g_autofd)[^=;(]*;' "$f" |
		sed "s|^|$f:|"
done)
if [ -n "$hits" ]; then
	echo "$hits" | sed 's/$/  <- g_auto* without an initialiser/'
	exit 1
fi
exit 0
