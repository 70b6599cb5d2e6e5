// One cold start: a fresh Node process loads a bundle and runs one invocation, then reports timings
// (ms since the process started, as performance.now() counts) on stdout as JSON, with the CPU time the
// process used by then (user + system, every thread): on a shared, loaded machine the steadier figure.
'use strict';
const { performance } = require('node:perf_hooks');
const fs = require('node:fs');

const [bundle, eventFile] = process.argv.slice(2);
const bootMs = performance.now();
const started = Date.now();
const { handler } = require(bundle);
const loadedMs = performance.now();
const event = JSON.parse(fs.readFileSync(eventFile, 'utf8'));
const context = {
  awsRequestId: 'bench',
  functionName: 'bench',
  getRemainingTimeInMillis: () => 30000 - (Date.now() - started),
};
Promise.resolve(handler(event, context)).then(
  (result) => {
    const doneMs = performance.now();
    const cpu = process.cpuUsage();
    const cpuMs = (cpu.user + cpu.system) / 1000;
    process.stdout.write(`${JSON.stringify({ bootMs, loadMs: loadedMs - bootMs, invokeMs: doneMs - loadedMs, totalMs: doneMs, cpuMs, status: result && result.statusCode })}\n`);
    process.exit(0);
  },
  (error) => {
    process.stdout.write(`${JSON.stringify({ error: String(error && error.message) })}\n`);
    process.exit(1);
  },
);
