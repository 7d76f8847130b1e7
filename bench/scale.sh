#!/bin/sh
# bench/scale.sh: how imgopt's cost grows with the number of images.
#
#   bench/scale.sh [BUILD_DIR] [WORK_DIR]
#
# For each size (1,000 and 10,000 images; 100,000 too with SCALE_100K=1)
# genblog writes a seed-like blog of SIZE/4 posts (each closing with the
# three account banners saved again under new media ids, as the seed's
# posts do) into WORK_DIR/SIZE (default WORK_DIR: /tmp/imgopt-bench-scale,
# left in place; delete it to regenerate), then, one after the other:
#
#   first run     `imgopt run` with no manifest: everything indexed,
#                 grouped, encoded, every post rewritten (with
#                 --link-format original, the setting the README's figures
#                 were measured with, before auto, which adds a WebP
#                 encoding or two per still, became the default: the
#                 subject is how the per-file work grows)
#   scan          `imgopt scan`
#   dupes         `imgopt dupes --rescan` (the whole job, manifest warm)
#   check         `imgopt check`, the tree unchanged since the run
#   prune -n      `imgopt prune --dry-run`
#   find          `find -printf` of every entry (the floor of a re-run)
#
# each under /usr/bin/time (wall, user+sys CPU, peak RSS), and writes
# bench/results/scale.md (scale-real.md with SIZES=real): CPU per image,
# peak RSS, the bytes of RSS each file adds beyond the 1,000-image run's, and each step's CPU per image
# relative to the next smaller size's (1.00 = linear; at 1,000 images the
# start-up, about 20-40 ms, is a large part of a step, so the 10,000 row
# is mostly start-up amortised and the 100,000 row is the telling one).
#
# SIZES=tiny (default) writes 64x48 images that encode in a few ms, so the
# per-file work (walk, hash, manifest, plan, rewrite) is what grows and is
# measured; SIZES=real writes seed-sized ones (1080 px JPEGs of 20-200 KB,
# genblog's flat pixels padded to size: about 17 ms of CPU per content
# encoded, 10 minutes for the 100,000-image first run on 2 busy cores, 9 GB).
# SCALE_100K=1 adds the 100,000-image size (about 125,000 files, 0.5 GB
# tiny; genblog 15 s, the first run about 10 minutes on 2 busy cores);
# FIRST_RUN_MAX (default: every size) skips the first run above that many
# images (the later steps then find no manifest and index the tree first).
set -eu

BUILD=${1:-build}
WORK=${2:-/tmp/imgopt-bench-scale}
SIZES_KIND=${SIZES:-tiny}
FIRST_RUN_MAX=${FIRST_RUN_MAX:-100000000}
HERE=$(cd "$(dirname "$0")" && pwd)
IMGOPT=$(cd "$BUILD" && pwd)/src/imgopt
GENBLOG=$(cd "$BUILD" && pwd)/tools/genblog
REPORT=$HERE/results/scale.md
NOTES=$HERE/results/scale-notes.md
if [ "$SIZES_KIND" != tiny ]; then
	REPORT=$HERE/results/scale-$SIZES_KIND.md
	NOTES=$HERE/results/scale-$SIZES_KIND-notes.md
fi
COUNTS="1000 10000"
[ "${SCALE_100K:-0}" = 1 ] && COUNTS="$COUNTS 100000"

for tool in /usr/bin/time python3; do
	command -v "$tool" >/dev/null 2>&1 || {
		echo "bench/scale.sh: $tool is missing" >&2
		exit 2
	}
done
[ -x "$IMGOPT" ] && [ -x "$GENBLOG" ] || {
	echo "bench/scale.sh: build $BUILD first (src/imgopt, tools/genblog)" >&2
	exit 2
}
mkdir -p "$WORK" "$HERE/results"

# step SIZE NAME CMD...: runs CMD in the blog, timed into WORK/SIZE.NAME.time
step() {
	size=$1 name=$2
	shift 2
	echo "  $size: $name" >&2
	(cd "$WORK/$size" && /usr/bin/time -f "%e %U %S %M" \
		-o "$WORK/$size.$name.time" "$@" \
		>"$WORK/$size.$name.out" 2>"$WORK/$size.$name.err") || true
}

