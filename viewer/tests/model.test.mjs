/* SPDX-License-Identifier: Apache-2.0 */
/*
 * model.test.mjs: the viewer's trace model against tracectl's: tree
 * building, orphans, cycles, clock skew, self time and the critical path on
 * small hand-made traces, and on every trace fixture of cli/tests the very
 * numbers `bin/tracectl show --json` prints (when bin/tracectl is built:
 * the fixture is served to it by a tiny HTTP server here).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildTrace, parseDocument, parseText, spanIdOf, traceIdOf, spanSummary, maxSelf } from '../static/model.js';

const TOP = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const FIX = join(TOP, 'cli', 'tests', 'fixtures');

/* A legacy trace from [id, parent, service, start, duration, extra] rows. */
function legacy(rows, tid = 'abc') {
	return {
		data: [{
			traceID: tid,
			spans: rows.map(([id, parent, svc, start, dur, extra]) => ({
				traceID: tid, spanID: id, operationName: 'op-' + id,
				references: parent ? [{ refType: (extra && extra.follows) ? 'FOLLOWS_FROM' : 'CHILD_OF',
				    traceID: tid, spanID: parent }] : [],
				startTime: start, duration: dur, processID: svc,
				tags: (extra && extra.tags) || [], logs: []
			})),
			processes: { p1: { serviceName: 'svc-a', tags: [] }, p2: { serviceName: 'svc-b', tags: [] } }
		}]
	};
}

function one(doc) {
	return buildTrace(parseDocument(doc)[0]);
}

function by(t) {
	return Object.fromEntries(t.spans.map(s => [s.id.replace(/^0+/, ''), s]));
}

test('ids as tracectl prints them', () => {
	assert.equal(spanIdOf('AB'), '00000000000000ab');
	assert.equal(spanIdOf('0000000000000000'), '');
	assert.equal(spanIdOf('1234567890abcdef1234'), '567890abcdef1234');
	assert.equal(traceIdOf('00000000000000001234567890abcdef'), '1234567890abcdef');
	assert.equal(traceIdOf('1'), '0000000000000001');
	assert.equal(traceIdOf('zz'), '');
});

test('tree: children by start, depth-first order, services, errors', () => {
	const t = one(legacy([
		['1', null, 'p1', 1000, 100],
		['3', '1', 'p1', 1050, 10, { tags: [{ key: 'error', type: 'bool', value: true }] }],
		['2', '1', 'p2', 1010, 20],
		['4', '2', 'p2', 1012, 5]
	]));
	assert.deepEqual(t.order.map(s => s.id.slice(-1)), ['1', '2', '4', '3']);
	assert.deepEqual(t.order.map(s => s.depth), [0, 1, 2, 1]);
	assert.deepEqual(t.services, ['svc-a', 'svc-b']);
	assert.equal(t.nerrors, 1);
	assert.equal(t.durationUs, 100);
	assert.equal(t.root.id.slice(-1), '1');
});

test('self time: parallel children count once, clipped to the parent', () => {
	const t = one(legacy([
		['1', null, 'p1', 0 + 1000, 100],
		['2', '1', 'p1', 1010, 30],
		['3', '1', 'p1', 1020, 30],
		['4', '1', 'p1', 1090, 50]
	]));
	const s = by(t);
	/* covered: [10,50) and [90,100) -> 50 */
	assert.equal(s['1'].selfUs, 50);
	assert.equal(s['4'].selfUs, 50);
});

test('critical path: last-finishing child, then back in time', () => {
	const t = one(legacy([
		['1', null, 'p1', 1000, 100],
		['2', '1', 'p1', 1010, 30],
		['3', '1', 'p1', 1020, 50],
		['4', '3', 'p1', 1030, 10]
	]));
	const s = by(t);
	/* root: [70,100) after 3, then 3: [40,70) after 4, 4: [30,40), 3: [20,30), 2 ends at 40 > 20: not before 3's start; root [0,20) */
	assert.equal(s['1'].criticalUs, 30 + 10 + 10);
	assert.equal(s['3'].criticalUs, 30 + 10);
	assert.equal(s['4'].criticalUs, 10);
	assert.equal(s['2'].criticalUs, 0);
	assert.deepEqual(s['3'].cpSections, [[1020, 1030], [1040, 1070]]);
	const sum = t.spans.reduce((a, x) => a + x.criticalUs, 0);
	assert.equal(sum, t.durationUs);
});

