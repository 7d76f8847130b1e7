#!/bin/sh
# bench/dupes.sh: `imgopt dupes` against jdupes and rmlint, side by side
# in one run, on a seed-like blog of at least 20,000 image files written
# by genblog, every tool with the page cache warm; then the peak memory
# of hashing 2 GB files.
#
#   bench/dupes.sh [BUILD_DIR] [WORK_DIR]
#
# BUILD_DIR (default: build) holds src/imgopt and tools/genblog; WORK_DIR
# (default: /tmp/imgopt-bench-dupes) receives the blog (about 4 GB) and is
# left in place for a re-run (delete it to regenerate).  POSTS, IMAGES,
# SEED and ROUNDS may be set in the environment.
#
# The comparison is the issue's: a user re-running at a terminal, or a CI
# runner with a restored cache, so the page cache is warm for every tool
# (the tree is read once before the rounds).  "cold" is imgopt's first
# run: no manifest, every candidate read, hashed and byte-compared; jdupes
# and rmlint keep nothing between runs, so each of their runs is cold in
# that sense.  Then imgopt's `--rescan` (the whole job with the manifest's
# hashes), its unchanged re-run (the stored result after a stat walk),
# and `find -printf` of every entry (the floor of any re-run).  With
# DROP_CACHES=1 (root only) each round first drops the page cache and
# times imgopt's and jdupes' cold runs from the disk as extra rows.
#
# Needs /usr/bin/time (Debian: time), rmlint, jdupes and python3 (to
# compare the groups).  Prints a Markdown report on stdout and saves it in
# bench/results/dupes.md.
set -eu

BUILD=${1:-build}
WORK=${2:-/tmp/imgopt-bench-dupes}
POSTS=${POSTS:-1600}
IMAGES=${IMAGES:-26000}
SEED=${SEED:-1}
ROUNDS=${ROUNDS:-3}
HERE=$(cd "$(dirname "$0")" && pwd)
IMGOPT=$(cd "$BUILD" && pwd)/src/imgopt
GENBLOG=$(cd "$BUILD" && pwd)/tools/genblog
BLOG=$WORK/blog
OUT=$WORK/out
REPORT=$HERE/results/dupes.md

for tool in /usr/bin/time rmlint jdupes python3; do
	command -v "$tool" >/dev/null 2>&1 || {
		echo "bench/dupes.sh: $tool is missing (apt-get install -y time rmlint jdupes python3)" >&2
		exit 2
	}
done
[ -x "$IMGOPT" ] && [ -x "$GENBLOG" ] || {
	echo "bench/dupes.sh: build $BUILD first (src/imgopt, tools/genblog)" >&2
	exit 2
}
mkdir -p "$OUT" "$HERE/results"

if [ ! -f "$BLOG/genblog-truth.json" ]; then
	echo "generating $POSTS posts, about $IMAGES images in $BLOG ..." >&2
	rm -rf "$BLOG"
	/usr/bin/time -f "%e" -o "$OUT/gen.time" \
		"$GENBLOG" --posts "$POSTS" --images "$IMAGES" --seed "$SEED" \
		--sizes real --out "$BLOG"
fi
N_FILES=$(find "$BLOG/postimg" -type f | wc -l)
BYTES=$(du -sb "$BLOG/postimg" | cut -f1)
if [ "$N_FILES" -lt 20000 ]; then
	echo "bench/dupes.sh: only $N_FILES files; raise IMAGES" >&2
	exit 2
fi

CAN_DROP=no
if [ "${DROP_CACHES:-0}" = 1 ] &&
	(sync && echo 3 >/proc/sys/vm/drop_caches) 2>/dev/null; then
	CAN_DROP=yes
fi

# measure NAME CMD...: runs CMD in the blog folder, stdout to OUT/NAME.out,
# wall/user/sys/peak RSS to OUT/NAME.time.
measure() {
	name=$1
	shift
	(cd "$BLOG" && /usr/bin/time -f "%e %U %S %M" -o "$OUT/$name.time" \
		"$@" >"$OUT/$name.out" 2>"$OUT/$name.err") || true
}

