#!/bin/sh
# bench/lighter.sh BUILD_DIR: what a reader downloads from a seed-like blog,
# before imgopt, after it with today's links (--link-format original) and
# after it with the default (--link-format auto), and at what quality.
#
# The blog is genblog's (40 posts in the seed's form, --sizes real), its
# JPEGs given photo-like pixels (genblog's are flat grey, padded to size
# with comment bytes: any re-encoding would look perfect and tiny): each
# distinct JPEG content becomes a crop of one of five textured bases
# (gradients, blurred noise and grain, as bench/gen_photos.sh makes) at its
# own size, saved at quality 85 (a WeChat export's), so duplicates stay
# byte-identical.  GIFs and PNGs stay genblog's.  A feed.xml template that
# embeds every post's HTML (as a Jekyll blog's feed does) is added.
#
# Each copy is built with `jekyll build`; lighter_pages.py reads what the
# pages show.  Quality: for LIGHTER_SAMPLE (default 40) distinct still
# images, butteraugli of the variant each site links against the original
# resized to the variant's width (vips resize, Lanczos 3), median of each.
# Writes results/lighter.md.  Takes about ten minutes on two cores.
set -eu
build=$(cd "${1:-build-release}" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
imgopt=$build/src/imgopt
genblog=$build/tools/genblog
sample=${LIGHTER_SAMPLE:-40}
command -v butteraugli > /dev/null || {
	echo "lighter.sh: butteraugli missing (scripts/setup.sh bench)" >&2
	exit 1
}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/lighter.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

"$genblog" --posts 40 --images 500 --seed 2026 --sizes real \
	--out "$tmp/blog" > /dev/null
rm -f "$tmp/blog/genblog-truth.json"
cat > "$tmp/blog/feed.xml" << 'EOF'
---
layout: null
---
<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>{{ site.title | xml_escape }}</title>
{% for post in site.posts %}<item><title>{{ post.title | xml_escape }}</title>
<description>{{ post.content | xml_escape }}</description></item>
{% endfor %}</channel></rss>
EOF

# ---- photo-like pixels for the JPEGs ----
max_h=1600
for f in "$tmp"/blog/postimg/*; do
	h=$(vipsheader -f height "$f" 2> /dev/null || echo 0)
	[ "$h" -gt "$max_h" ] && max_h=$h
done
b=0
while [ "$b" -lt 5 ]; do
	vips gaussnoise "$tmp/n.v" 2400 "$max_h" --sigma 500 --mean 0
	vips gaussblur "$tmp/n.v" "$tmp/bl.v" $((6 + b * 2))
	vips gaussnoise "$tmp/m.v" 2400 "$max_h" --sigma 120 --mean 0
	vips gaussblur "$tmp/m.v" "$tmp/bm.v" 1.2
	vips sines "$tmp/s.v" 2400 "$max_h" --hfreq $((1 + b)) --vfreq $((1 + (b * 3) % 4))
	vips linear "$tmp/s.v" "$tmp/c.v" "60 45 30" "120 110 $((70 + b * 12))"
	vips add "$tmp/c.v" "$tmp/bl.v" "$tmp/t.v"
	vips add "$tmp/t.v" "$tmp/bm.v" "$tmp/u.v"
	vips cast "$tmp/u.v" "$tmp/w.v" uchar
	vips copy "$tmp/w.v" "$tmp/base$b.v" --interpretation srgb
	b=$((b + 1))
done
rm -f "$tmp"/n.v "$tmp"/bl.v "$tmp"/m.v "$tmp"/bm.v "$tmp"/s.v "$tmp"/c.v \
	"$tmp"/t.v "$tmp"/u.v "$tmp"/w.v
mkdir -p "$tmp/px"
i=0
for f in "$tmp"/blog/postimg/*; do
	[ "$(vipsheader -f vips-loader "$f" 2> /dev/null)" = jpegload ] || continue
	key=$(sha1sum < "$f" | cut -c1-40)
	if [ ! -f "$tmp/px/$key.jpg" ]; then
		w=$(vipsheader -f width "$f")
		h=$(vipsheader -f height "$f")
		x=$(((i * 211) % (2401 - w)))
		vips crop "$tmp/base$((i % 5)).v" "$tmp/p.v" "$x" 0 "$w" "$h"
		vips linear "$tmp/p.v" "$tmp/px/$key.jpg[Q=85,strip]" \
			"1 0.$((80 + i % 19)) 0.$((70 + (i * 7) % 29))" \
			"0 $((i % 9)) $((i % 13))" --uchar
		i=$((i + 1))
	fi
	cp "$tmp/px/$key.jpg" "$f"
done
rm -f "$tmp"/base*.v "$tmp/p.v"

# ---- the three sites ----
for site in before original auto; do
	cp -a "$tmp/blog" "$tmp/$site"
done
for link in original auto; do
	# exit 1: genblog's broken links, reported
	/usr/bin/time -f "%U %S %e" -o "$tmp/$link.time" \
		"$imgopt" run -q --link-format "$link" "$tmp/$link/_posts" \
		"$tmp/$link/postimg" > /dev/null 2> "$tmp/$link.err" ||
		[ $? -eq 1 ]
	git -C "$tmp" diff --no-index --quiet "$tmp/blog/_posts" \
		"$tmp/$link/_posts" && {
		echo "lighter.sh: --link-format $link rewrote nothing" >&2
		exit 1
	}
done
# a re-run changes nothing
cp -a "$tmp/auto/_posts" "$tmp/auto-posts-1"
"$imgopt" run -q "$tmp/auto/_posts" "$tmp/auto/postimg" > /dev/null 2>&1 ||
	[ $? -eq 1 ]
git diff --no-index --quiet "$tmp/auto-posts-1" "$tmp/auto/_posts" &&
	rerun="no change" || rerun="CHANGED"
for site in before original auto; do
	(cd "$tmp/$site" && jekyll build -q -d _site > /dev/null 2>&1)
	python3 "$here/lighter_pages.py" "$tmp/$site/_site" > "$tmp/$site.json"
done

# ---- quality: butteraugli of the linked variants ----
python3 - "$tmp" "$sample" > "$tmp/pairs" << 'EOF'
import json, sys
tmp, sample = sys.argv[1], int(sys.argv[2])
b, o, a = (json.load(open(f"{tmp}/{s}.json"))["shown"]
           for s in ("before", "original", "auto"))
seen, out = set(), []
for x, y, z in zip(b, o, a):
    if None in (x[2], y[2], z[2]) or x[2] in seen:
        continue
    if not x[2].lower().endswith((".jpg", ".jpeg")) or x[2] == y[2]:
        continue
    seen.add(x[2])
    out.append((x[2], y[2], z[2]))
step = max(1, len(out) // sample)
for p in out[::step][:sample]:
    print(" ".join(p))
EOF
# The butteraugli distance of variant $2 from original $1 resized to its
# width and height (both cropped to the smaller where rounding differs).
score() {
	w=$(vipsheader -f width "$2")
	h=$(vipsheader -f height "$2")
	ow=$(vipsheader -f width "$1")
	oh=$(vipsheader -f height "$1")
	vips resize "$1" "$tmp/ref.v" "$(awk "BEGIN { print $w / $ow }")" \
		--vscale "$(awk "BEGIN { print $h / $oh }")" --kernel lanczos3
	rw=$(vipsheader -f width "$tmp/ref.v")
	rh=$(vipsheader -f height "$tmp/ref.v")
	cw=$((rw < w ? rw : w))
	ch=$((rh < h ? rh : h))
	vips crop "$tmp/ref.v" "$tmp/ref.png" 0 0 "$cw" "$ch"
	vips crop "$2" "$tmp/var.png" 0 0 "$cw" "$ch"
	butteraugli "$tmp/ref.png" "$tmp/var.png"
}
: > "$tmp/scores"
while read -r orig jpeg linked; do
	[ "$(vipsheader -f vips-loader "$tmp/before/_site/$orig")" = jpegload ] ||
		continue
	s_jpeg=$(score "$tmp/before/_site/$orig" "$tmp/original/_site/$jpeg")
	s_link=$(score "$tmp/before/_site/$orig" "$tmp/auto/_site/$linked")
	echo "$s_jpeg $s_link ${linked##*.}" >> "$tmp/scores"
done < "$tmp/pairs"

python3 - "$tmp" "$rerun" > "$here/results/lighter.md" << 'EOF'
import json, statistics, sys
tmp, rerun = sys.argv[1], sys.argv[2]
r = {s: json.load(open(f"{tmp}/{s}.json"))
     for s in ("before", "original", "auto")}
scores = [l.split() for l in open(f"{tmp}/scores")]
# /usr/bin/time's last line (a line before it reports the exit status)
cpu = {s: [float(x) for x in open(f"{tmp}/{s}.time").read().split("\n")[-2].split()]
       for s in ("original", "auto")}
mb = lambda n: f"{n / 1e6:.1f} MB"
print("# Lighter pages: what a reader downloads (bench/lighter.sh)\n")
print(f"genblog --posts 40 --images 500 --seed 2026 --sizes real, JPEGs "
      f"given photo-like pixels (quality 85); {r['before']['pages']} pages "
      f"built by jekyll, {r['before']['images']} images shown.\n")
print("| site | image bytes the pages show | of before | missing | by format "
      "| feed.xml images (missing) | imgopt CPU (user+sys) |")
print("|---|---|---|---|---|---|---|")
for s in ("before", "original", "auto"):
    x = r[s]
    fmt = ", ".join(f"{k} {mb(v)}" for k, v in sorted(x["per_format"].items()))
    c = f"{cpu[s][0] + cpu[s][1]:.1f} s" if s in cpu else "-"
    name = {"before": "before imgopt", "original": "--link-format original",
            "auto": "--link-format auto (default)"}[s]
    print(f"| {name} | {mb(x['bytes'])} | "
          f"{100 * x['bytes'] / r['before']['bytes']:.1f}% | {x['missing']} "
          f"| {fmt} | {x['feed']['images']} ({x['feed']['missing']}) | {c} |")
j = [float(s[0]) for s in scores]
l = [float(s[1]) for s in scores]
webp = sum(1 for s in scores if s[2] == "webp")
print(f"\nButteraugli against the original resized to the variant's width, "
      f"{len(scores)} distinct still images ({webp} linked as WebP by auto, "
      f"the rest as JPEG):\n")
print("| links | median | 90th percentile |")
print("|---|---|---|")
for name, v in (("original (JPEG variants)", j), ("auto", l)):
    q = statistics.quantiles(v, n=10)[-1] if len(v) > 1 else v[0]
    print(f"| {name} | {statistics.median(v):.3f} | {q:.3f} |")
print(f"\nA second `imgopt run` with auto: {rerun} in the posts.")
EOF
cat "$here/results/lighter.md"
