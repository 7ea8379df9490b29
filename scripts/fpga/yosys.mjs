// Runs YoWASP Yosys (Yosys compiled to WebAssembly, npm package @yowasp/yosys) on Node.js. YoWASP works in
// a virtual file system, so this copies the named input files in and the files Yosys writes back out.
//
// usage: node yosys.mjs <yowasp-prefix> <out-dir> <input files...> -- <yosys arguments...>
//   Input paths must be relative to the current directory; they keep that path inside Yosys.
//   Every file Yosys creates is written below <out-dir>. Exit status is Yosys's.
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const argv = process.argv.slice(2);
const sep = argv.indexOf('--');
if (argv.length < 2 || sep < 2) {
  console.error('usage: node yosys.mjs <yowasp-prefix> <out-dir> <input files...> -- <yosys arguments...>');
  process.exit(2);
}
const [prefix, outDir, ...inputs] = argv.slice(0, sep);
const yosysArgs = argv.slice(sep + 1);

const bundle = path.resolve(prefix, 'node_modules/@yowasp/yosys/gen/bundle.js');
const { runYosys } = await import(pathToFileURL(bundle).href);

// Build the virtual tree {dir: {file: contents}} from the inputs.
const tree = {};
for (const input of inputs) {
  if (path.isAbsolute(input) || input.split(path.sep).includes('..')) {
    console.error(`yosys.mjs: input must be a relative path below the current directory: ${input}`);
    process.exit(2);
  }
  const parts = input.split(path.sep);
  let node = tree;
  for (const dir of parts.slice(0, -1)) node = node[dir] ??= {};
  node[parts[parts.length - 1]] = fs.readFileSync(input, 'utf8');
}
const inputSet = new Set(inputs.map((p) => path.normalize(p)));

function writeOutputs(files, rel) {
  for (const [name, value] of Object.entries(files ?? {})) {
    const relPath = path.join(rel, name);
    if (typeof value === 'string' || value instanceof Uint8Array) {
      if (inputSet.has(relPath)) continue;
      const dest = path.join(outDir, relPath);
      fs.mkdirSync(path.dirname(dest), { recursive: true });
      fs.writeFileSync(dest, value);
    } else {
      writeOutputs(value, relPath);
    }
  }
}

try {
  const files = await runYosys(yosysArgs, tree);
  writeOutputs(files, '');
} catch (e) {
  if (e.files) writeOutputs(e.files, '');
  console.error(`yosys.mjs: yosys failed: ${e.message ?? e}`);
  process.exit(typeof e.code === 'number' && e.code !== 0 ? e.code : 1);
}
