// The eleventy-img side of bench/recompress.sh: every file named on stdin
// (one path a line) is resized to the given widths in the given formats
// at the given quality, into OUTDIR.  GIFs stay GIFs (animated), other
// PNGs stay PNGs, as imgopt does for them; everything else is JPEG.
//
// Prints "source<TAB>output" for every file written, for the scoring.
//
// usage: node run.mjs OUTDIR WIDTHS FORMATS QUALITY < list > map.tsv
import Image from "@11ty/eleventy-img";
import { readFileSync } from "node:fs";

const [outputDir, widthsArg, formatsArg, qualityArg] = process.argv.slice(2);
const widths = widthsArg.split(",").map(Number);
const extra = formatsArg.split(",").filter((f) => f !== "jpeg");
const quality = Number(qualityArg);
const files = readFileSync(0, "utf8").split("\n").filter(Boolean);

function formatsFor(file) {
	if (/\.gif$/i.test(file)) return ["gif", ...extra.filter((f) => f === "webp")];
	if (/\.png$/i.test(file)) return ["png", ...extra];
	return ["jpeg", ...extra];
}

let failed = 0;
await Promise.all(
	files.map((file) =>
		Image(file, {
			widths,
			formats: formatsFor(file),
			outputDir,
			useCache: false,
			sharpOptions: { animated: /\.gif$/i.test(file) },
			sharpJpegOptions: { quality },
			sharpWebpOptions: { quality },
			sharpAvifOptions: { quality },
		}).then((stats) => {
			for (const outputs of Object.values(stats))
				for (const o of outputs)
					process.stdout.write(`${file}\t${o.outputPath}\n`);
		}).catch((e) => {
			failed++;
			console.error(`${file}: ${e.message}`);
		}),
	),
);
console.error(`eleventy-img: ${files.length} files, ${failed} failed`);
