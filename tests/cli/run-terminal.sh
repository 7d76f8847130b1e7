# On a terminal (a pseudo-terminal from script(1)) `imgopt run` draws a
# progress bar on stderr and prints the summary; the bars are normalised
# to one line per stage (their redraws depend on the machine's speed).
"$GENBLOG" --posts=5 --images=12 --seed=5 --out=blog --truth=truth.json >/dev/null
cd blog
script -qec "$IMGOPT run _posts postimg --jobs 2" /dev/null > ../tty.txt || echo "exit $?"
perl "$(dirname "$0")/normalize.pl" < ../tty.txt
