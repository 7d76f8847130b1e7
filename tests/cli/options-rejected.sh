# The command line accepts exactly what imgopt.conf accepts: one check
# for both, so a value imgopt.conf refuses is a usage error (exit 2) on
# the command line too, with the same reason; nothing is run, and
# `--manifest ''` neither runs on a temporary database nor leaves a lock
# in the current folder.
mkdir -p site/_posts site/img
echo 'title: t' > site/_config.yml
printf '![a](/img/a.jpg)\n' > site/_posts/2020-01-01-a.md
vips black site/img/a.jpg 40 30
cd site
for opt in --quality=0 --target=-1 --target=nan --max-pixels=0 \
	--display-width=0 --formats= --widths= --jobs=-1; do
	"$IMGOPT" check --quiet "$opt" _posts img || echo "$opt: exit $?"
done
"$IMGOPT" report --quiet --html r.html --target=nan _posts img || echo "report: exit $?"
"$IMGOPT" build --quiet --quality=0 _posts img || echo "build: exit $?"
"$IMGOPT" run --quiet --manifest= _posts img || echo "--manifest '': exit $?"
ls -A . | grep -x lock || echo "no lock in the current folder"
ls -A | grep -x .imgopt || echo "nothing run"
printf '[sizes]\ntarget = nan\n' > imgopt.conf
"$IMGOPT" check --quiet _posts img || echo "imgopt.conf: exit $?"
