// `make bench-compare`: the corpus through dockerfile-ast (the parser behind
// VS Code's Dockerfile support), timed as bench.c times stagegraph_parse:
// files read into memory first, median of several runs of the process's CPU
// time (user + system; node's GC threads included), MB = 10^6 bytes.
//
// usage: node compare.mjs CORPUS_DIR [--quick]
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

const require = createRequire(import.meta.url);
const { DockerfileParser } = require('dockerfile-ast');
const version = require('dockerfile-ast/package.json').version;

const dir = process.argv[2];
const quick = process.argv.includes('--quick') || !!(process.env.BENCH_QUICK && process.env.BENCH_QUICK !== '0');
if (!dir) {
  console.error('usage: node compare.mjs CORPUS_DIR [--quick]');
  process.exit(2);
}

const filesDir = join(dir, 'files');
const names = readdirSync(filesDir).filter((n) => !n.startsWith('.')).sort();
const texts = [];
let bytes = 0;
for (const name of names) {
  const path = join(filesDir, name);
  if (!statSync(path).isFile()) continue;
  const raw = readFileSync(path);
  bytes += raw.length; // input bytes as on disk, as bench.c counts them
  texts.push(raw.toString('utf8'));
}

function parseAll() {
  let n = 0;
  for (const t of texts) n += DockerfileParser.parse(t).getInstructions().length;
  return n;
}

// dockerfile-ast splits arguments and flags lazily; stagegraph_parse does it
// eagerly, so this second figure is the closer match in work done.
function parseAllWithArgs() {
  let n = 0;
  for (const t of texts) {
    for (const ins of DockerfileParser.parse(t).getInstructions()) {
      n += ins.getArguments().length;
      if (typeof ins.getFlags === 'function') n += ins.getFlags().length;
    }
  }
  return n;
}

const runs = quick ? 3 : 7;
const minRun = quick ? 0.03 : 0.1;

function cpuSeconds() {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

function measure(fn) {
  // Warm up the JIT: at least 5 passes and, outside quick mode, 1 s.
  const warm = cpuSeconds();
  for (let i = 0; i < 5 || (!quick && i < 50 && cpuSeconds() - warm < 1); i++) fn();
  const times = [];
  for (let r = 0; r < runs; r++) {
    let iters = 0;
    const start = cpuSeconds();
    let elapsed;
    do {
      fn();
      iters++;
      elapsed = cpuSeconds() - start;
    } while (elapsed < minRun);
    times.push(elapsed / iters);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}

const t = measure(parseAll);
const ta = measure(parseAllWithArgs);
console.log(`dockerfile-ast ${version} (node ${process.version}) parse: ${texts.length} files, ${bytes} bytes, ` +
  `${(bytes / t / 1e6).toFixed(1)} MB/s (median of ${runs})`);
console.log(`dockerfile-ast ${version} parse + every instruction's arguments and flags: ${(bytes / ta / 1e6).toFixed(1)} MB/s`);
console.log(`mbps=${(bytes / t / 1e6).toFixed(3)}`);
console.log(`mbps_args=${(bytes / ta / 1e6).toFixed(3)}`);
