# Every command listed by `imgopt --help` answers `--help` with exit 0, a
# usage line naming it, its summary and the common options, on stdout.
"$IMGOPT" --help > top
grep -q '^usage: imgopt COMMAND' top
for cmd in $(sed -n 's/^  \([a-z]*\) .*/\1/p' top); do
	"$IMGOPT" "$cmd" --help > out 2> err || echo "$cmd: exit $?"
	grep -q "^  imgopt .* $cmd " out || echo "$cmd: no usage line"
	for opt in --json --quiet --verbose --site-root --manifest --jobs; do
		grep -q -- "$opt" out || echo "$cmd: $opt not listed"
	done
	grep -q 'imgopt.conf' out || echo "$cmd: imgopt.conf not mentioned"
	[ -s err ] && echo "$cmd: wrote on stderr"
	echo "$cmd: $(grep -c '^  -' out) options"
done
