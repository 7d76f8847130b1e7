// A page whose links `imgopt run` (--link-format auto) moved
// to WebP still shows every image, at the same size: a small site whose
// raw HTML post shows a photo-like JPEG (a still whose WebP is lighter at
// the same quality), an animated GIF and an animated WebP (made from the
// GIF by vips, as a blog may hold one), loaded in headless Chromium
// (Debian's, driven by playwright-core) before and after the run.  Every
// image must decode (naturalWidth > 0) and keep its laid-out size; the
// still must now come from a .webp file, and the animated WebP shown must
// still have all its frames (Chromium's ImageDecoder counts them).  The
// GIF is whatever imgopt links for it (an animated WebP where that is
// lighter).  Then `--link-format original` on a fresh copy links no WebP
// at all, and a second auto run changes nothing.
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { imgopt, tap, launchChromium } = require('./lib.js');

// https: ImageDecoder needs a secure context
const ORIGIN = 'https://site.test';
const FRAMES = 12;

const POST = `<!doctype html>
<html><head><meta charset="utf-8">
<style>body { margin: 0; width: 1000px } img { display: block }</style>
</head><body>
<img id="photo" src="/postimg/photo.jpg" alt="a photo">
<img id="gif" src="/postimg/anim.gif" alt="an animated GIF">
<img id="awebp" src="/postimg/anim.webp" width="400" alt="an animated WebP">
</body></html>
`;

function vips(args) {
	const r = spawnSync('vips', args, { encoding: 'utf8' });
	if (r.status !== 0)
		throw new Error(`vips ${args.join(' ')}: ${r.stderr}`);
}

// A photo-like JPEG (blurred noise and grain over a gradient, as
// bench/gen_photos.sh makes them, quality 90) and an
// animated GIF of FRAMES frames (a gradient drifting over a texture),
// and the GIF as an animated WebP.  The noise is seeded: the same
// pictures every run.  The photo's grain is light (sigma 25), like the
// photos auto links WebP for: its WebP at the matched quality (the JPEG's
// plus 13) is the lighter at 960 px.  With unseeded grain of sigma 120
// (grain like bench/lighter.sh's, for which auto keeps the JPEG) the WebP
// took 0.95-1.005 of the JPEG's bytes, so about half the runs kept the
// JPEG, as auto should for a WebP no lighter, and this test failed.
function makeImages(dir, tmp) {
	const v = (n) => path.join(tmp, `${n}.v`);
	vips(['gaussnoise', v('n'), '1400', '900', '--sigma', '500', '--seed', '1']);
	vips(['gaussblur', v('n'), v('b'), '6']);
	vips(['gaussnoise', v('m'), '1400', '900', '--sigma', '25', '--seed', '2']);
	vips(['gaussblur', v('m'), v('bm'), '1.2']);
	vips(['sines', v('s'), '1400', '900', '--hfreq', '2', '--vfreq', '1']);
	vips(['linear', v('s'), v('c'), '60 45 30', '120 110 70']);
	vips(['add', v('c'), v('b'), v('t0')]);
	vips(['add', v('t0'), v('bm'), v('t')]);
	vips(['cast', v('t'), v('u'), 'uchar']);
	vips(['copy', v('u'), v('p'), '--interpretation', 'srgb']);
	vips(['copy', v('p'), `${path.join(dir, 'photo.jpg')}[Q=90]`]);
	const w = 640, h = 360;
	vips(['gaussnoise', v('gn'), `${w}`, `${h}`, '--sigma', '60', '--seed', '3']);
	vips(['gaussblur', v('gn'), v('gb'), '4']);
	vips(['replicate', v('gb'), v('gr'), '1', `${FRAMES}`]);
	vips(['sines', v('gs'), `${w}`, `${h * FRAMES}`, '--hfreq', '2',
		'--vfreq', `${FRAMES / 3}`]);
	vips(['linear', v('gs'), v('gc'), '60 40 20', '128 100 90']);
	vips(['add', v('gc'), v('gr'), v('gt')]);
	vips(['cast', v('gt'), v('gu'), 'uchar']);
	vips(['copy', v('gu'), v('gv'), '--interpretation', 'srgb']);
	vips(['gifsave', v('gv'), path.join(dir, 'anim.gif'), '--page-height', `${h}`]);
	vips(['copy', `${path.join(dir, 'anim.gif')}[n=-1]`, path.join(dir, 'anim.webp')]);
}

const TYPES = { '.html': 'text/html', '.jpg': 'image/jpeg',
	'.png': 'image/png', '.gif': 'image/gif', '.webp': 'image/webp' };