echo "running ..." >&2
find "$BLOG" -type f -exec cat {} + >/dev/null # the page cache warm
LOAD_BEFORE=$(cut -d' ' -f1 /proc/loadavg)
# ROUNDS rounds, the tools interleaved in each, so that a shared machine's
# changing load falls on all of them alike; the report gives medians.
for r in $(seq 1 "$ROUNDS"); do
	rm -rf "$BLOG/.imgopt"
	measure "imgopt-cold.$r" "$IMGOPT" dupes _posts postimg --json
	measure "imgopt-warm.$r" "$IMGOPT" dupes _posts postimg --json
	# The whole job over the unchanged tree (the index's cache, not the
	# stored result the warm run prints).
	measure "imgopt-rescan.$r" "$IMGOPT" dupes _posts postimg --json --rescan
	measure "jdupes-warm.$r" jdupes -r -q postimg
	measure "rmlint-warm.$r" rmlint -T df -o json:"$OUT/rmlint-warm.$r.json" postimg
	# The floor of any stat-based change detection: list the tree and
	# stat every file once, nothing else.
	measure "stat-floor.$r" find postimg _posts -printf '%s %T@ %i\n'
	if [ "$CAN_DROP" = yes ]; then
		rm -rf "$BLOG/.imgopt"
		sync && echo 3 >/proc/sys/vm/drop_caches
		measure "imgopt-disk.$r" "$IMGOPT" dupes _posts postimg --json
		sync && echo 3 >/proc/sys/vm/drop_caches
		measure "jdupes-disk.$r" jdupes -r -q postimg
		find "$BLOG" -type f -exec cat {} + >/dev/null
	fi
done

echo "$LOAD_BEFORE / $(cut -d' ' -f1 /proc/loadavg)" >"$OUT/load"

# Peak memory of hashing and comparing two 2 GB files (sparse: the bytes
# are zeros, what is measured is the buffers, not the disk).
BIG=$WORK/big
rm -rf "$BIG"
mkdir -p "$BIG/_posts" "$BIG/img"
printf '![](/img/a.jpg)\n' >"$BIG/_posts/2020-01-01-big.md"
truncate -s 2G "$BIG/img/a.jpg"
truncate -s 2G "$BIG/img/b.jpg"
(cd "$BIG" && /usr/bin/time -f "%e %U %S %M" -o "$OUT/big.time" \
	"$IMGOPT" dupes _posts img --json --hash-all >"$OUT/big.out" 2>"$OUT/big.err") || true
rm -rf "$BIG"

python3 - "$OUT" "$BLOG" "$N_FILES" "$BYTES" "$CAN_DROP" "$ROUNDS" >"$REPORT" <<'EOF'
import json, os, sys

out, blog, n_files, nbytes, can_drop, rounds = sys.argv[1:7]
rounds = int(rounds)

def timing1(name):
    wall, user, sys_, rss = open(os.path.join(out, name + ".time")).read().split()[-4:]
    return float(wall), float(user) + float(sys_), int(rss) / 1024

