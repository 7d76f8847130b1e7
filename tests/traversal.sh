#!/bin/sh
# The traversal suite (issue 15): drives every command (scan, run, check,
# dupes, build, prune with --delete and --empty-trash, restore, undo,
# report) over a small Jekyll site T/site/ with hostile manifests, configs
# and symlinks, and asserts that nothing outside T/site/ is written,
# removed or created (every path outside it keeps its type, bytes, mode,
# mtime and ctime, and no new one appears), that nothing outside it is
# read (with strace, every file a command opens resolves outside T or
# inside T/site; without it, no byte of the canaries may flow into the
# site or into a command's output), and that the commands name the bad
# rows instead of using them.
#
# Layout of T (a fresh temporary folder per case):
#   site/         the site: _config.yml, _posts/, img/ (photo.jpg, copy.jpg)
#   canary.md     a post-like file holding MARK
#   canary.jpg    an image no site file may equal
#   victim/       another site (_config.yml, _posts/, img/)
#   ext/, dir/    folders symlinks lead to
set -u
IMGOPT=${IMGOPT_BIN:?}
FIX=${IMGOPT_FIXTURES:?}
MARK=CANARY-7f3a91
T=$(mktemp -d)
S=$(mktemp -d) # snapshots and outputs, outside T
trap 'rm -rf "$T" "$S"' EXIT
T=$(cd "$T" && pwd -P)
photo=$FIX/sites/rewrite-basic/input/postimg/photo.jpg
other=$FIX/sites/rewrite-basic/input/postimg/banner.jpg
canary_sum=$(md5sum <"$other" | cut -c1-32)
failures=0
n_checks=0

fail() {
	echo "not ok: $*"
	failures=$((failures + 1))
}

make_site() {
	rm -rf "$T" && mkdir -p "$T"
	mkdir -p "$T/site/_posts" "$T/site/img" "$T/victim/_posts" \
		"$T/victim/img" "$T/ext" "$T/dir"
	echo 'title: t' >"$T/site/_config.yml"
	cp "$photo" "$T/site/img/photo.jpg"
	cp "$photo" "$T/site/img/copy.jpg"
	printf -- '---\ntitle: a\n---\n![a photo](/img/photo.jpg)\n' \
		>"$T/site/_posts/2020-01-01-a.md"
	printf '%s post\n' "$MARK" >"$T/canary.md"
	cp "$other" "$T/canary.jpg"
	echo 'title: victim' >"$T/victim/_config.yml"
	printf '%s\n![](/img/v.jpg)\n' "$MARK" >"$T/victim/_posts/2020-01-01-v.md"
	cp "$other" "$T/victim/img/v.jpg"
	cp "$other" "$T/ext/e.jpg"
	cp "$other" "$T/dir/canary.jpg"
	printf '%s\n' "$MARK" >"$T/dir/x.png"
}

# Everything under T but T/site: type, mode, times, bytes.
outside_state() {
	(cd "$T" && find . -path ./site -prune -o -print | LC_ALL=C sort |
		while IFS= read -r p; do
			if [ -L "$p" ]; then
				echo "$p link $(readlink "$p")"
			elif [ -f "$p" ]; then
				echo "$p file $(stat -c '%s %a %y %z' "$p")" \
					"$(md5sum <"$p" | cut -c1-32)"
			else
				echo "$p $(stat -c '%F %a %y %z' "$p")"
			fi
		done)
}

# With strace, every file a command opened (successfully, by path) must
# be outside T or inside T/site once symlinks are resolved: a read of a
# canary leaves no other trace.
tracer=
command -v strace >/dev/null 2>&1 &&
	strace -f -qq -e trace=openat -o /dev/null true 2>/dev/null && tracer=1
