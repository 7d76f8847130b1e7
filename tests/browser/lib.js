// Helpers shared by the browser and schema tests: a genblog blog in a
// fresh temporary folder, running the built imgopt, TAP output, and
// headless Chromium.
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

function need(name) {
	const v = process.env[name];
	if (!v) {
		console.log(`Bail out! ${name} is not set (run through meson test)`);
		process.exit(1);
	}
	return v;
}

// A genblog blog (deterministic for a seed) in a new temporary folder.
function makeBlog(posts, images, seed) {
	const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'imgopt-browser-'));
	const root = path.join(tmp, 'blog');
	const r = spawnSync(need('GENBLOG'), [`--posts=${posts}`,
		`--images=${images}`, `--seed=${seed}`, `--out=${root}`,
		`--truth=${path.join(tmp, 'truth.json')}`], { encoding: 'utf8' });
	if (r.status !== 0)
		throw new Error(`genblog failed: ${r.stderr}`);
	return { tmp, root };
}

// Runs imgopt in @cwd; returns {status, stdout, stderr}.
function imgopt(cwd, args) {
	const r = spawnSync(need('IMGOPT_BIN'), args, {
		cwd, encoding: 'utf8', maxBuffer: 256 << 20,
		env: { ...process.env, LC_ALL: 'C.UTF-8' },
	});
	return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

// Minimal TAP: ok/not ok lines, a plan at the end, exit 1 on a failure.
function tap() {
	let n = 0, failed = 0;
	return {
		check(cond, what, detail) {
			n++;
			if (!cond) failed++;
			console.log(`${cond ? 'ok' : 'not ok'} ${n} - ${what}`);
			if (!cond && detail !== undefined)
				console.log(`# ${String(detail).split('\n').join('\n# ')}`);
		},
		done() {
			console.log(`1..${n}`);
			process.exitCode = failed > 0 ? 1 : 0;
		},
	};
}

// Debian's Chromium, headless, driven by playwright-core, with a fresh
// profile in @profile; @options adds to playwright's (viewport…).
async function launchChromium(profile, options) {
	let chromium;
	try {
		({ chromium } = require('playwright-core'));
	} catch (e) {
		console.log('Bail out! playwright-core is missing: run tests/browser/install.sh');
		process.exit(1);
	}
	return chromium.launchPersistentContext(profile, {
		executablePath: process.env.IMGOPT_CHROMIUM || '/usr/bin/chromium',
		headless: true,
		args: ['--no-sandbox', '--disable-gpu',
			'--disable-background-networking',
			'--disable-component-update', '--disable-sync',
			'--no-first-run'],
		...options,
	});
}

module.exports = { need, makeBlog, imgopt, tap, launchChromium };
