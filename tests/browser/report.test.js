// The HTML report in headless Chromium: a genblog blog with one broken
// link added at a known line; `imgopt report --html` writes the page;
// Chromium (Debian's, driven by playwright-core) opens it with every
// request that is not data: or file: failed and recorded.  Checks what
// the page shows against what the JSON commands say, that every
// thumbnail decoded, that nothing was fetched, and keeps a full-page
// screenshot in the build folder as the test's artifact.
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const { need, makeBlog, imgopt, tap, launchChromium } = require('./lib.js');


// The post that gets a broken link, and the line the link is on.
function addBrokenLink(root) {
	const posts = fs.readdirSync(path.join(root, '_posts')).sort();
	const rel = `_posts/${posts[1]}`;
	const file = path.join(root, rel);
	let text = fs.readFileSync(file, 'utf8');
	if (!text.endsWith('\n')) text += '\n';
	const line = text.split('\n').length + 1;
	fs.writeFileSync(file, `${text}\n![gone](/postimg/not-here-at-all.jpeg)\n`);
	return { post: rel, line };
}

// What the page should show, from the JSON commands.
function expected(root) {
	const dupes = JSON.parse(imgopt(root, ['dupes', '--json', '--hash-all',
		'_posts', 'postimg']).stdout);
	const scan = JSON.parse(imgopt(root, ['scan', '--json', '_posts',
		'postimg']).stdout);
	const withImages = new Set(scan.references
		.filter((r) => r.status === 'ok' || r.status === 'repaired')
		.map((r) => r.post));
	return { groups: dupes.groups.length, savingsRows: withImages.size };
}

async function main() {
	const t = tap();
	const artifacts = need('IMGOPT_ARTIFACTS');
	const { tmp, root } = makeBlog(10, 30, 7);
	const broken = addBrokenLink(root);
	const want = expected(root);
	const html = path.join(tmp, 'report.html');
	const r = imgopt(root, ['report', '_posts', 'postimg', '--html', html]);
	t.check(r.status === 0, 'imgopt report exits 0', r.stderr);
	const text = fs.readFileSync(html, 'utf8');
	t.check(!/(https?:)?\/\/[a-z0-9.-]+\.[a-z]{2,}\//i.test(text.replace(
		/data:[^"]*/g, '')), 'the page names no URL outside itself');

	const profile = fs.mkdtempSync(path.join(tmp, 'profile-'));
	const ctx = await launchChromium(profile, {
		viewport: { width: 1200, height: 900 },
	});
	const fetched = [];
	await ctx.route('**/*', (route) => {
		const url = route.request().url();
		if (url.startsWith('data:') || url.startsWith('file:'))
			return route.continue();
		fetched.push(url);
		return route.abort();
	});
	const page = await ctx.newPage();
	page.on('request', (req) => {
		const url = req.url();
		if (!url.startsWith('data:') && !url.startsWith('file:'))
			fetched.push(url);
	});
	await page.goto('file://' + html, { waitUntil: 'load' });

	const groups = await page.locator('section.group').count();
	t.check(want.groups > 0, `the blog has duplicate groups (${want.groups})`);
	t.check(groups === want.groups,
		`shows every duplicate group (${groups} of ${want.groups})`);
	const heading = await page.locator('#dupes').innerText();
	t.check(heading.includes(`(${want.groups})`), `the heading counts them: ${heading}`);
	const copies = await page.locator('section.group figure').count();
	t.check(copies >= 2 * groups, `each group shows its copies side by side (${copies})`);
	const withPosts = await page.locator('section.group li.post').count();
	t.check(withPosts > 0, `copies list the posts using them (${withPosts})`);

	const where = await page.locator('tr.broken td.where').allInnerTexts();
	const at = `${broken.post}:${broken.line}`;
	t.check(where.includes(at), `the broken link is shown at ${at}`, where.join('\n'));
	const rows = await page.locator('tr.saving').count();
	t.check(rows === want.savingsRows,
		`one savings row per post with images (${rows} of ${want.savingsRows})`);
	const large = await page.locator('tr.large').count();
	t.check(large > 0 && large <= 20, `largest images listed (${large})`);

	const imgs = await page.locator('img').evaluateAll((list) =>
		list.map((i) => ({ ok: i.complete && i.naturalWidth > 0,
			data: i.src.startsWith('data:image/') })));
	t.check(imgs.length > 0 && imgs.every((i) => i.ok && i.data),
		`every thumbnail is a data: image that decoded (${imgs.length})`);
	t.check(fetched.length === 0, 'the browser was never asked to fetch anything',
		fetched.join('\n'));

	const shot = path.join(artifacts, 'report-screenshot.png');
	await page.screenshot({ path: shot, fullPage: true });
	t.check(fs.statSync(shot).size > 10000, `screenshot kept: ${shot}`);
	await ctx.close();
	fs.rmSync(tmp, { recursive: true, force: true });
	t.done();
}

main().catch((e) => {
	console.log(`Bail out! ${e.stack}`);
	process.exit(1);
});
