#!/bin/sh
# bench/run.sh BUILD_DIR: every benchmark of bench/, one after the other, on
# this machine (called by `scripts/setup.sh bench` with a release build).
# Each writes its table to bench/results/<name>.md; README.md quotes them.
# Takes a long while (the dupes tree alone is about 4 GB of generated
# images): run it on an otherwise idle machine.  scale.sh runs at 1,000
# and 10,000 images; SCALE_100K=1 in the environment adds 100,000 (about
# 10 more minutes on 2 cores).
set -eu
build=$(cd "${1:-build-release}" && pwd)
cd "$(dirname "$0")"
[ -d eleventy/node_modules ] || (cd eleventy && npm ci --no-audit --no-fund)
sh scan.sh "$build"
sh dupes.sh "$build"
sh recompress.sh "$build"
bash rerun.sh "$build"
sh scale.sh "$build"
sh lighter.sh "$build"
