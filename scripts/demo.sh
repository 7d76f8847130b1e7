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
echo "== imgopt scan _posts postimg   (in $(pwd))"
"$imgopt" scan --verbose _posts postimg
echo "(exit status $?: 1 means a reference is broken, as one of the demo's is)"
