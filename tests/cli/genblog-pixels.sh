# genblog --pixels DIR: each distinct JPEG content is a crop of a photo of
# DIR at the content's own size, saved at quality 85; the blog is otherwise the one the same
# seed gives without it (names, posts, GIFs and PNGs byte for byte), the
# same seed gives the same bytes, duplicates stay byte-identical and
# distinct contents distinct (imgopt dupes finds the ground truth's
# groups, with their bytes).  A folder whose photos are all smaller than
# the contents gives crops of a photo scaled up to cover them.
mkdir big small
vips gaussnoise n.v 400 300 --sigma 60 --mean 120
vips gaussblur n.v b.v 1.5
vips copy b.v "big/photo.jpg[Q=90]"
vips sines s.v 200 150 --hfreq 3
vips linear s.v "big/sines.jpg[Q=90]" 100 128 --uchar
vips crop n.v "small/tiny.jpg[Q=90]" 0 0 40 30
echo 'not a photo' > big/notes.txt
gen() { # seed, out, [genblog options]
	seed=$1 out=$2
	shift 2
	"$GENBLOG" --posts=5 --images=30 --seed="$seed" --out="$out" \
		--truth="$out.truth" "$@" >/dev/null
}
gen 4 flat
gen 4 px --pixels big
gen 4 px2 --pixels big
cmp -s px.truth px2.truth && echo "same truth"
gen 4 up --pixels small
diff -r px px2 >/dev/null && echo "same seed: same bytes"
diff -r flat/_posts px/_posts >/dev/null && echo "posts as without --pixels"
(cd flat && find . -type f | LC_ALL=C sort) > flat.list
(cd px && find . -type f | LC_ALL=C sort) | cmp -s - flat.list && echo "files as without --pixels"

# Every JPEG at its content's size, not flat, saved at quality 85; every
# other file as without --pixels.
dqt() { # the first two values of a JPEG's first quantisation table
	perl -e 'local $/; $_ = <>; /\xFF\xDB..\x00(.)(.)/s and print ord($1), " ", ord($2)' "$1"
}
for blog in px up; do
	same=0 other=0 bad=0
	for f in $(cd flat && find postimg img -type f | LC_ALL=C sort); do
		if [ "$(vipsheader -f vips-loader "flat/$f")" != jpegload ]; then
			cmp -s "flat/$f" "$blog/$f" && other=$((other + 1)) || bad=$((bad + 1))
			continue
		fi
		size() { echo "$(vipsheader -f width "$1")x$(vipsheader -f height "$1")"; }
		# libjpeg's quality-85 luminance table starts 5, 3 (90: 3, 2)
		if [ "$(size "flat/$f")" = "$(size "$blog/$f")" ] &&
			[ "$(vips deviate "$blog/$f" | cut -d. -f1)" -ge 5 ] &&
			[ "$(dqt "$blog/$f")" = "5 3" ]; then
			same=$((same + 1))
		else
			bad=$((bad + 1))
			echo "$blog/$f: $(size "flat/$f") -> $(size "$blog/$f"), deviation $(vips deviate "$blog/$f"), DQT $(dqt "$blog/$f")"
		fi
	done
	echo "$blog: $same JPEGs of photo pixels at their size, $other other files unchanged, $bad wrong" |
		sed 's/: [1-9][0-9]* JPEGs/: N JPEGs/; s/, [1-9][0-9]* other/, N other/'
done

# The duplicate groups: imgopt dupes against genblog's truth.
for blog in px up; do
	(cd $blog && "$IMGOPT" dupes --json _posts postimg) > $blog.json || true
	perl -MJSON::PP -e '
		sub slurp { local $/; open my $f, "<", $_[0] or die; decode_json(<$f>) }
		my ($truth, $got) = (slurp($ARGV[0]), slurp($ARGV[1]));
		my %want = map { join(" ", $_->{canonical}, $_->{bytes}, sort @{$_->{members}}) => 1 } @{$truth->{groups}};
		my %have = map { my $g = $_; join(" ", $g->{canonical}, $g->{bytes},
			sort map { $_->{path} } @{$g->{members}}) => 1 } @{$got->{groups}};
		my @missing = grep { !$have{$_} } keys %want;
		my @extra = grep { !$want{$_} } keys %have;
		print "$ARGV[2]: ", (@missing || @extra ? "groups differ: missing @missing extra @extra"
			: scalar(keys %want) > 0 ? "the truth'"'"'s groups, bytes included" : "no groups"), "\n";
	' $blog.truth $blog.json $blog
done