test('critical path leaves out FOLLOWS_FROM children and children outside the parent', () => {
	const t = one(legacy([
		['1', null, 'p1', 1000, 100],
		['2', '1', 'p1', 1050, 200, { follows: true }],
		['3', '1', 'p1', 1300, 10]
	]));
	const s = by(t);
	assert.equal(s['1'].criticalUs, 100);
	assert.equal(s['2'].criticalUs, 0);
	assert.equal(s['3'].criticalUs, 0);
});

test('orphans and cycles become roots, with warnings', () => {
	const t = one(legacy([
		['1', null, 'p1', 1000, 100],
		['2', '9', 'p1', 1010, 10],
		['5', '6', 'p1', 1020, 10],
		['6', '5', 'p1', 1030, 10]
	]));
	assert.equal(t.norphans, 2);
	assert.equal(t.roots.length, 3);
	assert.ok(t.warnings.some(w => w.includes('cycle')));
	assert.ok(t.warnings.some(w => w.includes('not in the trace')));
	assert.equal(t.root.id.slice(-1), '1');
});

test('clock skew: another service outside its parent moves to its middle', () => {
	const t = one(legacy([
		['1', null, 'p1', 1000, 100],
		['2', '1', 'p2', 900, 20],
		['3', '2', 'p2', 905, 5]
	]));
	const s = by(t);
	assert.equal(s['2'].startUs, 1040);
	assert.equal(s['2'].skewUs, 140);
	assert.equal(s['3'].startUs, 1045);
	assert.equal(t.nskewed, 1);
});

test('OTLP JSON: nanoseconds truncated per end, status, events, links', () => {
	const doc = { resourceSpans: [{ resource: { attributes: [{ key: 'service.name', value: { stringValue: 's' } }] },
	    scopeSpans: [{ spans: [
		{ traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', name: 'root',
		  startTimeUnixNano: '1700000000000000999', endTimeUnixNano: '1700000000000002001', kind: 2,
		  status: { code: 2, message: 'boom' }, attributes: [{ key: 'n', value: { intValue: '3' } }],
		  events: [{ timeUnixNano: '1700000000000001500', name: 'ev', attributes: [] }],
		  links: [{ traceId: '1111111111111111', spanId: '2222222222222222' }] }
	    ] }] }] };
	const [t] = parseText(JSON.stringify(doc));
	const s = t.spans[0];
	assert.equal(s.startUs, 1700000000000000);
	assert.equal(s.durationUs, 2);
	assert.equal(s.error, true);
	assert.equal(s.statusMessage, 'boom');
	assert.equal(s.kind, 2);
	assert.equal(s.events[0].tsUs, 1700000000000001);
	assert.equal(s.links[0].traceId, '1111111111111111');
	assert.deepEqual(s.attrs[0], { key: 'n', value: '3', type: 'int' });
});

test('malformed input: clear errors', () => {
	assert.throws(() => parseText('{nope'), /not valid JSON/);
	assert.throws(() => parseText('[1,2]'), /not a JSON object/);
	assert.throws(() => parseText('{"foo": 1}'), /neither Jaeger JSON/);
	assert.throws(() => parseText('{"data": [{"spans": []}]}'), /bad traceID/);
	assert.deepEqual(parseText('{"data": null}'), []);
});

test('a 5,000-span chain does not overflow the stack', () => {
	const rows = [];
	for (let i = 1; i <= 5000; i++)
		rows.push([i.toString(16), i > 1 ? (i - 1).toString(16) : null, 'p1', 1000 + i, 10000 - i]);
	const t = one(legacy(rows));
	assert.equal(t.order.length, 5000);
	assert.equal(t.order[4999].depth, 4999);
	assert.equal(t.spans.reduce((a, x) => a + x.criticalUs, 0), t.durationUs);
});

/* --- parity with bin/tracectl ------------------------------------------- */

const TRACECTL = join(TOP, 'bin', 'tracectl');
const fixtures = existsSync(FIX) ? readdirSync(FIX).filter(f => /^(order|stack)-.*\.(v3|legacy)\.json$/.test(f)) : [];

