#!/bin/sh
# recompress.sh: imgopt build against @11ty/eleventy-img and vipsthumbnail,
# side by side, on the Hux blog's img/ and on a generated corpus, with the
# same widths, formats and quality.  Writes bench/results/recompress.md.
#
# usage: bench/recompress.sh [BUILD_DIR] [N_GENERATED]
#   BUILD_DIR    where imgopt was built (default: build)
#   N_GENERATED  photos in the generated corpus (default 100), plus 4 GIFs
# environment: WIDTHS (480,960,1600), FORMATS (jpeg), QUALITY (80),
#   TARGET (the imgopt row's --target; default: imgopt's own default;
#   the imgopt-fixed row is --target 0, every image at QUALITY),
#   SCORE_EVERY_HUX (1) and
#   SCORE_EVERY_GEN (4): butteraugli scores the outputs of every Nth
#   source of each corpus (1 = all; about a second per output),
#   BENCH_TMP (a scratch folder; default mktemp), JOBS (cores), HUX_DIR
#   (the first corpus; default ../shared/sites/hux/img), ROUNDS (3: runs
#   of each tool but vipsthumbnail, interleaved; the table gives medians)
#
# Each tool runs under /usr/bin/time -v: wall time, user+sys CPU and peak
# RSS (for vipsthumbnail, the largest of its processes).  Scores are
# butteraugli distances (lower is better) of each still output against a
# reference: the original resized to the output's width by
# `vips thumbnail` and saved as PNG.  Needs: node + npm (eleventy-img is
# installed into bench/eleventy/node_modules by `npm ci`), vips,
# vipsthumbnail, butteraugli, python3, /usr/bin/time.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
build=${1:-$root/build}
n_gen=${2:-100}
imgopt=$(cd "$build" && pwd)/src/imgopt
shared=${IMGOPT_SHARED:-$root/../shared}
hux=${HUX_DIR:-$shared/sites/hux/img}
widths=${WIDTHS:-480,960,1600}
formats=${FORMATS:-jpeg}
quality=${QUALITY:-80}
target=${TARGET:-}
jobs=${JOBS:-$(nproc)}
rounds=${ROUNDS:-3}
work=${BENCH_TMP:-$(mktemp -d "${TMPDIR:-/tmp}/imgopt-bench.XXXXXX")}
mkdir -p "$work"

[ -x "$imgopt" ] || { echo "no imgopt at $imgopt" >&2; exit 2; }
[ -d "$here/eleventy/node_modules" ] || (cd "$here/eleventy" && npm ci --no-audit --no-fund)

# timed NAME CMD...: runs CMD under /usr/bin/time -v into
# $work/NAME.time.$round (the report takes the median over the rounds)
timed() {
	name=$1
	shift
	/usr/bin/time -v -o "$work/$name.time.$round" "$@"
}

# A site whose one post references every image of the corpus, so
# `imgopt build` processes exactly the files the other tools get.
make_site() {
	corpus=$1 site=$2
	rm -rf "$site"
	mkdir -p "$site/_posts"
	cp -r "$corpus" "$site/img"
	: > "$site/_config.yml"
	(cd "$site" && find img -type f \( -iname '*.jpg' -o -iname '*.jpeg' \
		-o -iname '*.png' -o -iname '*.gif' \) | LC_ALL=C sort) > "$site/list"
	{
		printf -- '---\ntitle: bench\n---\n\n'
		sed 's|.*|![](/&)|' "$site/list"
	} > "$site/_posts/2020-01-01-bench.md"
}

# run_imgopt NAME SITE [EXTRA...]: imgopt build on a fresh copy of SITE,
# making exactly the files the other tools make (--link-format original:
# the default, auto, also makes the WebP a link may name)
run_imgopt() {
	name=$1 site=$2
	shift 2
	rm -rf "$work/$name"
	cp -r "$site" "$work/$name"
	timed "$name" "$imgopt" build "$work/$name/_posts" "$work/$name/img" \
		--widths "$widths" --formats "$formats" --quality "$quality" \
		--link-format original --jobs "$jobs" --json "$@" \
		> "$work/$name.json"
	python3 "$here/recompress_report.py" imgopt-map "$work/$name.json" \
		"$work/$name" > "$work/$name.map"
}

