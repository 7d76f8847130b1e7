#!/bin/sh
# imgopt's one entry point for a new machine (Debian 12, as root or with
# sudo).  Installs what is missing, builds, then:
#   scripts/setup.sh demo    runs imgopt on the bundled demo site (a copy)
#   scripts/setup.sh test    runs the whole test suite (what CI runs)
#   scripts/setup.sh bench   runs the benchmarks of bench/ (slow)
#   scripts/setup.sh build   only installs and builds
# Idempotent: re-running skips what is already done.
set -eu
cd "$(dirname "$0")/.."
root=$(pwd)

# Debian packages: build, run, test (cmark, kramdown, jekyll, hugo:
# differential and real-client tests; ctags, clang-format: lint; clang: fuzzing;
# strace: the traversal suite; chromium, node: the HTML report and page
# layout in a browser and the JSON schemas; node: Hexo (tests/hexo), the
# real-client test of a Hexo site; bsdutils: script(1) for
# terminal tests) and benchmark (rmlint, jdupes, butteraugli,
# time; node for eleventy-img).
PACKAGES="gcc pkg-config meson ninja-build git libglib2.0-dev libvips-dev
libvips-tools libzimg-dev libjpeg62-turbo-dev libgif-dev libxxhash-dev libsqlite3-dev
libjson-glib-dev cmark jekyll hugo ruby-jekyll-paginate ruby-kramdown
ruby-kramdown-parser-gfm universal-ctags
clang-format clang sqlite3 bsdutils valgrind perl strace"
TEST_PACKAGES="chromium nodejs npm"
BENCH_PACKAGES="rmlint jdupes butteraugli time python3 nodejs npm"

# node and npm may come from elsewhere than Debian (a newer node on the
# PATH); only install Debian's when there is none.
have_node() { command -v node >/dev/null && command -v npm >/dev/null; }

install_packages() {
	missing=""
	for p in "$@"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' ||
			missing="$missing $p"
	done
	[ -z "$missing" ] && return 0
	echo "setup: installing$missing"
	sudo=""
	[ "$(id -u)" -eq 0 ] || sudo=sudo
	$sudo apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends $missing
}

build() { # builddir, meson options...
	dir=$1
	shift
	if [ ! -f "$dir/build.ninja" ]; then
		meson setup "$dir" --werror "$@"
	fi
	ninja -C "$dir"
}

cmd=${1:-build}
install_packages $PACKAGES
case $cmd in
build)
	build build
	;;
demo)
	build build
	exec sh scripts/demo.sh "$root/build/src/imgopt"
	;;
test)
	if have_node; then install_packages chromium; else install_packages $TEST_PACKAGES; fi
	[ -d tests/browser/node_modules ] || sh tests/browser/install.sh
	[ -d tests/hexo/node_modules ] || sh tests/hexo/install.sh
	build build
	meson test -C build --print-errorlogs --num-processes 2
	# The same suites under AddressSanitizer and UndefinedBehaviorSanitizer,
	# but the kill-point suite (its hundred runs killed and redone test
	# process behaviour the plain build already covers, at 5x the time).
	build build-asan -Db_sanitize=address,undefined -Db_lundef=false \
		-Dbuildtype=debug
	# Sanitized code runs 2-5x slower: the timeouts stretch with it.
	meson test -C build-asan --print-errorlogs --num-processes 2 \
		--timeout-multiplier 3 \
		--no-suite lint --no-suite headers --no-suite faults
	;;
bench)
	if have_node; then install_packages rmlint jdupes butteraugli time python3; else install_packages $BENCH_PACKAGES; fi
	build build-release -Dbuildtype=release
	exec sh bench/run.sh "$root/build-release"
	;;
*)
	echo "usage: scripts/setup.sh [build|demo|test|bench]" >&2
	exit 2
	;;
esac
