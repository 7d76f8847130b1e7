# bench/grain.sh: sourced by gen_photos.sh and lighter.sh.
# make_grain_bases DIR HEIGHT: five textured bases, DIR/base0.v to
# base4.v, 2400 x HEIGHT, each a mix of smooth gradients, coarse texture
# and fine grain (the grain a worst case for WebP); scratch files in DIR.
make_grain_bases() {
	gd=$1
	gh=$2
	b=0
	while [ "$b" -lt 5 ]; do
		vips gaussnoise "$gd/n.v" 2400 "$gh" --sigma 500 --mean 0
		vips gaussblur "$gd/n.v" "$gd/bl.v" $((6 + b * 2))
		vips gaussnoise "$gd/m.v" 2400 "$gh" --sigma 120 --mean 0
		vips gaussblur "$gd/m.v" "$gd/bm.v" 1.2
		vips sines "$gd/s.v" 2400 "$gh" --hfreq $((1 + b)) \
			--vfreq $((1 + (b * 3) % 4))
		vips linear "$gd/s.v" "$gd/c.v" "60 45 30" \
			"120 110 $((70 + b * 12))"
		vips add "$gd/c.v" "$gd/bl.v" "$gd/t.v"
		vips add "$gd/t.v" "$gd/bm.v" "$gd/u.v"
		vips cast "$gd/u.v" "$gd/w.v" uchar
		vips copy "$gd/w.v" "$gd/base$b.v" --interpretation srgb
		b=$((b + 1))
	done
	rm -f "$gd"/n.v "$gd"/bl.v "$gd"/m.v "$gd"/bm.v "$gd"/s.v \
		"$gd"/c.v "$gd"/t.v "$gd"/u.v "$gd"/w.v
}