check_opens() {
	sed -n 's/^[0-9]* *open[a-z]*(\(AT_FDCWD, \)\{0,1\}"\([^"]*\)".*= [0-9][0-9]*$/\2/p' \
		"$S/trace" | LC_ALL=C sort -u | while IFS= read -r p; do
		case $p in /*) ;; *) p=$T/site/$p ;; esac
		r=$(realpath -m "$p")
		case $r in "$T/site" | "$T/site/"*) ;; "$T/"*) echo "$r" ;; esac
	done >"$S/opened-outside"
	if [ -s "$S/opened-outside" ]; then
		fail "$1: opened files outside the site:"
		sed 's/^/    /' "$S/opened-outside"
	fi
}

snapshot() {
	outside_state >"$S/before"
}

# Runs imgopt in T/site with the given arguments, then checks the outside.
# Sets $status and leaves the output in $S/out.
drive() {
	label=$1
	shift
	n_checks=$((n_checks + 1))
	if [ "$tracer" ]; then
		# LeakSanitizer cannot run under ptrace: the sanitized build
		# checks leaks in every other suite.
		(cd "$T/site" &&
			ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" \
				strace -f -qq -e trace=open,openat -o "$S/trace" \
				"$IMGOPT" "$@") >"$S/out" 2>&1 </dev/null
	else
		(cd "$T/site" && "$IMGOPT" "$@") >"$S/out" 2>&1 </dev/null
	fi
	status=$?
	[ "$tracer" ] && check_opens "$label: imgopt $*"
	outside_state >"$S/after"
	if ! cmp -s "$S/before" "$S/after"; then
		fail "$label: imgopt $*: something outside the site changed"
		diff "$S/before" "$S/after" | head -20
		cp "$S/after" "$S/before"
	fi
	if grep -q "$MARK" "$S/out" ||
		grep -rqs "$MARK" "$T/site" --exclude-dir=.imgopt; then
		fail "$label: imgopt $*: a canary's bytes were read into the site or the output"
	fi
	if [ -d "$T/site" ] && find "$T/site" -type f -exec md5sum {} + |
		grep -q "^$canary_sum"; then
		fail "$label: imgopt $*: the canary image was copied into the site"
	fi
	[ "${VERBOSE:-}" ] && { echo "== $label: imgopt $* -> $status"; cat "$S/out"; }
	return 0
}

expect_status() {
	[ "$status" = "$1" ] || {
		fail "$2: exit $status, expected $1"
		sed 's/^/    /' "$S/out" | head -10
	}
}

expect_output() {
	grep -q -- "$1" "$S/out" || {
		fail "$2: the output does not say '$1'"
		sed 's/^/    /' "$S/out" | head -10
	}
}

# Every command, with POSTS and IMAGES given (or, with "none", not).
all_commands() {
	label=$1
	shift
	for cmd in scan check dupes "build" "report --html report.html" \
		run "prune -n" prune "prune --delete" restore \
		"prune --empty-trash=0" undo; do
		# shellcheck disable=SC2086
		drive "$label" $cmd "$@"
	done
}

sql() {
	sqlite3 "$T/site/.imgopt/manifest.db" "$1" || fail "sqlite3: $1"
}

# ---- 1. a clean site: the suite's own sanity --------------------------

make_site
snapshot
all_commands clean _posts img

# ---- 2. a hostile manifest --------------------------------------------

make_site
(cd "$T/site" && "$IMGOPT" run -q _posts img && "$IMGOPT" prune -q _posts img) ||
	fail "hostile manifest: the setup run or prune failed"
run_id=$(sqlite3 "$T/site/.imgopt/manifest.db" \
	"SELECT max(run_id) FROM trash WHERE state = 'trashed'")
trashed=$(sqlite3 "$T/site/.imgopt/manifest.db" \
	"SELECT trash_path FROM trash WHERE state = 'trashed' LIMIT 1")
[ -n "$run_id" ] && [ -n "$trashed" ] ||
	fail "hostile manifest: the setup prune trashed nothing"
hash=$(sqlite3 "$T/site/.imgopt/manifest.db" \
	"SELECT hash FROM files WHERE path = 'img/photo.jpg'")
size=$(stat -c %s "$T/canary.jpg")
# undo: the run's rewrite row now names files outside the site, and
# canary.md holds the bytes the row expects ("after"), so only the path
# check stands between undo and a write outside.
cp "$T/site/_posts/2020-01-01-a.md" "$T/canary.md"
for p in ../canary.md "$T/canary.md" _posts/../../canary.md %2e%2e/canary.md \
	_posts/./2020-01-01-a.md; do
	sql "INSERT INTO rewrites (run_id, post, hash_before, hash_after, edits)
	     SELECT run_id, '$p', hash_before, hash_after, edits FROM rewrites
	     WHERE post = '_posts/2020-01-01-a.md'"
done
sql "DELETE FROM rewrites WHERE post = '_posts/2020-01-01-a.md'"
# restore and --empty-trash: trash rows leading out, by every route.
mkdir -p "$T/site/.imgopt/trash"
ln -s "$T/dir" "$T/site/.imgopt/trash/out"
while IFS='|' read -r path trash; do
	sql "INSERT INTO trash (run_id, path, trash_path, keep, hash, size,
	     mtime_ns, state, changed_us) VALUES ($run_id, '$path', '$trash',
	     NULL, '$hash', $size, 0, 'trashed', 0)"
done <<EOF
img/a.jpg|../canary.jpg
img/b.jpg|$T/canary.jpg
img/c.jpg|img/../../canary.jpg
img/d.jpg|.imgopt/trash/$run_id/../../../../canary.jpg
img/e.jpg|%2e%2e/canary.jpg
img/f.jpg|.imgopt/trash/out/canary.jpg
img/g.jpg|img/photo.jpg
../restored.jpg|$trashed
$T/restored.jpg|$trashed
img/../../restored.jpg|$trashed
EOF
# the caches: files, variants and references naming outside paths.
for p in ../canary.jpg "$T/canary.jpg" img/../../canary.jpg; do
	sql "INSERT OR REPLACE INTO files (path, size, mtime_ns, inode, device,
	     hash, format, width, height, frames)
	     SELECT '$p', size, mtime_ns, inode, device, hash, format, width,
	     height, frames FROM files WHERE path = 'img/photo.jpg'"
done
sql "UPDATE variants SET path = '../canary.jpg' WHERE rowid =
     (SELECT min(rowid) FROM variants)"
sql "UPDATE variants SET path = '$T/dir/canary.jpg' WHERE rowid =
     (SELECT max(rowid) FROM variants)"
sql "UPDATE refs SET resolved = '../canary.jpg'"
sql "DELETE FROM memos"
snapshot
for cmd in scan check dupes build "report --html report.html" "prune -n" \
	prune "prune --delete"; do
	# shellcheck disable=SC2086
	drive manifest $cmd _posts img
done
drive manifest restore -v _posts img "$run_id"
expect_output "is refused" "manifest: restore"
expect_output "\\.\\./restored.jpg" "manifest: restore"
drive manifest prune --empty-trash=0 -v _posts img
expect_output "is refused" "manifest: --empty-trash"
expect_output "img/g.jpg" "manifest: --empty-trash"
[ -f "$T/site/img/photo.jpg" ] ||
	fail "manifest: --empty-trash removed img/photo.jpg, a site file outside the trash"
drive manifest undo -v _posts img
expect_status 1 "manifest: undo"
expect_output "not inside the site" "manifest: undo"
drive manifest run _posts img

# ---- 3. a hostile imgopt.conf -----------------------------------------

# (Never a system folder such as ../../../etc: with a broken imgopt the
# suite itself would write there.  Climbing to T/dir is the same climb.)
for dirs in "../victim/_posts|../victim/img" "$T/victim/_posts|$T/victim/img" \
	"_posts|../dir" "_posts/../../victim/_posts|img"; do
	make_site
	printf '[imgopt]\nposts = %s\nimages = %s\n' "${dirs%|*}" "${dirs#*|}" \
		>"$T/site/imgopt.conf"
	snapshot
	for cmd in scan check dupes build "report --html report.html" run \
		prune "prune --delete" restore "prune --empty-trash=0" undo; do
		# shellcheck disable=SC2086
		drive "config $dirs" $cmd
		expect_status 2 "config $dirs: $cmd"
		expect_output "outside the site root" "config $dirs: $cmd"
	done
done
# Hugo's contentDir climbing out is never taken as POSTS.
make_site
rm "$T/site/_config.yml"
rm -r "$T/site/_posts"
printf 'contentDir = "../victim/_posts"\n' >"$T/site/hugo.toml"
snapshot
drive "hugo contentDir" scan
drive "hugo contentDir" run
expect_status 2 "hugo contentDir: run"

# ---- 4. symlinks leading out ------------------------------------------

# IMAGES, then POSTS, a symlink to a folder outside the site.
make_site
rm -r "$T/site/img"
ln -s ../ext "$T/site/img"
snapshot
for cmd in scan check dupes build "report --html report.html" run prune \
	restore undo; do
	# shellcheck disable=SC2086
	drive "symlinked IMAGES" $cmd _posts img
	expect_status 3 "symlinked IMAGES: $cmd"
	expect_output "outside the site root" "symlinked IMAGES: $cmd"
done
make_site
ln -s ../victim/_posts "$T/site/posts"
snapshot
for cmd in scan dupes run prune; do
	drive "symlinked POSTS" "$cmd" posts img
	expect_status 3 "symlinked POSTS: $cmd"
done
# imgopt's own folder (manifest, lock, trash) a symlink leading out.
make_site
ln -s ../dir "$T/site/.imgopt"
snapshot
for cmd in scan dupes run prune restore undo; do
	drive "symlinked .imgopt" "$cmd" _posts img
	expect_status 3 "symlinked .imgopt: $cmd"
	expect_output "'.imgopt' leads out" "symlinked .imgopt: $cmd"
done
# Inside the site: a post, an image, a folder and the trash leading out,
# and posts whose references climb out.
make_site
ln -s ../../canary.md "$T/site/_posts/2020-01-02-link.md"
ln -s ../../canary.jpg "$T/site/img/out.jpg"
ln -s ../../dir "$T/site/img/sub"
mkdir -p "$T/site/.imgopt"
ln -s ../../dir "$T/site/.imgopt/trash"
cat >"$T/site/_posts/2020-01-03-b.md" <<EOF
![](/img/out.jpg) ![](/img/sub/canary.jpg) ![](../../canary.jpg)
![](/img/%2e%2e/%2e%2e/canary.jpg) ![](/img/..%2f..%2fcanary.jpg)
![]($T/canary.jpg) ![](file://$T/canary.jpg) ![](/img/photo.jpg)
<img src="/img/..\\..\\canary.jpg">
EOF
snapshot
all_commands "symlinks inside" _posts img

echo "traversal: $n_checks commands driven${tracer:+ (opens traced)}, $failures failures"
[ "$failures" = 0 ]
