# Variant files without manifest rows (a fresh checkout with a restored
# variant folder): verified files are reused, not encoded; a content
# with a file missing, a file renamed to another width or a file cut
# short is encoded again and its files replaced byte for byte; variants
# of other settings left in the folder are not taken for them.  A run
# with a fresh manifest over its own variants encodes nothing.
"$GENBLOG" --posts 6 --images 24 --sizes real --seed 3 --out site >/dev/null
cd site
# JPEG links only: reuse is the subject (under auto, the run after the
# one over a fresh manifest verifies 6 contents on disk again)
printf '[output]\nlink-format = original\n' >imgopt.conf
"$IMGOPT" build _posts postimg --jobs 1
cp -a postimg/optimized ../made
fresh() { rm -rf .imgopt; "$IMGOPT" build _posts postimg --jobs 1 "$@"; }
echo "whole:"
fresh
set -- $(ls postimg/optimized/*-480.jpg | head -3)
echo "one missing:"
rm "$1"
fresh
echo "one renamed to another width:"
cp "$2" "${2%-480.jpg}-960.jpg"
fresh
echo "one cut short:"
head -c $(($(wc -c <"$3") - 10)) "$3" >cut && mv cut "$3"
fresh
diff -r postimg/optimized ../made
echo "other settings' variants left behind:"
fresh --widths 480
ls postimg/optimized | wc -l
fresh --widths 480
# a run makes only the widths its pages link, in the folders they need:
# with a fresh manifest over its own variants it encodes nothing, and
# records what it reuses, so the run after it reuses nothing either
echo "run, then a run with a fresh manifest, then another run:"
runjson() {
	"$IMGOPT" run _posts postimg --jobs 1 --json 2>/dev/null |
		grep -E '"(encoded|reused|variant_files_written)"'
}
rm -rf .imgopt postimg/optimized
runjson
rm -rf .imgopt
runjson
runjson
