#!/bin/bash
# bench/rerun.sh: the cost of an unchanged re-run against the first run.
#
#   bench/rerun.sh [BUILD_DIR] [POSTS] [IMAGES]     (default: build 5000 20000)
#
# Writes a genblog blog (seed-like, "real" image sizes: 1080 px wide JPEGs,
# animated GIFs, PNGs, mostly 20-200 KB) into a temporary folder, times
# `imgopt run` on it (everything encoded, every post rewritten), then an
# unchanged second run (which must rewrite and encode nothing), and writes
# the table to bench/results/rerun.md.  Wall-clock and CPU seconds (user +
# system) are both given: on a shared machine the CPU figure is the one
# that does not depend on the neighbours.  The issue's target: the re-run
# takes at most 2% of the first run.
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-build}
posts=${2:-5000}
images=${3:-20000}
imgopt="$here/$build/src/imgopt"
genblog="$here/$build/tools/genblog"
[ -x "$imgopt" ] && [ -x "$genblog" ] || {
	echo "build $build first (ninja -C $build)" >&2
	exit 1
}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

"$genblog" --posts "$posts" --images "$images" --seed 2026 --sizes real \
	--out "$tmp/blog" >/dev/null
blog_bytes=$(du -sb "$tmp/blog" | cut -f1)
n_files=$(find "$tmp/blog/postimg" -type f | wc -l)

# "wall user sys" of one run, its JSON in $2.
timed_run() {
	local TIMEFORMAT='%R %U %S'
	{ time "$imgopt" run "$tmp/blog/_posts" "$tmp/blog/postimg" --json \
		>"$1" 2>/dev/null || true; } 2>&1
}
read -r w1 u1 s1 < <(timed_run "$tmp/first.json")
read -r w2 u2 s2 < <(timed_run "$tmp/second.json")

field() { sed -n "s/^ *\"$2\" : \\([0-9]*\\).*/\\1/p" "$1" | head -1; }
row() {
	printf '| %s | %.2f | %.2f | %s | %s | %s |\n' "$1" "$2" \
		"$(echo "$3 + $4" | bc -l)" "$(field "$5" posts_changed)" \
		"$(field "$5" encoded)" "$(field "$5" variant_files_written)"
}
out="$here/bench/results/rerun.md"
{
	echo "# Unchanged re-run vs first run"
	echo
	echo "\`bench/rerun.sh $build $posts $images\` on $(uname -m), $(nproc) cores, $(date -u +%Y-%m-%d)."
	echo "Blog: $posts posts, $n_files image files ($blog_bytes bytes in all), genblog --sizes real."
	echo
	echo "| run | wall s | CPU s | posts changed | contents encoded | variant files written |"
	echo "| --- | ---: | ---: | ---: | ---: | ---: |"
	row "first" "$w1" "$u1" "$s1" "$tmp/first.json"
	row "unchanged re-run" "$w2" "$u2" "$s2" "$tmp/second.json"
	echo
	printf 'The re-run takes **%.2f%%** of the first run in wall-clock time and **%.2f%%** in CPU time (target: at most 2%%).\n' \
		"$(echo "100 * $w2 / $w1" | bc -l)" \
		"$(echo "100 * ($u2 + $s2) / ($u1 + $s1)" | bc -l)"
} >"$out"
cat "$out"
