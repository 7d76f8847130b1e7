# In a Hugo site root (fixtures/hugo-site: hugo.toml with a baseURL path,
# a page bundle, static/ images, figure shortcodes, covers in YAML and
# TOML front matter), `imgopt scan` without POSTS and IMAGES finds POSTS
# in content/ and IMAGES in static/img, and resolves every reference
# where Hugo publishes it (issue 17).  The images are stand-ins: scanning
# opens none.
cp -R "$FIXTURES/hugo-site" site
cd site
for f in static/img/cover.jpg static/img/shared.jpg static/img/card.jpg \
	static/img/wide.jpg content/posts/bundle/photo.jpg \
	content/posts/bundle/diagram.png; do
	printf 'x\n' > "$f"
done
"$IMGOPT" scan --json | perl -MJSON::PP -e '
	local $/; my $d = decode_json(<STDIN>);
	for my $r (@{$d->{references}}) {
		printf "%s:%d %s %s -> %s %s\n", $r->{post}, $r->{line},
			$r->{kind}, $r->{url}, $r->{resolved} // "-", $r->{status};
	}
	print "posts: ", join(" ", @{$d->{posts}}), "\n";'
