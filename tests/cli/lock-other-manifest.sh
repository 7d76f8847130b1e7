# The lock belongs to the site, not to the manifest file: while another
# imgopt holds the site's lock, a command given another --manifest is
# refused all the same (exit 3), and --wait waits for the site's lock.
mkdir -p site/_posts site/img site/.imgopt
echo 'title: t' > site/_config.yml
printf 'AAAA' > site/img/orphan.png
printf '\n' > site/_posts/2020-01-01-a.md
printf 'pid 12345 started 2026-01-01T00:00:00Z\n' > site/.imgopt/lock
mkdir elsewhere
cd site
flock .imgopt/lock "$IMGOPT" prune --manifest ../elsewhere/m.db _posts img || echo "prune: exit $?"
flock .imgopt/lock "$IMGOPT" dupes --quiet --manifest ../elsewhere/m.db _posts img || echo "dupes: exit $?"
ls img
ls -A ../elsewhere
# the holder lets go after a moment; --wait then gets the site's lock
flock .imgopt/lock sleep 1 &
sleep 0.3
"$IMGOPT" dupes --quiet --wait --manifest ../elsewhere/m.db _posts img && echo "waited: exit 0"
wait
ls -A ../elsewhere
