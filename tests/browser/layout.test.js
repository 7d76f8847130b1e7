// A rewritten page lays out as before: a small site whose raw HTML post
// holds <img> tags of every kind `imgopt run --srcset` rewrites (narrower
// than the display width without a width attribute, wider without one,
// with one, with a `w` srcset and sizes, with an `x` srcset, with an
// author's sizes but no srcset), loaded in headless Chromium (Debian's,
// driven by playwright-core) before and after the run.  Every image must
// decode and keep its laid-out size (getBoundingClientRect), and the run
// must have rewritten the tags (so the check is not vacuous).  The
// images are JPEGs drawn by Chromium's own canvas, so the test needs no
// image files.
'use strict';
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { imgopt, tap, launchChromium } = require('./lib.js');

const ORIGIN = 'http://site.test';

// The images: name → pixel width (height is half).
const IMAGES = { narrow: 581, wide: 1700, sized: 1400, wset: 2000,
	x1: 700, x2: 1400, own: 900 };

const POST = `<!doctype html>
<html><head><meta charset="utf-8">
<style>body { margin: 0; width: 1000px } img { display: block }</style>
</head><body>
<img id="narrow" src="/postimg/narrow.jpg" alt="a 581 px diagram">
<img id="wide" src="/postimg/wide.jpg" alt="wider than the display">
<img id="sized" src="/postimg/sized.jpg" width="500" alt="with a width">
<img id="wset" src="/postimg/wset.jpg" srcset="/postimg/wset.jpg 2000w" sizes="(max-width: 900px) 100vw, 700px" alt="w srcset">
<img id="xset" src="/postimg/x1.jpg" srcset="/postimg/x1.jpg 1x, /postimg/x2.jpg 2x" alt="x srcset">
<img id="own" src="/postimg/own.jpg" sizes="300px" alt="sizes, no srcset">
</body></html>
`;

// Draws a noisy gradient of @width px in the page and returns its JPEG.
async function drawJpeg(page, width, seed) {
	const b64 = await page.evaluate(([w, s]) => {
		const c = document.createElement('canvas');
		c.width = w;
		c.height = Math.round(w / 2);
		const g = c.getContext('2d');
		let x = s;
		const rnd = () => ((x = (x * 1103515245 + 12345) % 2147483648) / 2147483648);
		const grad = g.createLinearGradient(0, 0, c.width, c.height);
		grad.addColorStop(0, `hsl(${s * 40}, 70%, 60%)`);
		grad.addColorStop(1, `hsl(${s * 40 + 120}, 70%, 30%)`);
		g.fillStyle = grad;
		g.fillRect(0, 0, c.width, c.height);
		for (let i = 0; i < 400; i++) {
			g.fillStyle = `rgba(${rnd() * 255 | 0},${rnd() * 255 | 0},${rnd() * 255 | 0},0.5)`;
			g.fillRect(rnd() * c.width, rnd() * c.height, 4 + rnd() * 40, 4 + rnd() * 40);
		}
		return c.toDataURL('image/jpeg', 0.97).split(',')[1];
	}, [width, seed]);
	return Buffer.from(b64, 'base64');
}

// Serves every request from the site folder, uncached.
async function serveSite(ctx, root) {
	await ctx.route('**/*', (route) => {
		const url = new URL(route.request().url());
		const file = path.join(root, decodeURIComponent(url.pathname));
		if (url.origin !== ORIGIN || !file.startsWith(root + path.sep) ||
		    !fs.existsSync(file))
			return route.fulfill({ status: 404, body: '' });
		const type = file.endsWith('.html') ? 'text/html'
			: file.endsWith('.png') ? 'image/png' : 'image/jpeg';
		return route.fulfill({ status: 200, contentType: type,
			headers: { 'cache-control': 'no-store' },
			body: fs.readFileSync(file) });
	});
}

// Each image of the post: its laid-out size and whether it decoded.
async function layout(ctx) {
	const page = await ctx.newPage();
	await page.goto(`${ORIGIN}/_posts/2020-01-01-layout.html`, { waitUntil: 'load' });
	const boxes = await page.locator('img').evaluateAll((list) =>
		list.map((i) => {
			const r = i.getBoundingClientRect();
			return { id: i.id, width: r.width, height: r.height,
				natural: i.naturalWidth, complete: i.complete,
				current: i.currentSrc };
		}));
	await page.close();
	return boxes;
}

async function main() {
	const t = tap();
	const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'imgopt-layout-'));
	const root = path.join(tmp, 'site');
	fs.mkdirSync(path.join(root, '_posts'), { recursive: true });
	fs.mkdirSync(path.join(root, 'postimg'));
	const profile = fs.mkdtempSync(path.join(tmp, 'profile-'));
	const ctx = await launchChromium(profile, {
		viewport: { width: 1200, height: 900 }, deviceScaleFactor: 1,
	});
	const blank = await ctx.newPage();
	let seed = 1;
	for (const [name, width] of Object.entries(IMAGES))
		fs.writeFileSync(path.join(root, 'postimg', `${name}.jpg`),
			await drawJpeg(blank, width, seed++));
	await blank.close();
	const post = path.join(root, '_posts', '2020-01-01-layout.html');
	fs.writeFileSync(post, POST);
	await serveSite(ctx, root);

	const before = await layout(ctx);
	const r = imgopt(root, ['run', '_posts', 'postimg', '--srcset']);
	t.check(r.status === 0, 'imgopt run --srcset exits 0', r.stdout + r.stderr);
	const text = fs.readFileSync(post, 'utf8');
	t.check(text !== POST, 'the post was rewritten');
	t.check(/id="narrow" src="\/postimg\/optimized\/[^"]*" srcset="[^"]*581w" sizes="581px"/.test(text),
		'the narrow image got a srcset whose sizes say its width', text);
	t.check(/2000w/.test(text) === false, 'no candidate keeps a 2000w it is not', text);
	const after = await layout(ctx);

	t.check(before.length === Object.keys(IMAGES).length - 1 && after.length === before.length,
		`the post shows its images before and after (${before.length}, ${after.length})`);
	for (let i = 0; i < before.length; i++) {
		const b = before[i], a = after[i];
		t.check(b.complete && b.natural > 0 && a.complete && a.natural > 0,
			`#${b.id} decodes before and after (${b.natural}, ${a.natural} px)`);
		t.check(a.width === b.width && a.height === b.height,
			`#${b.id} lays out at ${b.width}x${b.height} before and after`,
			`after: ${a.width}x${a.height} from ${a.current}`);
	}
	await ctx.close();
	fs.rmSync(tmp, { recursive: true, force: true });
	t.done();
}

main().catch((e) => {
	console.log(`Bail out! ${e.stack}`);
	process.exit(1);
});
