# --link-format auto: a photo's links name its WebP variants where
# lighter at the same quality (the Markdown image and the <img> src with
# the srcset it gains, every width; the grain is light, as on the photos
# auto links WebP for); a second run changes nothing
# (its links on WebP files are re-linked to the same files); original, on the
# command line or in imgopt.conf, links the JPEG variants as before and
# makes no WebP; a bad value in imgopt.conf is a usage error.
mkdir -p site/_posts site/img
echo 'title: t' > site/_config.yml
vips gaussnoise n.v 1200 800 --sigma 500 --seed 7
vips gaussblur n.v b.v 6
vips gaussnoise m.v 1200 800 --sigma 25 --seed 8
vips gaussblur m.v bm.v 1.2
vips sines s.v 1200 800 --hfreq 2
vips linear s.v c.v "60 45 30" "120 110 70"
vips add c.v b.v t.v
vips add t.v bm.v t2.v
vips cast t2.v u.v uchar
vips copy u.v p.v --interpretation srgb
vips copy p.v "site/img/a.jpg[Q=90]"
printf '![a](/img/a.jpg)\n\n<img src="/img/a.jpg" alt="b">\n' > site/_posts/2020-01-01-a.md
cp -r site orig
cp -r site conf
show() { sed 's/[0-9a-f]\{16\}-/HASH-/g' _posts/2020-01-01-a.md; }
cd site
"$IMGOPT" run -q --link-format auto _posts img
echo "-- auto"; show
cp _posts/2020-01-01-a.md ../first
"$IMGOPT" run -q --link-format auto _posts img
cmp -s ../first _posts/2020-01-01-a.md && echo "second run: no change"
cd ../orig
"$IMGOPT" run -q --link-format original _posts img
echo "-- original"; show
echo "WebP files: $(ls img/optimized | grep -c '\.webp$' || true)"
cd ../conf
printf '[output]\nlink-format = original\n' > imgopt.conf
"$IMGOPT" run -q _posts img
echo "-- original from imgopt.conf"; show
printf '[output]\nlink-format = png\n' > imgopt.conf
"$IMGOPT" run -q _posts img || echo "exit $?"
