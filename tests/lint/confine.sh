#!/bin/sh
# One adapter per foreign library: each library header is included by one
# file only, and public headers include only the allowed system headers.
. "$(dirname "$0")/lib.sh" "$1"
status=0
check() { # header, allowed file
	for f in $(c_files src); do
		[ "$f" = "$2" ] && continue
		if grep -qE "^[[:space:]]*#[[:space:]]*include[[:space:]]*<$1>" "$f"; then
			echo "$f: includes <$1>; only $2 may"
			status=1
		fi
	done
}
check 'vips/vips.h' src/image.c
check 'sqlite3.h' src/manifest.c
check 'xxhash.h' src/hash.c
check 'jpeglib.h' src/jpeg.c
check 'gif_lib.h' src/gif.c
check 'zimg.h' src/resample.c
check 'json-glib/json-glib.h' src/cli/json.c
for f in $(c_files include); do
	grep -nE '^[[:space:]]*#[[:space:]]*include' "$f" |
		grep -vE '<(stdbool|stddef|stdint|glib)\.h>|"imgopt/[a-z_]+\.h"' |
		sed "s|^|$f:|; s|\$|  <- public headers include only stdbool/stddef/stdint/glib and imgopt headers|" |
		grep . && status=1
done
for f in $(c_files src/cli); do
	grep -nE '^[[:space:]]*#[[:space:]]*include[[:space:]]*"' "$f" |
		grep -vE '"(cli|imgopt/[a-z_]+)\.h"' |
		sed "s|^|$f:|; s|\$|  <- the CLI uses only include/imgopt/|" | grep . && status=1
done
exit $status