// Serves every request from the site folder, uncached, with its type.
async function serveSite(ctx, root) {
	await ctx.route('**/*', (route) => {
		const url = new URL(route.request().url());
		const file = path.join(root, decodeURIComponent(url.pathname));
		if (url.origin !== ORIGIN || !file.startsWith(root + path.sep) ||
		    !fs.existsSync(file))
			return route.fulfill({ status: 404, body: '' });
		return route.fulfill({ status: 200,
			contentType: TYPES[path.extname(file)] || 'application/octet-stream',
			headers: { 'cache-control': 'no-store' },
			body: fs.readFileSync(file) });
	});
}

// Each image of the post: its laid-out size, whether it decoded, the file
// it shows and, where Chromium has ImageDecoder, that file's frame count.
async function layout(ctx) {
	const page = await ctx.newPage();
	await page.goto(`${ORIGIN}/_posts/2020-01-01-webp.html`, { waitUntil: 'load' });
	const boxes = await page.locator('img').evaluateAll((list) =>
		Promise.all(list.map(async (i) => {
			const r = i.getBoundingClientRect();
			let frames = null;
			if (typeof ImageDecoder !== 'undefined') {
				const res = await fetch(i.currentSrc);
				const type = res.headers.get('content-type');
				const d = new ImageDecoder({ data: res.body, type });
				await d.tracks.ready;
				frames = d.tracks.selectedTrack.frameCount;
				d.close();
			}
			return { id: i.id, width: r.width, height: r.height,
				natural: i.naturalWidth, complete: i.complete,
				current: i.currentSrc, frames };
		})));
	await page.close();
	return boxes;
}

function copySite(from, to) {
	fs.cpSync(from, to, { recursive: true });
}

async function main() {
	const t = tap();
	const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'imgopt-webp-'));
	const pristine = path.join(tmp, 'pristine');
	fs.mkdirSync(path.join(pristine, '_posts'), { recursive: true });
	fs.mkdirSync(path.join(pristine, 'postimg'));
	makeImages(path.join(pristine, 'postimg'), tmp);
	fs.writeFileSync(path.join(pristine, '_posts', '2020-01-01-webp.html'), POST);
	const root = path.join(tmp, 'site');
	copySite(pristine, root);
	const post = path.join(root, '_posts', '2020-01-01-webp.html');
	const profile = fs.mkdtempSync(path.join(tmp, 'profile-'));
	const ctx = await launchChromium(profile, {
		viewport: { width: 1200, height: 900 }, deviceScaleFactor: 1,
	});
	await serveSite(ctx, root);

	const before = await layout(ctx);
	const r = imgopt(root, ['run', '--link-format', 'auto', '_posts', 'postimg']);
	t.check(r.status === 0, 'imgopt run exits 0', r.stdout + r.stderr);
	const text = fs.readFileSync(post, 'utf8');
	t.check(/id="photo" src="\/postimg\/optimized\/[0-9a-f]+-960\.webp"/.test(text),
		'the photo links its 960 px WebP', text);
	const after = await layout(ctx);

	t.check(before.length === 3 && after.length === 3,
		`the post shows its images before and after (${before.length}, ${after.length})`);
	for (let i = 0; i < before.length; i++) {
		const b = before[i], a = after[i];
		t.check(b.complete && b.natural > 0 && a.complete && a.natural > 0,
			`#${b.id} decodes before and after (${b.natural}, ${a.natural} px) from ${a.current}`);
		t.check(a.width === b.width && a.height === b.height,
			`#${b.id} lays out at ${b.width}x${b.height} before and after`,
			`after: ${a.width}x${a.height} from ${a.current}`);
		if (a.frames !== null && b.id !== 'photo')
			t.check(a.frames === FRAMES && b.frames === FRAMES,
				`#${b.id} animates: ${FRAMES} frames before and after (${a.current})`,
				`before ${b.frames}, after ${a.frames}`);
	}
	const webps = after.filter((a) => a.current.endsWith('.webp'));
	t.check(webps.some((a) => a.id === 'photo') &&
		webps.some((a) => a.id !== 'photo' && a.frames === FRAMES),
		'the page shows a WebP still and an animated WebP',
		after.map((a) => a.current).join('\n'));

	const rerun = imgopt(root, ['run', '--link-format', 'auto', '_posts', 'postimg']);
	t.check(rerun.status === 0 && fs.readFileSync(post, 'utf8') === text,
		'a second run changes nothing', rerun.stdout + rerun.stderr);
	const orig = path.join(tmp, 'original');
	copySite(pristine, orig);
	const o = imgopt(orig, ['run', '--link-format', 'original', '_posts', 'postimg']);
	const otext = fs.readFileSync(path.join(orig, '_posts', '2020-01-01-webp.html'), 'utf8');
	t.check(o.status === 0 && /id="photo" src="[^"]*\.jpg"/.test(otext) &&
		!/src="[^"]*optimized[^"]*\.webp"/.test(otext),
		'--link-format original links no WebP variant', otext);
	await ctx.close();
	fs.rmSync(tmp, { recursive: true, force: true });
	t.done();
}

main().catch((e) => {
	console.log(`Bail out! ${e.stack}`);
	process.exit(1);
});
