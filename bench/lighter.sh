#!/bin/sh
# bench/lighter.sh BUILD_DIR: what a reader downloads from a seed-like blog,
# before imgopt and after it with each --link-format (original: today's
# JPEG links; auto, the default; avif), and at what quality.
#
# The blog is genblog's (40 posts in the seed's form, --sizes real), its
# JPEGs given pixels (genblog's are flat grey, padded to size with comment
# bytes: any re-encoding would look perfect and tiny) from one of two
# bases, each measured on its own copy of the blog:
#   grain   each distinct JPEG content becomes a crop of one of five
#           textured bases (gradients, blurred noise and grain, as
#           bench/gen_photos.sh makes) at its own size: a worst case for
#           WebP, whose smoothing butteraugli sees on grain;
#   photos  a crop of one of the photos of ../shared/sites/hux/img (the
#           JPEGs 1600 px wide or more, read from the shared folder at bench
#           time, never committed), scaled up first where the content is
#           larger.  These are the photos recompress.c's WebP offset was
#           calibrated on (other crops, other sizes): not an independent
#           check of the offset, but real pixels.
# Either is saved at quality 85 (a WeChat export's), so duplicates stay
# byte-identical.  GIFs and PNGs stay genblog's.  A feed.xml template that
# embeds every post's HTML (as a Jekyll blog's feed does) is added.
#
# Each copy is built with `jekyll build`; lighter_pages.py reads what the
# pages show.  Quality: for LIGHTER_SAMPLE (default 40) distinct still
# images, butteraugli of the variant each site links against the original
# resized to the variant's width (vips resize, Lanczos 3), median of each.
# Writes results/lighter.md.  LIGHTER_BASES (default "grain photos")
# chooses the bases; LIGHTER_KEEP=1 keeps the work folder (printed).  Takes about half an hour on two cores.
#
# LIGHTER_CEILING=1 adds what any per-picture choice could reach (twenty
# minutes more a basis): for each sampled content, WebP (quality 80-96)
# and AVIF (50-85), encoded as imgopt encodes them (libvips, WebP effort 4,
# AVIF AV1 effort 2) from the very reference butteraugli scores against,
# and the lightest of them and the JPEG variant that butteraugli finds no
# worse than the JPEG variant: an oracle that knows the judge's score of
# every encoding, so no matcher can link lighter at that quality.
set -eu
build=$(cd "${1:-build-release}" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
. "$here/grain.sh"
imgopt=$build/src/imgopt
genblog=$build/tools/genblog
sample=${LIGHTER_SAMPLE:-40}
command -v butteraugli > /dev/null || {
	echo "lighter.sh: butteraugli missing (scripts/setup.sh bench)" >&2
	exit 1
}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/lighter.XXXXXX")
# LIGHTER_KEEP=1 keeps the sites, the pairs scored and the scores
[ -n "${LIGHTER_KEEP:-}" ] && echo "lighter.sh: keeping $tmp" >&2 ||
	trap 'rm -rf "$tmp"' EXIT

shared=${IMGOPT_SHARED:-$(cd "$here/.." && pwd)/../shared}
hux=${HUX_DIR:-$shared/sites/hux/img}
bases=${LIGHTER_BASES:-grain photos}
sites="before original auto avif"

"$genblog" --posts 40 --images 500 --seed 2026 --sizes real \
	--out "$tmp/blog0" > /dev/null
rm -f "$tmp/blog0/genblog-truth.json"
cat > "$tmp/blog0/feed.xml" << 'EOF'
---
layout: null
---
<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>{{ site.title | xml_escape }}</title>
{% for post in site.posts %}<item><title>{{ post.title | xml_escape }}</title>
<description>{{ post.content | xml_escape }}</description></item>
{% endfor %}</channel></rss>
EOF

# ---- the pixel bases: $tmp/base$b.v, $n_bases of them ----
grain_bases() {
	max_h=1600
	for f in "$tmp"/blog/postimg/*; do
		h=$(vipsheader -f height "$f" 2> /dev/null || echo 0)
		[ "$h" -gt "$max_h" ] && max_h=$h
	done
	make_grain_bases "$tmp" "$max_h"
	n_bases=5
}
photos_bases() {
	n_bases=0
	for f in "$hux"/*.jpg; do
		[ "$(vipsheader -f width "$f")" -ge 1600 ] || continue
		vips colourspace "$f" "$tmp/base$n_bases.v" srgb
		n_bases=$((n_bases + 1))
	done
	[ "$n_bases" -gt 0 ] || {
		echo "lighter.sh: no photos in $hux" >&2
		exit 1
	}
}

# A @w x @h crop of base $1 (scaled up first where smaller) into $2.
crop_base() {
	bw=$(vipsheader -f width "$1")
	bh=$(vipsheader -f height "$1")
	scale=$(awk "BEGIN { s = $w / $bw; t = $h / $bh; if (t > s) s = t;
		print (s > 1 ? s * 1.01 : 1) }")
	src=$1
	if [ "$scale" != 1 ]; then
		vips resize "$1" "$tmp/r.v" "$scale"
		src=$tmp/r.v
		bw=$(vipsheader -f width "$src")
	fi
	x=$(((i * 211) % (bw - w + 1)))
	vips crop "$src" "$2" "$x" 0 "$w" "$h"
}

# Gives every distinct JPEG of $tmp/blog pixels from the bases.
paint_jpegs() {
	rm -rf "$tmp/px"
	mkdir -p "$tmp/px"
	i=0
	for f in "$tmp"/blog/postimg/*; do
		[ "$(vipsheader -f vips-loader "$f" 2> /dev/null)" = jpegload ] ||
			continue
		key=$(sha1sum < "$f" | cut -c1-40)
		if [ ! -f "$tmp/px/$key.jpg" ]; then
			w=$(vipsheader -f width "$f")
			h=$(vipsheader -f height "$f")
			crop_base "$tmp/base$((i % n_bases)).v" "$tmp/p.v"
			vips linear "$tmp/p.v" "$tmp/px/$key.jpg[Q=85,strip]" \
				"1 0.$((80 + i % 19)) 0.$((70 + (i * 7) % 29))" \
				"0 $((i % 9)) $((i % 13))" --uchar
			i=$((i + 1))
		fi
		cp "$tmp/px/$key.jpg" "$f"
	done
	rm -f "$tmp"/base*.v "$tmp/p.v" "$tmp/r.v"
}

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

# The ceiling's ladder for JPEG variant $2 of original $1 (see the top):
# lines "VARIANT FORMAT QUALITY BYTES BUTTERAUGLI" on stdout.
ladder() {
	echo "$2 jpeg 0 $(stat -c %s "$tmp/original/_site/$2") \
$(score "$1" "$tmp/original/_site/$2")"
	# score() left the reference, at the variant's size, in ref.png
	for q in 80 82 84 86 88 90 92 94 96; do
		vips webpsave "$tmp/ref.png" "$tmp/l.webp" --Q "$q" --effort 4 \
			--strip
		vips copy "$tmp/l.webp" "$tmp/l.png"
		echo "$2 webp $q $(stat -c %s "$tmp/l.webp") \
$(butteraugli "$tmp/ref.png" "$tmp/l.png")"
	done
	for q in 50 55 60 65 70 75 80 85; do
		vips heifsave "$tmp/ref.png" "$tmp/l.avif" --Q "$q" \
			--compression av1 --effort 2 --strip
		vips copy "$tmp/l.avif" "$tmp/l.png"
		echo "$2 avif $q $(stat -c %s "$tmp/l.avif") \
$(butteraugli "$tmp/ref.png" "$tmp/l.png")"
	done 2> /dev/null
	rm -f "$tmp/l.webp" "$tmp/l.avif" "$tmp/l.png"
}

# For the ceiling, while this basis' sites are there: the bytes the
# pages show of the JPEG contents (the pairs' rule: a JPEG original that
# original links to a variant) as original and auto link them, of
# everything else as auto links it, and how many pages show each JPEG
# variant (a page counts an image once, as lighter_pages.py does).
weigh() {
	python3 - "$tmp" "$1" << 'EOF'
import json, os, sys
tmp, out = sys.argv[1:3]
sh = {s: json.load(open(f"{out}/{s}.json"))["shown"]
      for s in ("before", "original", "auto")}
size = lambda site, f: os.path.getsize(f"{tmp}/{site}/_site/{f}")
pages, seen = {}, set()
w = {"jpeg_original": 0, "jpeg_auto": 0, "rest_auto": 0}
for x, y, z in zip(sh["before"], sh["original"], sh["auto"]):
    is_jpeg = (None not in (x[2], y[2]) and x[2] != y[2] and
               x[2].lower().endswith((".jpg", ".jpeg")))
    if is_jpeg:
        pages.setdefault(y[2], set()).add(y[0])
        if ("o", y[0], y[2]) not in seen:
            w["jpeg_original"] += size("original", y[2])
            seen.add(("o", y[0], y[2]))
    if z[2] is not None and ("a", z[0], z[2]) not in seen:
        w["jpeg_auto" if is_jpeg else "rest_auto"] += size("auto", z[2])
        seen.add(("a", z[0], z[2]))
w["pages"] = {k: len(v) for k, v in pages.items()}
json.dump(w, sys.stdout)
EOF
}

# Measures one basis: $tmp/$1/{SITE.json,SITE.time,scores,rerun}.
measure() {
	out=$tmp/$1
	mkdir -p "$out"
	rm -rf "$tmp/blog"
	cp -a "$tmp/blog0" "$tmp/blog"
	"$1_bases"
	paint_jpegs
	for site in $sites; do
		rm -rf "$tmp/$site"
		cp -a "$tmp/blog" "$tmp/$site"
	done
	for link in original auto avif; do
		# exit 1: genblog's broken links, reported
		/usr/bin/time -f "%U %S %e" -o "$out/$link.time" \
			"$imgopt" run -q --link-format "$link" \
			"$tmp/$link/_posts" "$tmp/$link/postimg" > /dev/null \
			2> "$tmp/$link.err" || [ $? -eq 1 ]
		git -C "$tmp" diff --no-index --quiet "$tmp/blog/_posts" \
			"$tmp/$link/_posts" && {
			echo "lighter.sh: --link-format $link rewrote nothing" >&2
			exit 1
		}
	done
	# a re-run (with the default, auto) changes nothing
	cp -a "$tmp/auto/_posts" "$tmp/auto-posts-1"
	"$imgopt" run -q "$tmp/auto/_posts" "$tmp/auto/postimg" > /dev/null \
		2>&1 || [ $? -eq 1 ]
	if git diff --no-index --quiet "$tmp/auto-posts-1" "$tmp/auto/_posts"; then
		echo "no change" > "$out/rerun"
	else
		echo "CHANGED" > "$out/rerun"
	fi
	rm -rf "$tmp/auto-posts-1"
	for site in $sites; do
		(cd "$tmp/$site" && jekyll build -q -d _site > /dev/null 2>&1)
		python3 "$here/lighter_pages.py" "$tmp/$site/_site" \
			> "$out/$site.json"
	done
	python3 - "$out" "$sample" > "$tmp/pairs" << 'EOF'
import json, sys
out, sample = sys.argv[1], int(sys.argv[2])
b, o, a, v = (json.load(open(f"{out}/{s}.json"))["shown"]
              for s in ("before", "original", "auto", "avif"))
# distinct contents: byte-identical copies under other names share the
# variant the original site links (y), and count once
seen, pairs = set(), []
for x, y, z, u in zip(b, o, a, v):
    if None in (x[2], y[2], z[2], u[2]) or y[2] in seen:
        continue
    if not x[2].lower().endswith((".jpg", ".jpeg")) or x[2] == y[2]:
        continue
    seen.add(y[2])
    pairs.append((x[2], y[2], z[2], u[2]))
step = max(1, len(pairs) // sample)
for p in pairs[::step][:sample]:
    print(" ".join(p))
EOF
	: > "$out/scores"
	rm -f "$out/ladder"
	while read -r orig jpeg linked avif; do
		o=$tmp/before/_site/$orig
		[ "$(vipsheader -f vips-loader "$o")" = jpegload ] || continue
		s_jpeg=$(score "$o" "$tmp/original/_site/$jpeg")
		s_link=$(score "$o" "$tmp/auto/_site/$linked")
		s_avif=$(score "$o" "$tmp/avif/_site/$avif")
		echo "$s_jpeg $s_link ${linked##*.} $s_avif ${avif##*.}" \
			>> "$out/scores"
		[ -z "${LIGHTER_CEILING:-}" ] || ladder "$o" "$jpeg" \
			>> "$out/ladder"
	done < "$tmp/pairs"
	[ -z "${LIGHTER_CEILING:-}" ] || weigh "$out" > "$out/weights.json"
	[ -n "${LIGHTER_KEEP:-}" ] && return
	for site in $sites; do
		rm -rf "${tmp:?}/$site"
	done
}

for basis in $bases; do
	measure "$basis"
done

python3 - "$tmp" "$bases" > "$here/results/lighter.md" << 'EOF'
import json, os, statistics, sys
tmp, bases = sys.argv[1], sys.argv[2].split()
sites = ("before", "original", "auto", "avif")
names = {"before": "before imgopt", "original": "--link-format original",
         "auto": "--link-format auto (default)",
         "avif": "--link-format avif"}
about = {"grain": "photo-like grain (gradients, blurred noise and grain: "
                  "a worst case for WebP)",
         "photos": "crops of the Hux blog's photos (img/*.jpg, 1600 px "
                   "wide or more)"}
mb = lambda n: f"{n / 1e6:.1f} MB"
print("# Lighter pages: what a reader downloads (bench/lighter.sh)\n")
for basis in bases:
    out = f"{tmp}/{basis}"
    r = {s: json.load(open(f"{out}/{s}.json")) for s in sites}
    # /usr/bin/time's last line (a line before it reports the exit status)
    cpu = {s: [float(x) for x in
               open(f"{out}/{s}.time").read().split("\n")[-2].split()]
           for s in sites[1:]}
    scores = [l.split() for l in open(f"{out}/scores")]
    print(f"## JPEG pixels: {about.get(basis, basis)}\n")
    print(f"genblog --posts 40 --images 500 --seed 2026 --sizes real, each "
          f"JPEG given these pixels at quality 85; {r['before']['pages']} "
          f"pages built by jekyll, {r['before']['images']} images shown.\n")
    print("| site | image bytes the pages show | of before | missing "
          "| by format | feed.xml images (missing) | imgopt CPU (user+sys) |")
    print("|---|---|---|---|---|---|---|")
    for s in sites:
        x = r[s]
        fmt = ", ".join(f"{k} {mb(v)}"
                        for k, v in sorted(x["per_format"].items()))
        c = f"{cpu[s][0] + cpu[s][1]:.1f} s" if s in cpu else "-"
        print(f"| {names[s]} | {mb(x['bytes'])} | "
              f"{100 * x['bytes'] / r['before']['bytes']:.1f}% | "
              f"{x['missing']} | {fmt} | {x['feed']['images']} "
              f"({x['feed']['missing']}) | {c} |")
    cols = (("original (JPEG variants)", 0, None),
            ("auto", 1, 2), ("avif", 3, 4))
    webp = sum(1 for s in scores if s[2] == "webp")
    avif = sum(1 for s in scores if s[4] == "avif")
    print(f"\nButteraugli against the original resized to the variant's "
          f"width, {len(scores)} distinct still images (auto linked {webp} "
          f"as WebP, avif {avif} as AVIF, the rest as JPEG or WebP):\n")
    print("| links | median | 90th percentile |")
    print("|---|---|---|")
    for name, i, _ in cols:
        v = [float(s[i]) for s in scores]
        q = statistics.quantiles(v, n=10)[-1] if len(v) > 1 else v[0]
        print(f"| {name} | {statistics.median(v):.3f} | {q:.3f} |")
    rerun = open(f"{out}/rerun").read().strip()
    print(f"\nA second `imgopt run` (auto): {rerun} in the posts.\n")
    try:
        ladder = [l.split() for l in open(f"{out}/ladder")]
    except FileNotFoundError:
        continue
    wt = json.load(open(f"{out}/weights.json"))
    jpeg_bytes, rest, auto_jpeg = (wt["jpeg_original"], wt["rest_auto"],
                                   wt["jpeg_auto"])
    best, ratio = {}, [0, 0]
    for v, fmt, q, size, score in ladder:
        best.setdefault(v, []).append((fmt, int(q), int(size), float(score)))
    chosen = []
    for v, e in best.items():
        jpeg = e[0]
        c = min((x for x in e if x[3] <= jpeg[3]), key=lambda x: x[2])
        w = wt["pages"].get(v, 1)
        ratio[0] += w * c[2]
        ratio[1] += w * jpeg[2]
        chosen.append(c)
    k = ratio[0] / ratio[1]
    total = rest + jpeg_bytes * k
    by = {f: sum(1 for c in chosen if c[0] == f) for f in ("jpeg", "webp",
                                                          "avif")}
    print(f"The ceiling of any per-picture choice (LIGHTER_CEILING=1): for "
          f"each of the {len(chosen)} contents, the lightest of its JPEG "
          f"variant, WebP at quality 80-96 and AVIF at 50-85 (libvips, as "
          f"imgopt encodes them, from the reference butteraugli scores "
          f"against) whose butteraugli is no more than the JPEG variant's: "
          f"{by['jpeg']} stay JPEG, {by['webp']} WebP, {by['avif']} AVIF; "
          f"median {statistics.median(c[3] for c in chosen):.3f}, "
          f"**{k:.3f}x the JPEG variants' bytes** (each content weighted by "
          f"the pages that show it; what auto links for all of them: "
          f"{auto_jpeg / jpeg_bytes:.3f}x).  The JPEG contents weigh "
          f"{mb(jpeg_bytes)} as original links them, everything else "
          f"{mb(rest)} as auto links it: at that ratio the pages would show "
          f"{mb(total)}, **{100 * total / r['before']['bytes']:.1f}% of "
          f"before**.\n")
EOF
cat "$here/results/lighter.md"
