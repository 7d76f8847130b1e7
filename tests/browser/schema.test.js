// Every command's --json output validates against its documented schema
// (docs/schema/<command>.schema.json, JSON Schema draft 2020-12, checked
// with ajv): on a genblog blog with a broken link, in the order a user
// would run them, so each command has something to say.
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const { need, makeBlog, imgopt, tap } = require('./lib.js');

let Ajv2020;
try {
	Ajv2020 = require('ajv/dist/2020');
} catch (e) {
	console.log('Bail out! ajv is missing: run tests/browser/install.sh');
	process.exit(1);
}

// [schema, arguments]; each runs in the blog's root.
const RUNS = [
	['scan', ['scan', '--json', '_posts', 'postimg']],
	['dupes', ['dupes', '--json', '_posts', 'postimg']],
	['check', ['check', '--json', '_posts', 'postimg']],
	['run', ['run', '--json', '--dry-run', '_posts', 'postimg']],
	['build', ['build', '--json', '_posts', 'postimg']],
	['run', ['run', '--json', '_posts', 'postimg']],
	['check', ['check', '--json', '_posts', 'postimg']],
	['report', ['report', '--json', '--html', 'report.html', '_posts', 'postimg']],
	['undo', ['undo', '--json', '--dry-run', '_posts', 'postimg']],
	['undo', ['undo', '--json', '_posts', 'postimg']],
	['prune', ['prune', '--json', '--dry-run', '_posts', 'postimg']],
	['prune', ['prune', '--json', '_posts', 'postimg']],
	['restore', ['restore', '--json', '_posts', 'postimg']],
];

function main() {
	const t = tap();
	const dir = need('IMGOPT_SCHEMAS');
	const ajv = new Ajv2020({ allErrors: true, strict: true });
	const validators = {};
	for (const name of new Set(RUNS.map((r) => r[0]))) {
		const file = path.join(dir, `${name}.schema.json`);
		const schema = JSON.parse(fs.readFileSync(file, 'utf8'));
		validators[name] = ajv.compile(schema);
	}
	const { tmp, root } = makeBlog(8, 24, 11);
	const post = fs.readdirSync(path.join(root, '_posts')).sort()[0];
	fs.appendFileSync(path.join(root, '_posts', post),
		'\n![gone](/postimg/not-here.jpeg)\n');
	for (const [name, args] of RUNS) {
		const r = imgopt(root, args);
		let doc = null;
		try {
			doc = JSON.parse(r.stdout);
		} catch (e) {
			t.check(false, `${args.join(' ')}: stdout is one JSON document`,
				`${e.message}\n${r.stdout.slice(0, 400)}\n${r.stderr}`);
			continue;
		}
		const validate = validators[name];
		t.check(validate(doc), `${args.join(' ')} (exit ${r.status}) matches ${name}.schema.json`,
			JSON.stringify(validate.errors, null, 1));
	}
	// The schemas must be able to fail: a document missing a required
	// member, or with a member of the wrong type, is refused.
	const scan = JSON.parse(imgopt(root, ['scan', '--json', '_posts', 'postimg']).stdout);
	delete scan.summary;
	t.check(!validators.scan(scan), 'a scan document without its summary is refused');
	const dupes = JSON.parse(imgopt(root, ['dupes', '--json', '_posts', 'postimg']).stdout);
	dupes.groups = 'none';
	t.check(!validators.dupes(dupes), 'a dupes document whose groups are a string is refused');
	fs.rmSync(tmp, { recursive: true, force: true });
	t.done();
}

main();
