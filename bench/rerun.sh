#!/bin/bash
# bench/rerun.sh: an unchanged re-run of `dupes`, `check` and `run` against
# one stat walk of the tree, side by side.
#
#   bench/rerun.sh [BUILD_DIR] [POSTS] [IMAGES]     (default: build 5000 20000)
#
# Writes a genblog blog (SIZES=tiny by default: 64x48 images, so the first
# run takes minutes, not the half hour of SIZES=real; an unchanged re-run
# reads no image either way) into a temporary folder, runs `imgopt run` on
# it once (everything encoded, every post rewritten) and `imgopt dupes`
# once (it keeps its result), `imgopt run` and `imgopt check` once more
# (the no-op run and a check: each keeps its result, memo.h), then ROUNDS
# (default 3) rounds of, the tree unchanged and the page cache warm:
#
#   imgopt dupes, imgopt check, imgopt run, find DIR -printf '%s %T@ %i\n'
#
# each timed (wall, and user+system CPU: on a shared machine the CPU
# figure is the one that does not depend on the neighbours), and writes
# the medians, with each command's ratio to `find`, to
# bench/results/rerun.md.  The issue's target: at most 2x `find`.
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-build}
posts=${2:-5000}
images=${3:-20000}
sizes=${SIZES:-tiny}
rounds=${ROUNDS:-3}
imgopt="$here/$build/src/imgopt"
genblog="$here/$build/tools/genblog"
[ -x "$imgopt" ] && [ -x "$genblog" ] || {
	echo "build $build first (ninja -C $build)" >&2
	exit 1
}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

"$genblog" --posts "$posts" --images "$images" --seed 2026 --sizes "$sizes" \
	--out "$tmp/blog" >/dev/null
blog_bytes=$(du -sb "$tmp/blog" | cut -f1)
n_entries=$(find "$tmp/blog" | wc -l)

# timed NAME CMD...: "wall cpu" of one run in the blog, its stdout in
# $tmp/NAME.out, its stderr in $tmp/NAME.err
timed() {
	local name=$1 TIMEFORMAT='%R %U %S' w u s
	shift
	read -r w u s < <({ time (cd "$tmp/blog" && "$@" >"$tmp/$name.out" \
		2>"$tmp/$name.err") || true; } 2>&1)
	echo "$w $(echo "$u + $s" | bc -l)"
}
median() { sort -g | sed -n "$(((rounds + 1) / 2))p"; }

read -r w1 c1 < <(timed first "$imgopt" run _posts postimg --json)
timed dupes-first "$imgopt" dupes _posts postimg --json >/dev/null
# The first run changed everything, so it is not stored: its re-run, the
# no-op, is, and so is a check after it (a run records runs rows, which
# a check's memo is keyed on).  Untimed.
timed warm-run "$imgopt" run _posts postimg --json >/dev/null
timed warm-check "$imgopt" check _posts postimg --json >/dev/null
: >"$tmp/times"
for r in $(seq 1 "$rounds"); do
	echo "dupes $(timed dupes "$imgopt" dupes _posts postimg --json)" >>"$tmp/times"
	echo "check $(timed check "$imgopt" check _posts postimg --json)" >>"$tmp/times"
	echo "run $(timed run "$imgopt" run _posts postimg --json)" >>"$tmp/times"
	echo "find $(timed find find . -printf '%s %T@ %i\n')" >>"$tmp/times"
done
col() { awk -v n="$1" -v c="$2" '$1 == n {print $c}' "$tmp/times" | median; }
fw=$(col find 2)
fc=$(col find 3)

# "replayed" if the last timed NAME printed its stored result
replayed() { grep -q '^imgopt: nothing changed' "$tmp/$1.err" && echo replayed || echo "did the job"; }
field() { sed -n "s/^ *\"$2\" : \\([0-9]*\\).*/\\1/p" "$1" | head -1; }
row() {
	local w c
	w=$(col "$1" 2)
	c=$(col "$1" 3)
	printf '| %s | %.2f | %.2f | %.2fx | %.2fx | %s |\n' "$2" "$w" "$c" \
		"$(echo "$w / $fw" | bc -l)" "$(echo "$c / $fc" | bc -l)" "$3"
}
out="$here/bench/results/rerun.md"
{
	echo "# Unchanged re-run vs one stat walk"
	echo
	echo "\`bench/rerun.sh $build $posts $images\` (SIZES=$sizes) on $(uname -m), $(nproc) cores, $(date -u +%Y-%m-%d), load average $(cut -d' ' -f1 /proc/loadavg) at the end."
	echo "Blog: $posts posts, $n_entries entries ($blog_bytes bytes in all). First run: $w1 s wall, $c1 s CPU ($(field "$tmp/first.out" encoded) contents encoded, $(field "$tmp/first.out" posts_changed) posts rewritten)."
	echo "Medians of $rounds rounds, the four commands interleaved in each, the page cache warm."
	echo
	echo "| unchanged re-run | wall s | CPU s | wall vs find | CPU vs find | |"
	echo "| --- | ---: | ---: | ---: | ---: | --- |"
	row dupes "imgopt dupes" "$(replayed dupes): its stored result after a stat walk"
	row check "imgopt check" "$(replayed check): $(field "$tmp/check.out" to_encode) to encode, $(field "$tmp/check.out" posts_changed) posts to change"
	row run "imgopt run" "$(replayed run): $(field "$tmp/run.out" encoded) encoded, $(field "$tmp/run.out" posts_changed) posts rewritten"
	row find "find . -printf '%s %T@ %i\\n'" "one stat of every entry"
	echo
	printf 'The unchanged run takes %.2f%% of the first run in CPU time.\n' \
		"$(echo "100 * $(col run 3) / $c1" | bc -l)"
} >"$out"
cat "$out"
