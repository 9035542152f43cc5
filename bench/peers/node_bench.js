// node_bench.js: the croner and cron-parser peers of bench/cron.
//
//   TZ=UTC node node_bench.js croner|cron-parser CORPUS START BUDGET_MS ZONE
//
// Same measurements and output as cron_bench.c. UTC runs with the process in
// TZ=UTC and no zone option (each library's fastest path); ZONE passes the
// zone to the library (croner: timezone, cron-parser: tz). Iteration restarts
// from START when it passes 2100. Modules come from bench/.node (npm --prefix).
'use strict';
const fs = require('fs');
const path = require('path');

const HORIZON = 4102444800 * 1000;
const BATCH = 100;
const [impl, corpus, startArg, budgetArg, zone] = process.argv.slice(2);
const start = Number(startArg) * 1000;
const budgetNs = BigInt(budgetArg) * 1000000n;
const mods = path.join(__dirname, '..', '.node', 'node_modules');

let makeIter;   // (expr, zoneOrNull) -> { next(): ms, reset() }
if (impl === 'croner') {
  const { Cron } = require(path.join(mods, 'croner'));
  makeIter = (expr, tz) => {
    const job = new Cron(expr, tz ? { timezone: tz, paused: true } : { paused: true });
    let d = new Date(start);
    return {
      next() { d = job.nextRun(d); if (d === null) throw new Error('no next run'); return d.getTime(); },
      reset() { d = new Date(start); },
    };
  };
} else if (impl === 'cron-parser') {
  const { CronExpressionParser } = require(path.join(mods, 'cron-parser'));
  makeIter = (expr, tz) => {
    const opts = { currentDate: new Date(start) };
    if (tz) opts.tz = tz;
    const it = CronExpressionParser.parse(expr, opts);
    return {
      next() { return it.next().getTime(); },
      reset() { it.reset(new Date(start)); },
    };
  };
} else {
  console.error('usage: node_bench.js croner|cron-parser CORPUS START BUDGET_MS ZONE');
  process.exit(64);
}

function benchNext(expr, tz) {
  const it = makeIter(expr, tz);
  for (let i = 0; i < 1000; i++) if (it.next() > HORIZON) it.reset();   // warm-up
  it.reset();
  let n = 0;
  const t0 = process.hrtime.bigint();
  let el;
  for (;;) {
    for (let i = 0; i < BATCH; i++) if (it.next() > HORIZON) it.reset();
    n += BATCH;
    el = process.hrtime.bigint() - t0;
    if (el >= budgetNs) break;
  }
  return [Number(el) / n, n];
}

function benchParseNext(expr) {
  for (let i = 0; i < 200; i++) makeIter(expr, null).next();            // warm-up
  let n = 0;
  const t0 = process.hrtime.bigint();
  let el;
  for (;;) {
    for (let i = 0; i < BATCH; i++) makeIter(expr, null).next();
    n += BATCH;
    el = process.hrtime.bigint() - t0;
    if (el >= budgetNs) break;
  }
  return [Number(el) / n, n];
}

const exprs = fs.readFileSync(corpus, 'utf8').split('\n')
  .map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));

// Warm the JIT on the whole corpus first, so expression 1 is not measured cold.
const warmEnd = process.hrtime.bigint() + 300000000n;
while (process.hrtime.bigint() < warmEnd) {
  for (const expr of exprs) {
    for (const tz of [null, zone]) {
      try {
        const it = makeIter(expr, tz);
        for (let i = 0; i < 20; i++) it.next();
      } catch (e) { /* reported below */ }
    }
  }
}
const out = [];
exprs.forEach((expr, idx) => {
  for (const [label, tz] of [['UTC', null], [zone, zone]]) {
    try {
      const it = makeIter(expr, tz);
      const first = [it.next(), it.next(), it.next()].map((ms) => Math.floor(ms / 1000)).join(',');
      const [ns, n] = benchNext(expr, tz);
      out.push(`RESULT\t${impl}\t${label}\tnext\t${idx}\t${ns.toFixed(1)}\t${n}\t${first}`);
    } catch (e) {
      out.push(`RESULT\t${impl}\t${label}\tnext\t${idx}\tnan\t0\tERR ${String(e.message).split('\n')[0]}`);
    }
  }
  try {
    const [ns, n] = benchParseNext(expr);
    out.push(`RESULT\t${impl}\tUTC\tparse_next\t${idx}\t${ns.toFixed(1)}\t${n}\t`);
  } catch (e) {
    out.push(`RESULT\t${impl}\tUTC\tparse_next\t${idx}\tnan\t0\tERR ${String(e.message).split('\n')[0]}`);
  }
  process.stdout.write(out.join('\n') + '\n');
  out.length = 0;
});
