# The summary's bytes per format (issue 19): a site showing an animated
# GIF and a JPEG (twice, and a byte-identical copy under another name).
# With --link-format webp the GIF's link names its animated WebP; with
# original the GIF stays and the JPEG's links name its JPEG variant.  In
# run --json, check --json and report --json, summary.by_format holds,
# per format sniffed from the bytes, the sizes of the distinct files the
# posts link before and after, computed here from the files on disk (the
# posts read before and after the run), and adds up to bytes_before and
# bytes_after; the text summary and the report's page show the same.
mkdir -p site/_posts site/img
echo 'title: t' > site/_config.yml
cp "$SHARED/badimages/imagers__images__gif__anim__large-gif-anim-combine.gif" site/img/anim.gif
cp "$SHARED/badimages/imagers__images__jpg__progressive__cat.jpg" site/img/cat.jpg
cp site/img/cat.jpg site/img/copy.jpg
printf -- '---\ntitle: a\nheader-img: img/cat.jpg\n---\n![a](/img/anim.gif)\n\n![c](/img/cat.jpg)\n![c](/img/cat.jpg)\n' \
	> site/_posts/2020-01-01-a.md
printf '![c](/img/copy.jpg)\n' > site/_posts/2020-01-02-b.md
cp -r site orig

# The distinct files the posts link, summed by the format of their bytes:
# "jpeg=N gif=N ..." in a fixed order.
on_disk() {
	perl -e '
		my %seen; my %by;
		for my $post (glob "_posts/*.md") {
			open my $fh, "<", $post or die;
			local $/; my $text = <$fh>;
			$seen{$1} = 1 while $text =~ m{(?:\]\(/|header-img: )(img/[^)\s]+)}g;
		}
		for my $f (keys %seen) {
			open my $fh, "<:raw", $f or die "$f: $!";
			read $fh, my $head, 12;
			my $fmt = $head =~ /^\xFF\xD8\xFF/ ? "jpeg"
				: $head =~ /^GIF8/ ? "gif"
				: $head =~ /^RIFF....WEBP/s ? "webp"
				: $head =~ /^\x89PNG/ ? "png" : "other";
			$by{$fmt} += -s $f;
		}
		print join(" ", map { "$_=" . ($by{$_} // 0) } qw(jpeg png gif webp avif)), "\n";
	'
}

# summary.by_format of a --json document: "before: jpeg=N ... / after: ..."
# (0 for a format absent), and whether the formats add up to the totals.
by_format() {
	perl -MJSON::PP -e '
		local $/; my $s = decode_json(<STDIN>)->{summary};
		my $b = $s->{by_format};
		for my $when (qw(before after)) {
			my $sum = 0; $sum += $_->{$when} for values %$b;
			print "the formats add up to bytes_$when\n" if $sum == $s->{"bytes_$when"};
			print "$when: ", join(" ", map { "$_=" . ($b->{$_} ? $b->{$_}{$when} : 0) } qw(jpeg png gif webp avif)), "\n";
		}
	'
}

agree() { # $1: what; $2: by_format's line; $3: on_disk's
	if [ "$2" = "$3" ]; then echo "$1: by_format equals the files on disk"
	else echo "$1: by_format '$2', on disk '$3'"; fi
}

for link in webp original; do
	cd site
	[ $link = webp ] || { cd ..; rm -rf site; cp -r orig site; cd site; }
	before=$(on_disk)
	"$IMGOPT" run -q --json --link-format $link _posts img > ../run.json
	after=$(on_disk)
	by_format < ../run.json > ../by
	echo "-- run --link-format $link"
	grep -v '=' ../by
	agree "before" "$(sed -n 's/^before: //p' ../by)" "$before"
	agree "after" "$(sed -n 's/^after: //p' ../by)" "$after"
	echo "after: $after" | grep -Eo '(gif|webp)=[0-9]+' | sed 's/=[1-9][0-9]*$/ shown/; s/=0$/ not shown/'
	[ $link = webp ] || echo "after: $after" | grep -Eo 'jpeg=[1-9]' | sed 's/=.*/ shown/'
	[ $link = webp ] || grep -c 'optimized/[0-9a-f]*-[0-9]*\.jpg' _posts/*.md | sed 's/$/ JPEG variant links/'
	"$IMGOPT" check --json --link-format $link _posts img > ../check.json
	by_format < ../check.json > ../by
	agree "check before" "$(sed -n 's/^before: //p' ../by)" "$after"
	agree "check after" "$(sed -n 's/^after: //p' ../by)" "$after"
	cd ..
done

# report --json and its page: the dry run's numbers, before any run.
cd orig
before=$(on_disk)
"$IMGOPT" run -n --json --link-format webp _posts img > ../dry.json
"$IMGOPT" report -q --json --link-format webp --html ../r.html _posts img > ../report.json
by_format < ../report.json > ../by
agree "report before" "$(sed -n 's/^before: //p' ../by)" "$before"
by_format < ../dry.json | cmp -s - ../by && echo "report: by_format as run -n's"
grep -o '<tr class="format"><td>[a-z]*' ../r.html | sed 's/.*<td>/page row: /'
"$IMGOPT" run -n --link-format webp _posts img | grep '^by format:' |
	sed 's/[0-9.]* [kM]\{0,1\}B/N/g'
