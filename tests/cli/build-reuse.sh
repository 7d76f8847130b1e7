# Variant files without manifest rows (a fresh checkout with a restored
# variant folder): a whole, verified set is reused, not encoded; a set
# with a file missing, a file renamed to another width or a file cut
# short is encoded again and its files replaced byte for byte; variants
# of other settings left in the folder do not spoil the set.
"$GENBLOG" --posts 6 --images 24 --sizes real --seed 3 --out site >/dev/null
cd site
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
