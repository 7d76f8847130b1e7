#!/bin/sh
# gen_photos.sh DIR N: writes N photo-like JPEGs (1080-2400 px wide, smooth
# gradients + blurred texture + fine grain, quality 92) and 4 animated GIFs
# (panning texture, 24-40 frames) into DIR, with the vips command line.
# Deterministic: the sizes and frequencies come from the image number.
set -eu
dir=$1
n=${2:-100}
mkdir -p "$dir"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/genphotos.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
. "$(dirname "$0")/grain.sh"

# Five textured bases, each a mix of smooth gradients, coarse texture and
# fine detail; every photo is a crop of one, tinted differently (two vips
# calls a photo, so a hundred take about a minute).
make_grain_bases "$tmp" 1600

i=0
while [ "$i" -lt "$n" ]; do
	w=$((1080 + (i * 137) % 1321))
	h=$((w * (56 + (i * 7) % 30) / 100))
	[ "$h" -gt 1600 ] && h=1600
	x=$(((i * 211) % (2401 - w)))
	y=$(((i * 97) % (1601 - h)))
	vips crop "$tmp/base$((i % 5)).v" "$tmp/p.v" "$x" "$y" "$w" "$h"
	vips linear "$tmp/p.v" "$dir/photo-$(printf %03d "$i").jpg[Q=92]" \
		"1 0.$((80 + i % 19)) 0.$((70 + (i * 7) % 29))" "0 $((i % 9)) $((i % 13))" \
		--uchar
	i=$((i + 1))
done

# Animations: a still texture under a gradient that drifts from frame to
# frame (frames are slices of one tall image), like a screen recording.
j=0
while [ "$j" -lt 4 ]; do
	w=$((400 + j * 120))
	h=$((w * 9 / 16))
	frames=$((24 + j * 5))
	vips gaussnoise "$tmp/n.v" "$w" "$h" --sigma 60 --mean 0
	vips gaussblur "$tmp/n.v" "$tmp/b.v" 4
	vips replicate "$tmp/b.v" "$tmp/r.v" 1 "$frames"
	vips sines "$tmp/s.v" "$w" $((h * frames)) --hfreq 2 --vfreq $((frames / 3))
	vips linear "$tmp/s.v" "$tmp/c.v" "60 40 20" "128 100 90"
	vips add "$tmp/c.v" "$tmp/r.v" "$tmp/t.v"
	vips cast "$tmp/t.v" "$tmp/u.v" uchar
	vips copy "$tmp/u.v" "$tmp/v.v" --interpretation srgb
	vips gifsave "$tmp/v.v" "$dir/anim-$j.gif" --page-height "$h"
	j=$((j + 1))
done
