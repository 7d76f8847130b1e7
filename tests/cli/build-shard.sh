# `imgopt build --shard I/N` as three local processes, each on its own
# copy of a generated blog (tools/genblog): the union of their variant
# folders is what one `build` makes, byte for byte, and a `run` with a
# fresh manifest over that union encodes nothing and links everything
# (its posts come out as the single build's `run` writes them), a photo
# whose 960 px encodings all lose to its source included (the shard's
# mark says so: ondisk.h).  A
# variant whose file fails verification is encoded again and replaced;
# bad --shard values are usage errors (exit 2).  docs/scale.md's recipes
# run these same commands.
"$GENBLOG" --posts 12 --images 40 --sizes real --seed 7 --out site >/dev/null
# JPEG links only: the shards are the subject, and auto's WebP encodings
# would make the builds slower.  No progress lines (one each 5 s when
# stderr is not a terminal): under a sanitizer on a loaded machine a
# build takes that long, and the outputs are compared.
export IMGOPT_PROGRESS_INTERVAL_MS=3600000
printf '[output]\nlink-format = original\n' >site/imgopt.conf
vips gaussnoise n.v 1200 800 --sigma 30 --mean 128 --seed 1
vips gaussblur n.v b.v 1.5
vips copy b.v "site/postimg/lost.jpg[Q=10,strip]"
post=$(ls site/_posts/* | head -1)
printf '\n![lost](/postimg/lost.jpg)\n' >>"$post"
for i in 0 1 2; do cp -a site shard$i; done
cp -a site one
cp -a site merged
for i in 0 1 2; do
	(cd shard$i && "$IMGOPT" build _posts postimg --shard $i/3 --jobs 1 \
		>../shard$i.out 2>&1) &
done
wait
for i in 0 1 2; do cat shard$i.out; done
(cd one && "$IMGOPT" build _posts postimg --jobs 1)
# the union, byte for byte, and no name in two shards
mkdir union
for i in 0 1 2; do cp -Rn shard$i/postimg/optimized/. union/; done
ls shard0/postimg/optimized shard1/postimg/optimized \
	shard2/postimg/optimized | grep -v : | grep . | LC_ALL=C sort | uniq -d
diff -r union one/postimg/optimized
echo "union of 3 shards = one build: $(ls union | wc -l) files"
ls union/.imgopt-kept
# what the deploy step does: the shards' variants copied in, a fresh
# checkout (no manifest); check counts nothing to encode, run encodes
# nothing
mkdir -p merged/postimg/optimized
cp -R union/. merged/postimg/optimized/
(cd merged && "$IMGOPT" check _posts postimg --json 2>/dev/null) |
	grep -E '"(sources|reused|to_encode)"' || true
(cd merged && "$IMGOPT" run _posts postimg --json 2>/dev/null) |
	grep -E '"(posts_changed|encoded|reused|variant_files_written)"'
(cd one && "$IMGOPT" run _posts postimg -q)
diff -r one/_posts merged/_posts
diff -r one/postimg merged/postimg
# a variant that does not verify (another content's bytes under its
# name) is encoded again and replaced; the others are reused
cp -a site tamper
mkdir -p tamper/postimg/optimized
cp -R union/. tamper/postimg/optimized/
cd tamper
set -- postimg/optimized/*.jpg
cp "$1" "$2"
"$IMGOPT" build _posts postimg --jobs 1
cmp "$2" "../one/$2"
# usage errors
for bad in 3/3 1/0 x 1 -1/3 0/65537; do
	"$IMGOPT" build _posts postimg --shard "$bad" || echo "exit $?"
done
