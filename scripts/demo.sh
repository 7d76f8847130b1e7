#!/bin/sh
# Runs imgopt on a fresh copy of the bundled demo blog (fixtures/sites/demo),
# so the fixture itself stays pristine.  Called by `scripts/setup.sh demo`.
set -u
imgopt=${1:-build/src/imgopt}
cd "$(dirname "$0")/.."
rm -rf demo
mkdir -p demo
cp -a fixtures/sites/demo demo/site
cd demo/site
step() {
	printf '\n== imgopt %s   (in %s)\n' "$*" "$(pwd)"
	"$imgopt" "$@"
	printf '(exit status %s)\n' "$?"
}
step scan --verbose _posts postimg
echo "(1: a reference is broken; the demo has one two-line link whose file is gone)"
step dupes _posts postimg
step check _posts postimg
step run _posts postimg
step check _posts postimg
echo "(still 1: the broken link stays as written and is reported)"
printf '\n== the first post after the run:\n'
sed -n '1,25p' _posts/2020-07-14-nanning-anti-fraud.md
printf '\n== undo puts every post back byte for byte: imgopt undo _posts postimg\n'