def median(xs):
    xs = sorted(xs)
    return xs[len(xs) // 2]

def timing(name):
    """Median wall, CPU and peak RSS over the rounds (or one run)."""
    if not os.path.exists(os.path.join(out, name + ".1.time")):
        return timing1(name)
    runs = [timing1("%s.%d" % (name, r)) for r in range(1, rounds + 1)]
    return tuple(median([run[i] for run in runs]) for i in range(3))

def spread(name):
    walls = [timing1("%s.%d" % (name, r))[0] for r in range(1, rounds + 1)]
    return "%.2f-%.2f" % (min(walls), max(walls))

def imgopt_groups(name):
    doc = json.load(open(os.path.join(out, name + ".1.out")))
    return doc, {frozenset(m["path"] for m in g["members"]) for g in doc["groups"]}

def rmlint_groups(name):
    groups = {}
    for item in json.load(open(os.path.join(out, name + ".1.json"))):
        if item.get("type") == "duplicate_file":
            rel = os.path.relpath(item["path"], blog)
            groups.setdefault(item["checksum"], set()).add(rel)
    return {frozenset(g) for g in groups.values() if len(g) > 1}

def jdupes_groups(name):
    groups, cur = set(), []
    for line in open(os.path.join(out, name + ".1.out"), encoding="utf-8",
                     errors="surrogateescape"):
        line = line.rstrip("\n")
        if line:
            cur.append(os.path.normpath(line))
        elif cur:
            groups.add(frozenset(cur))
            cur = []
    if cur:
        groups.add(frozenset(cur))
    return groups

truth = json.load(open(os.path.join(blog, "genblog-truth.json")))
want = {frozenset(g["members"]) for g in truth["groups"]}
cold_doc, found = imgopt_groups("imgopt-cold")
_, found_warm = imgopt_groups("imgopt-warm")
rows = [
    ("imgopt dupes", "cold: no manifest", "imgopt-cold", found),
    ("imgopt dupes --rescan", "manifest, unchanged tree: the whole job",
     "imgopt-rescan", imgopt_groups("imgopt-rescan")[1]),
    ("imgopt dupes", "unchanged re-run (stored result)", "imgopt-warm",
     found_warm),
    ("jdupes -r", "every run", "jdupes-warm", jdupes_groups("jdupes-warm")),
    ("rmlint -T df", "every run", "rmlint-warm", rmlint_groups("rmlint-warm")),
]
if can_drop == "yes":
    rows += [("imgopt dupes", "cold, page cache dropped", "imgopt-disk",
              imgopt_groups("imgopt-disk")[1]),
             ("jdupes -r", "page cache dropped", "jdupes-disk",
              jdupes_groups("jdupes-disk"))]
jwall, jcpu, _ = timing("jdupes-warm")
s = cold_doc["summary"]
print("# `imgopt dupes` vs jdupes and rmlint\n")
print("Generated by `bench/dupes.sh` (genblog --sizes real): %s image files, "
      "%.2f GB, %d posts; %d duplicate groups in the ground truth." %
      (n_files, int(nbytes) / 1e9, truth["posts"], len(want)))
print("Page cache warm for every run (the tree read once before); "
      "medians of %d rounds, the tools interleaved in each round." % rounds)
print("\n| tool | run | wall s (median) | wall s (range) | CPU s (user+sys) | peak RSS MB | groups | same groups as truth | wall vs jdupes | CPU vs jdupes |")
print("|---|---|---:|---:|---:|---:|---:|---|---:|---:|")
for tool, run, name, groups in rows:
    wall, cpu, rss = timing(name)
    print("| %s | %s | %.2f | %s | %.2f | %.1f | %d | %s | %.2fx | %.2fx |" %
          (tool, run, wall, spread(name), cpu, rss, len(groups),
           "yes" if groups == want else "NO", wall / jwall, cpu / jcpu))
fwall, fcpu, _ = timing("stat-floor")
print("| `find -printf` | stat every entry, nothing else | %.2f | %s | %.2f | | | | %.2fx | %.2fx |" %
      (fwall, spread("stat-floor"), fcpu, fwall / jwall, fcpu / jcpu))
base_wall = timing("imgopt-cold")[0]
wwall = timing("imgopt-warm")[0]
warm = json.load(open(os.path.join(out, "imgopt-warm.1.out")))["summary"]
print("\nimgopt cold: %d files hashed (%.0f MB: those whose size another "
      "file shares), %d not read at all (unique size, named as images), "
      "%d header probes (%.1f MB), then every group byte-compared. "
      "Warm re-run: %d hashed, %d files and %d of %d posts from the "
      "manifest (its stored result: `imgopt: nothing changed since` on "
      "stderr: %s), %.1f%% of the cold time (%.1f%% in CPU time)." %
      (s["hashed_files"], s["hashed_bytes"] / 1e6, s["unread_files"],
       s["probed_files"], s["probed_bytes"] / 1e6, warm["hashed_files"],
       warm["cached_files"], warm["cached_posts"], warm["posts"],
       "yes" if "nothing changed since" in
       open(os.path.join(out, "imgopt-warm.1.err")).read() else "NO",
       100 * wwall / base_wall,
       100 * timing("imgopt-warm")[1] / timing("imgopt-cold")[1]))
rwall, rcpu, _ = timing("imgopt-rescan")
print("\nThe whole job over the unchanged tree (`--rescan`: every file's "
      "stat checked against the manifest, every post's references loaded, "
      "the groups rebuilt) takes %.2f s wall, %.2f s CPU: %.1f%% of the "
      "cold time." % (rwall, rcpu, 100 * rwall / base_wall))
print("\nThe unchanged re-run against the floor: %.2fx `find -printf`'s "
      "wall time, %.2fx its CPU time." % (wwall / fwall,
      timing("imgopt-warm")[1] / fcpu))
print("\nLoad average (1 min) before and after the runs: %s; the machine is "
      "shared, so wall times carry that noise; CPU times less so." %
      open(os.path.join(out, "load")).read().strip())
bwall, bcpu, brss = timing("big")
big = json.load(open(os.path.join(out, "big.out")))["summary"]
print("\nBounded memory: two 2 GB files (sparse), `imgopt dupes --hash-all`: "
      "%d bytes hashed, %d group, peak RSS %.1f MB (%.1f s)." %
      (big["hashed_bytes"], big["groups"], brss, bwall))
EOF
# Hand-written analysis kept beside the generated tables.
if [ -f "$HERE/results/dupes-notes.md" ]; then
	printf '\n' >>"$REPORT"
	cat "$HERE/results/dupes-notes.md" >>"$REPORT"
fi
cat "$REPORT"
