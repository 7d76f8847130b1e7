# While another imgopt holds the site's lock, prune refuses and says who
# holds it (the pid and start time the holder wrote), exit 3.
mkdir -p site/_posts site/img site/.imgopt
echo 'title: t' > site/_config.yml
printf 'AAAA' > site/img/orphan.png
printf '\n' > site/_posts/2020-01-01-a.md
printf 'pid 12345 started 2026-01-01T00:00:00Z\n' > site/.imgopt/lock
cd site
flock .imgopt/lock "$IMGOPT" prune _posts img || echo "exit $?"
ls img