function serve(body, v3) {
	return new Promise((resolve) => {
		const srv = createServer((req, res) => {
			const u = new URL(req.url, 'http://x');
			res.setHeader('Content-Type', 'application/json');
			if (u.pathname === '/api/v3/services') {
				if (!v3) {
					res.statusCode = 404;
					return res.end('{}');
				}
				return res.end('{"services": []}');
			}
			if (u.pathname.startsWith(v3 ? '/api/v3/traces/' : '/api/traces/'))
				return res.end(body);
			res.statusCode = 404;
			res.end('{}');
		});
		srv.listen(0, '127.0.0.1', () => resolve(srv));
	});
}

function tracectlShow(url, id) {
	return new Promise((resolve, reject) => {
		const p = spawn(TRACECTL, ['show', '--json', id], { env: { ...process.env, TRACECTL_JAEGER_URL: url, NO_COLOR: '1' } });
		let out = '', err = '';
		p.stdout.on('data', d => out += d);
		p.stderr.on('data', d => err += d);
		p.on('close', (code) => code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`tracectl exited ${code}: ${err}`)));
	});
}

for (const f of fixtures) {
	test(`same numbers as tracectl show --json: ${f}`, { skip: !existsSync(TRACECTL) && 'bin/tracectl is not built' }, async () => {
		const body = readFileSync(join(FIX, f), 'utf8');
		const [t] = parseText(body);
		const srv = await serve(body, f.includes('.v3.'));
		try {
			const want = await tracectlShow(`http://127.0.0.1:${srv.address().port}`, t.traceId);
			assert.equal(t.traceId, want.traceId);
			assert.equal(t.durationUs, want.durationUs);
			assert.equal(t.startUs, want.startUs);
			assert.deepEqual(t.services, want.services);
			assert.equal(t.nerrors, want.errorSpans);
			assert.equal(t.root.service, want.rootService);
			const got = t.order.map(s => {
				const x = spanSummary(t, s);
				return [x.spanId, x.depth, x.offsetUs, x.durationUs, x.selfUs, x.criticalUs,
				    JSON.stringify(x.criticalSections), x.error, x.skewUs, x.orphan];
			});
			const exp = want.spans.map(x => [x.spanId, x.depth, x.offsetUs, x.durationUs, x.selfUs,
			    x.criticalUs, JSON.stringify(x.criticalSections), x.error, x.skewUs, x.orphan]);
			assert.deepEqual(got, exp);
			assert.ok(maxSelf(t));
		} finally {
			srv.close();
		}
	});
}

/* Random traces (overlaps, overhangs, other services' clocks, FOLLOWS_FROM, orphans) against tracectl. */
function randomTrace(seed, n) {
	let x = seed >>> 0 || 1;
	const rnd = () => ((x ^= x << 13, x ^= x >>> 17, x ^= x << 5) >>> 0) / 4294967296;
	const rows = [['1', null, 'p1', 1_700_000_000_000_000, 100000]];
	for (let i = 2; i <= n; i++) {
		const p = rows[Math.floor(rnd() * rows.length)];
		const start = p[3] + Math.floor((rnd() * 1.3 - 0.15) * p[4]);
		const dur = Math.floor(rnd() * p[4] * 0.7);
		const parent = rnd() < 0.03 ? 'fff' + i.toString(16) : p[0];
		rows.push([i.toString(16), parent, rnd() < 0.5 ? 'p1' : 'p2', start, dur,
		    { follows: rnd() < 0.08 }]);
	}
	return legacy(rows, (0xabc000 + seed).toString(16));
}

for (let seed = 1; seed <= 12; seed++) {
	test(`same numbers as tracectl show --json: random trace ${seed}`, { skip: !existsSync(TRACECTL) && 'bin/tracectl is not built' }, async () => {
		const body = JSON.stringify(randomTrace(seed, 20 + seed * 15));
		const [t] = parseText(body);
		const srv = await serve(body, false);
		try {
			const want = await tracectlShow(`http://127.0.0.1:${srv.address().port}`, t.traceId);
			const got = t.order.map(s => {
				const x = spanSummary(t, s);
				return [x.spanId, x.depth, x.offsetUs, x.durationUs, x.selfUs, x.criticalUs,
				    JSON.stringify(x.criticalSections), x.skewUs, x.orphan];
			});
			const exp = want.spans.map(x => [x.spanId, x.depth, x.offsetUs, x.durationUs, x.selfUs,
			    x.criticalUs, JSON.stringify(x.criticalSections), x.skewUs, x.orphan]);
			assert.deepEqual(got, exp);
			assert.deepEqual(t.warnings, want.warnings);
		} finally {
			srv.close();
		}
	});
}
