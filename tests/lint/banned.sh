#!/bin/sh
# Banned functions (git's banned.h, OpenSlide's pre-commit): the unsafe
# string functions and raw allocation, outside the adapters.  A line may
# escape with /* lint-allow: reason */.
. "$(dirname "$0")/lib.sh" "$1"
banned='strcpy|strcat|sprintf|vsprintf|strtok|atoi|atol|atoll|strtol|strtoul|malloc|calloc|realloc|free|system|gets|strncpy'
status=0
for f in $(c_files src tools); do
	hits=$(grep -nE "(^|[^_a-zA-Z0-9.>])($banned)[[:space:]]*\(" "$f" |
		grep -v 'lint-allow:' | grep -vE '^[0-9]+:[[:space:]]*(\*|/\*|//)')
	if [ -n "$hits" ]; then
		echo "$hits" | sed "s|^|$f:|; s|\$|  <- banned function|"
		status=1
	fi
done
exit $status
