#!/usr/bin/env python3
"""Helpers of bench/recompress.sh: output maps, scoring, the results table.

  imgopt-map JSON DIR            `imgopt build --json` -> "source<TAB>output"
  score WORK LABEL EVERY NAME..  one table row per tool run NAME
  markdown TABLE SETTINGS        the results file around the rows

A tool run NAME left WORK/NAME.time.ROUND (/usr/bin/time -v; one per round,
the table gives the medians) and WORK/NAME.map (source<TAB>output lines).  Scores are butteraugli distances of each still
output (JPEG, PNG, WebP, AVIF; GIFs are not scored) against the source
resized by `vips thumbnail` to the output's size, saved as PNG; the median
is reported.  EVERY > 1 scores only the outputs of every EVERY-th source.
"""
import concurrent.futures
import glob
import hashlib
import json
import os
import re
import statistics
import subprocess
import sys

STILL = (".jpg", ".jpeg", ".png", ".webp", ".avif")


def imgopt_map(json_path, site):
    with open(json_path) as f:
        doc = json.load(f)
    for v in doc["variants"]:
        print(f"{site}/{v['source']}\t{site}/{v['path']}")


def parse_one_time(path):
    text = open(path).read()

    def field(name):
        m = re.search(re.escape(name) + r": (.*)", text)
        return m.group(1).strip()

    parts = [float(p) for p in field("Elapsed (wall clock) time (h:mm:ss or m:ss)").split(":")]
    wall = 0.0
    for p in parts:
        wall = wall * 60 + p
    cpu = float(field("User time (seconds)")) + float(field("System time (seconds)"))
    rss_mb = int(field("Maximum resident set size (kbytes)")) / 1024
    return wall, cpu, rss_mb


def parse_time(prefix):
    """Medians of wall, CPU and peak RSS over the rounds PREFIX.* ran."""
    runs = [parse_one_time(p) for p in sorted(glob.glob(glob.escape(prefix) + ".*"))]
    if not runs:
        raise SystemExit(f"no timing for {prefix}")
    return tuple(statistics.median(r[i] for r in runs) for i in range(3))


def read_map(path):
    pairs = []
    for line in open(path):
        line = line.rstrip("\n")
        if "\t" in line:
            src, out = line.split("\t", 1)
            pairs.append((src, out))
    return pairs


def content_key(path, cache={}):
    if path not in cache:
        with open(path, "rb") as f:
            cache[path] = hashlib.sha1(f.read()).hexdigest()[:16]
    return cache[path]


def size_of(path):
    out = subprocess.run(["vipsheader", "-f", "width", path], capture_output=True, text=True)
    w = int(out.stdout.strip())
    out = subprocess.run(["vipsheader", "-f", "height", path], capture_output=True, text=True)
    return w, int(out.stdout.strip())


def make_ref(src, ref, w, h):
    if not os.path.exists(ref):
        tmp = ref + ".tmp.png"
        subprocess.run(["vips", "thumbnail", src, tmp, str(w), "--height", str(h),
                        "--size", "force"], check=True, capture_output=True)
        os.replace(tmp, ref)


def butteraugli(ref, out, scratch):
    dist = out
    if not out.lower().endswith((".jpg", ".jpeg", ".png")):
        dist = os.path.join(scratch, hashlib.sha1(out.encode()).hexdigest() + ".png")
        subprocess.run(["vips", "copy", out, dist], check=True, capture_output=True)
    r = subprocess.run(["butteraugli", ref, dist], capture_output=True, text=True)
    if dist != out:
        os.unlink(dist)
    try:
        return float(r.stdout.strip().splitlines()[-1])
    except (ValueError, IndexError):
        return None


def score_one(work, src, out):
    w, h = size_of(out)
    refdir = os.path.join(work, "refs")
    ref = os.path.join(refdir, f"{content_key(src)}-{w}x{h}.png")
    make_ref(src, ref, w, h)
    return butteraugli(ref, out, refdir)


def score(work, label, every, names):
    os.makedirs(os.path.join(work, "refs"), exist_ok=True)
    jobs = os.cpu_count() or 2
    for name in names:
        wall, cpu, rss = parse_time(os.path.join(work, name + ".time"))
        pairs = [(s, o) for s, o in read_map(os.path.join(work, name + ".map")) if os.path.exists(o)]
        outputs = sorted({o for _, o in pairs})
        total = sum(os.path.getsize(o) for o in outputs)
        keys = sorted({content_key(s) for s, _ in pairs})
        chosen = set(keys[::every])
        todo = sorted({(s, o) for s, o in pairs
                       if o.lower().endswith(STILL) and content_key(s) in chosen})
        with concurrent.futures.ThreadPoolExecutor(max_workers=jobs) as pool:
            scores = [x for x in pool.map(lambda p: score_one(work, *p), todo) if x is not None]
        med = statistics.median(scores) if scores else float("nan")
        tool = name[len(label) + 1:]
        print(f"| {label} | {tool} | {wall:.1f} | {cpu:.1f} | {rss:.0f} | {len(outputs)} "
              f"| {total:,} | {med:.3f} ({len(scores)}) |")
        sys.stdout.flush()


def markdown(table, settings):
    print("# recompress benchmark\n")
    print(f"Settings: {settings}.  Produced by `bench/recompress.sh`.\n")
    print("| corpus | tool | wall s | CPU s | peak RSS MB | outputs | total bytes "
          "| median butteraugli (n scored) |")
    print("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    print(open(table).read().rstrip())
    print("""
- wall and CPU (user + sys) and peak RSS come from `/usr/bin/time -v`;
  vipsthumbnail runs one process per output, `nproc` at a time, and its
  RSS is that of its largest process.
- butteraugli: lower is better; each still output against the source
  resized to the output's size by `vips thumbnail` (PNG).  GIF outputs are
  not scored.  Where the settings line says so, only every Nth source's
  outputs are scored (butteraugli takes a second or more per output).
- imgopt processes each distinct content once (duplicates collapse) and
  never writes a variant larger than its source: where re-encoding loses,
  the variant is the source (losslessly optimised when possible), which
  scores as the reference itself.  `imgopt` picks the JPEG quality per
  image (its default `--target`: luminance SSIM where the encoding is
  worst, up to the given quality); `imgopt-fixed` (`--target 0`) encodes
  every image at the given quality, as the other tools do.""")


def main():
    cmd = sys.argv[1]
    if cmd == "imgopt-map":
        imgopt_map(sys.argv[2], sys.argv[3])
    elif cmd == "score":
        score(sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5:])
    elif cmd == "markdown":
        markdown(sys.argv[2], sys.argv[3])
    else:
        sys.exit(f"unknown command {cmd}")


if __name__ == "__main__":
    main()
