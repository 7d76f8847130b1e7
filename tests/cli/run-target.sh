# run and check take build's --target and --max-pixels, with the same
# checks and meaning: a bad value is a usage error (exit 2); the pixel
# limit makes a too large image fail alone with its reason (exit 1, the
# post left alone); the target is part of the settings fingerprint, so a
# check with another target finds work that one with the run's does not.
mkdir -p site/_posts site/img
echo 'title: t' > site/_config.yml
printf '![a](/img/a.jpg)\n' > site/_posts/2020-01-01-a.md
vips gaussnoise site/img/a.jpg 1000 200
cd site
"$IMGOPT" run --quiet --target 1.5 _posts img || echo "exit $?"
"$IMGOPT" check --quiet --max-pixels -3 _posts img || echo "exit $?"
"$IMGOPT" run --quiet --max-pixels 1000 _posts img 2>&1 | grep -o "exceeds the pixel limit of 1000 (--max-pixels)" | head -1
cat _posts/2020-01-01-a.md
"$IMGOPT" run --quiet --target 0.9 _posts img && echo "run: exit 0"
grep -c 'optimized/' _posts/2020-01-01-a.md
"$IMGOPT" check --quiet --target 0.9 _posts img && echo "check, same target: exit 0"
"$IMGOPT" check --quiet --target 0.95 _posts img || echo "check, other target: exit $?"
"$IMGOPT" check --quiet --target 0 _posts img || echo "check, no target: exit $?"