for n in $COUNTS; do
	blog=$WORK/$n
	if [ ! -f "$blog/genblog-truth.json" ]; then
		rm -rf "$blog"
		/usr/bin/time -f "%e %U %S %M" -o "$WORK/$n.gen.time" \
			"$GENBLOG" --posts $((n / 4)) --images "$n" --seed 18 \
			--sizes "$SIZES_KIND" --out "$blog" >/dev/null
	fi
	rm -rf "$blog/.imgopt" "$blog/postimg/optimized"
	# the posts as genblog wrote them (a first run rewrites them)
	if [ -d "$WORK/$n.posts" ]; then
		rm -rf "$blog/_posts"
		cp -a "$WORK/$n.posts" "$blog/_posts"
	else
		cp -a "$blog/_posts" "$WORK/$n.posts"
	fi
	find "$blog" -type f >/dev/null # the page cache warm for every step
	if [ "$n" -le "$FIRST_RUN_MAX" ]; then
		step "$n" first "$IMGOPT" run _posts postimg --json \
			--link-format original
	fi
	step "$n" scan "$IMGOPT" scan _posts postimg --json
	step "$n" dupes "$IMGOPT" dupes _posts postimg --json --rescan
	step "$n" check "$IMGOPT" check _posts postimg --json
	step "$n" prune "$IMGOPT" prune _posts postimg --dry-run --json
	step "$n" find find . -printf '%s %T@ %i\n'
	find "$blog" -type f | wc -l >"$WORK/$n.files"
done

python3 - "$WORK" "$SIZES_KIND" $COUNTS >"$REPORT" <<'EOF'
import json, os, sys

work, kind, counts = sys.argv[1], sys.argv[2], [int(c) for c in sys.argv[3:]]
steps = [("first", "first run (`run`, no manifest)"), ("scan", "`scan`"),
         ("dupes", "`dupes --rescan`"), ("check", "unchanged `check`"),
         ("prune", "`prune --dry-run`"), ("find", "`find -printf` (floor)")]

def timing(n, name):
    path = os.path.join(work, "%d.%s.time" % (n, name))
    if not os.path.exists(path):
        return None
    wall, user, sys_, rss = open(path).read().split()[-4:]
    return float(wall), float(user) + float(sys_), int(rss) * 1024

def files(n):
    return int(open(os.path.join(work, "%d.files" % n)).read())

def summary(n):
    try:
        return json.load(open(os.path.join(work, "%d.first.out" % n)))["summary"]
    except (OSError, ValueError, KeyError):
        return None

base = counts[0]
print("# Scaling: 1,000 to %s images\n" % "{:,}".format(counts[-1]))
print("`bench/scale.sh` on %d cores, load average %s at the end; genblog "
      "--sizes %s, SIZE/4 posts; each step once, the page cache warm." %
      (os.cpu_count(), open("/proc/loadavg").read().split()[0], kind))
print("\n| images | files | step | wall s | CPU s | CPU ms per image | "
      "peak RSS MB | RSS bytes per file beyond %s | CPU per image vs the size before |" %
      "{:,}".format(base))
print("|---:|---:|---|---:|---:|---:|---:|---:|---:|")
for name, label in steps:
    b = timing(base, name)
    prev = None
    for n in counts:
        t = timing(n, name)
        if t is None:
            continue
        wall, cpu, rss = t
        per_file = ("%.0f" % ((rss - b[2]) / (files(n) - files(base)))
                    if b and n != base else "")
        linear = ("%.2f" % ((cpu / n) / (prev[1] / prev[0]))
                  if prev and prev[1] > 0 else "")
        prev = (n, cpu)
        print("| %s | %s | %s | %.2f | %.2f | %.3f | %.1f | %s | %s |" %
              ("{:,}".format(n), "{:,}".format(files(n)), label, wall, cpu,
               1000 * cpu / n, rss / 1e6, per_file, linear))
print()
for n in counts:
    s = summary(n)
    t = timing(n, "first")
    if s and t:
        print("- %s images, first run: %d sources encoded, %d variant files, "
              "%d posts rewritten, %d references; CPU per encoded source "
              "%.1f ms." % ("{:,}".format(n), s["encoded"],
                            s["variant_files_written"], s["posts_changed"],
                            s["references"],
                            1000 * t[1] / max(1, s["encoded"])))
    g = os.path.join(work, "%d.gen.time" % n)
    if os.path.exists(g):
        w, u, sy, _ = open(g).read().split()[-4:]
        print("- %s images: genblog took %s s wall, %.2f s CPU." %
              ("{:,}".format(n), w, float(u) + float(sy)))
EOF
if [ -f "$NOTES" ]; then
	printf '\n' >>"$REPORT"
	cat "$NOTES" >>"$REPORT"
fi
cat "$REPORT"