run_eleventy() {
	name=$1 site=$2
	rm -rf "$work/$name"
	sed "s|^|$site/|" "$site/list" > "$work/$name.in"
	timed "$name" node "$here/eleventy/run.mjs" "$work/$name" "$widths" \
		"$formats" "$quality" < "$work/$name.in" > "$work/$name.map"
}

# One vipsthumbnail process per output, $jobs at a time; a width above
# the source's gives the source's width (--size W> never upscales).
run_vipsthumbnail() {
	name=$1 site=$2
	rm -rf "$work/$name"
	mkdir -p "$work/$name"
	: > "$work/$name.jobs"
	: > "$work/$name.map"
	i=0
	while read -r rel; do
		i=$((i + 1))
		ext=jpg opts="Q=$quality,optimize_coding,strip"
		case $rel in
		*.gif | *.GIF) ext=gif opts="strip" in="$site/$rel[n=-1]" ;;
		*.png | *.PNG) ext=png opts="strip" in="$site/$rel" ;;
		*) in="$site/$rel" ;;
		esac
		for w in $(echo "$widths" | tr , ' '); do
			out="$work/$name/$i-$w.$ext"
			printf '"%s" --size "%sx>" -o "%s[%s]"\n' "$in" "$w" "$out" "$opts" >> "$work/$name.jobs"
			printf '%s\t%s\n' "$site/$rel" "$out" >> "$work/$name.map"
		done
	done < "$site/list"
	timed "$name" sh -c "xargs -P $jobs -L 1 vipsthumbnail < '$work/$name.jobs'"
}

bench_corpus() {
	label=$1 corpus=$2 every=$3
	site=$work/$label-site
	make_site "$corpus" "$site"
	rm -f "$work/$label"-*.time.*
	# vipsthumbnail once (it takes ten times as long and is no target);
	# the others $rounds times, interleaved, so that a slow moment of the
	# machine touches every tool alike; the outputs scored are the last
	# round's
	round=1
	run_vipsthumbnail "$label-vipsthumbnail" "$site"
	while [ "$round" -le "$rounds" ]; do
		run_eleventy "$label-eleventy" "$site"
		run_imgopt "$label-imgopt" "$site" ${target:+--target "$target"}
		run_imgopt "$label-imgopt-fixed" "$site" --target 0
		round=$((round + 1))
	done
	python3 "$here/recompress_report.py" score "$work" "$label" "$every" \
		"$label-eleventy" "$label-vipsthumbnail" "$label-imgopt" \
		"$label-imgopt-fixed" >> "$work/table.md"
}

[ -d "$work/gen" ] || "$here/gen_photos.sh" "$work/gen" "$n_gen"
: > "$work/table.md"
bench_corpus hux "$hux" "${SCORE_EVERY_HUX:-1}"
bench_corpus generated "$work/gen" "${SCORE_EVERY_GEN:-4}"

mkdir -p "$here/results"
python3 "$here/recompress_report.py" markdown "$work/table.md" \
	"widths $widths, formats $formats, quality $quality, target ${target:-default}, jobs $jobs, $(nproc) cores; $(ls "$work/gen" | wc -l) generated files; medians of $rounds interleaved runs (vipsthumbnail: 1); load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)" \
	> "$here/results/recompress.md"
# Hand-written analysis kept beside the generated table.
if [ -f "$here/results/recompress-notes.md" ]; then
	printf '\n' >> "$here/results/recompress.md"
	cat "$here/results/recompress-notes.md" >> "$here/results/recompress.md"
fi
cat "$here/results/recompress.md"
echo "scratch: $work" >&2
