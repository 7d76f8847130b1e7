#!/bin/sh
# Runs one CLI test (zstd's cli-tests): tests/cli/NAME.sh runs in a fresh
# temporary folder with $IMGOPT (the binary), $FIXTURES and $SHARED set;
# its stdout, stderr and exit status are compared with NAME.stdout.exact,
# NAME.stderr.exact and NAME.exit when those files exist.
# IMGOPT_UPDATE_GOLDEN=1 writes them instead.
set -u
name=$1
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export IMGOPT="$IMGOPT_BIN" FIXTURES="$IMGOPT_FIXTURES" SHARED="$IMGOPT_SHARED"
# A test whose first lines say "# not-sanitized: WHY" is skipped (77) in a
# sanitizer build, which tests/meson.build marks with IMGOPT_SANITIZED.
if [ -n "${IMGOPT_SANITIZED:-}" ] && head -5 "$here/$name.sh" | grep -q '^# not-sanitized:'; then
	head -5 "$here/$name.sh" | grep '^# not-sanitized:'
	exit 77
fi
(cd "$tmp" && sh -eu "$here/$name.sh") >"$tmp.out" 2>"$tmp.err"
echo $? >"$tmp.exit"
status=0
for kind in stdout stderr exit; do
	case $kind in stdout) got=$tmp.out ;; stderr) got=$tmp.err ;; exit) got=$tmp.exit ;; esac
	exact="$here/$name.$kind"
	[ $kind = exit ] || exact="$exact.exact"
	if [ "${IMGOPT_UPDATE_GOLDEN:-}" = 1 ]; then
		cp "$got" "$exact"
	elif [ -f "$exact" ] && ! diff -u "$exact" "$got"; then
		echo "$name: $kind differs from $exact"
		status=1
	fi
done
rm -f "$tmp.out" "$tmp.err" "$tmp.exit"
exit $status
