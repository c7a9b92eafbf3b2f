/* SPDX-License-Identifier: Apache-2.0 */
/*
 * views.test.mjs: the DOM-free logic behind the pages: visible rows with
 * folded spans, the virtualized row window, bar geometry and ticks, search
 * inside a trace, the search form's URL and API request, the whole-trace
 * filters and sorting, the scatter plot, compare (as `tracectl diff`), the
 * dependency graph's layout and the RED rows of the monitor page.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildTrace, parseDocument } from '../static/model.js';
import { visibleRows, rowWindow, barGeometry, ticks, findSpans, ancestors, criticalByService } from '../static/layout.js';
import { parseDurationUs, parseTags, formFromQuery, queryFromForm, apiRequest, summarize,
    filterRows, sortRows, scatterPoints, describeSearch } from '../static/search.js';
import { compareTraces } from '../static/compare.js';
import { layoutDependencies, redRows, sparkline } from '../static/graph.js';

function trace(rows, tid = 'abc') {
	const doc = { data: [{ traceID: tid, processes: { a: { serviceName: 'gw' }, b: { serviceName: 'inv' } },
	    spans: rows.map(([id, parent, proc, op, start, dur, err]) => ({
		spanID: id, operationName: op, processID: proc, startTime: start, duration: dur,
		references: parent ? [{ refType: 'CHILD_OF', spanID: parent }] : [],
		tags: err ? [{ key: 'error', type: 'bool', value: true }] : [] })) }] };
	return buildTrace(parseDocument(doc)[0]);
}

const T = () => trace([
	['1', null, 'a', 'POST /api/orders', 1000, 100],
	['2', '1', 'a', 'call inv', 1010, 40],
	['3', '2', 'b', 'reserve', 1012, 30, true],
	['4', '1', 'a', 'call ord', 1060, 30]
]);

test('visible rows: a folded span hides its subtree only', () => {
	const t = T();
	assert.equal(visibleRows(t, new Set()).length, 4);
	const rows = visibleRows(t, new Set([t.order[1].id]));
	assert.deepEqual(rows.map(s => s.operation), ['POST /api/orders', 'call inv', 'call ord']);
	assert.deepEqual(ancestors(t.order[2]).map(s => s.operation), ['call inv', 'POST /api/orders']);
});

test('row window: only what is in view, plus overscan, clamped', () => {
	assert.deepEqual(rowWindow(0, 240, 24, 5000, 10), { first: 0, last: 20 });
	assert.deepEqual(rowWindow(24 * 1000, 240, 24, 5000, 10), { first: 990, last: 1020 });
	assert.deepEqual(rowWindow(24 * 4995, 240, 24, 5000, 10), { first: 4985, last: 5000 });
});

test('bars and critical sections as fractions; ticks at round steps', () => {
	const t = T();
	const g = barGeometry(t, t.order[1]);
	assert.equal(g.left, 0.1);
	assert.equal(g.width, 0.4);
	assert.ok(g.sections.length >= 1 && g.sections.every(x => x.left >= 0.1 && x.left + x.width <= 0.5 + 1e-9));
	const tk = ticks(100000, 5);
	assert.deepEqual(tk.map(x => x.us), [0, 20000, 40000, 60000, 80000, 100000]);
	assert.equal(ticks(0).length, 1);
	assert.deepEqual(criticalByService(t).map(x => x.service), ['gw', 'inv']);
	assert.equal(criticalByService(t).reduce((a, x) => a + x.us, 0), 100);
});

test('find in trace: every word, in names, attributes', () => {
	const t = T();
	assert.deepEqual(findSpans(t, 'inv reserve').map(s => s.operation), ['reserve']);
	assert.deepEqual(findSpans(t, 'error=true').map(s => s.operation), ['reserve']);
	assert.equal(findSpans(t, '   ').length, 0);
});

test('durations and tags as the form takes them', () => {
	assert.equal(parseDurationUs('1.5ms'), 1500);
	assert.equal(parseDurationUs('2s'), 2000000);
	assert.equal(parseDurationUs('300us'), 300);
	assert.equal(parseDurationUs('150'), 150000);
	assert.equal(parseDurationUs(''), null);
	assert.ok(Number.isNaN(parseDurationUs('fast')));
	assert.deepEqual(parseTags('a=1 b="x y" c=').tags, [['a', '1'], ['b', 'x y'], ['c', '']]);
	assert.deepEqual(parseTags('{"error":"true"}').tags, [['error', 'true']]);
	assert.match(parseTags('a=1 nonsense').error, /not key=value/);
});

test('search URL round trip (Jaeger UI parameters) and the API request', () => {
	const now = 1_800_000_000_000_000;
	const f = { ...formFromQuery(new URLSearchParams('')), service: 'api-gateway', operation: 'POST /api/orders',
	    tags: 'order.outcome=out_of_stock http.response.status_code=400', minDuration: '1ms', lookback: '1h', limit: '20' };
	const q = queryFromForm(f, now);
	assert.equal(q.get('tags'), '{"order.outcome":"out_of_stock","http.response.status_code":"400"}');
	const back = formFromQuery(q);
	assert.equal(back.tags, f.tags);
	assert.equal(back.operation, f.operation);
	const r = apiRequest(back, now);
	assert.deepEqual(r.errors, []);
	const p = new URLSearchParams(r.request);
	assert.deepEqual(p.getAll('tag'), ['order.outcome:out_of_stock', 'http.response.status_code:400']);
	assert.equal(p.get('minDuration'), '1000us');
	assert.equal(Number(p.get('end')) - Number(p.get('start')), 3600e6);
	const bad = apiRequest({ ...back, minDuration: 'x', limit: '0', service: '' }, now);
	assert.equal(bad.errors.length, 3);
	assert.match(describeSearch(back), /service api-gateway, operation POST \/api\/orders, tags .*last 1h, limit 20/);
});

test('whole-trace filters, sort, scatter', () => {
	const rows = [summarize(T()), { ...summarize(T()), traceId: 'b', errors: 0, durationUs: 500, startUs: 5 }];
	assert.equal(rows[0].errors, 1);
	assert.equal(rows[0].rootOperation, 'POST /api/orders');
	assert.deepEqual(rows[0].services, [{ name: 'gw', count: 3 }, { name: 'inv', count: 1 }]);
	assert.equal(filterRows(rows, { errorsOnly: true }).length, 1);
	assert.equal(filterRows(rows, { minTrace: '200us' }).length, 1);
	assert.deepEqual(sortRows(rows, 'duration').map(r => r.durationUs), [500, 100]);
	assert.deepEqual(sortRows(rows, 'start').map(r => r.startUs), [1000, 5]);
	const sp = scatterPoints(rows);
	assert.equal(sp.maxDur, 500);
	assert.deepEqual(sp.points.map(p => [p.x, p.y]), [[1, 0.2], [0, 1]]);
});

test('compare: as tracectl diff', () => {
	const a = T();
	const b = trace([
		['1', null, 'a', 'POST /api/orders', 1000, 300],
		['2', '1', 'a', 'call inv', 1010, 40],
		['5', '1', 'a', 'call ntf', 1100, 150]
	], 'def');
	const d = compareTraces(a, b);
	assert.deepEqual(d.operations.map(o => [o.operation, o.in, o.changeUs]), [
		['POST /api/orders', 'both', 200], ['call ntf', 'b', 150], ['reserve', 'a', -30], ['call ord', 'a', -30],
		['call inv', 'both', 0]].sort((x, y) => Math.abs(y[2]) - Math.abs(x[2]) || (x[0] < y[0] ? -1 : 1)));
	assert.equal(d.onlyA, 2);
	assert.equal(d.onlyB, 1);
	assert.equal(d.durationChangeUs, 200);
});

test('dependencies: callers left of callees, cycles survive', () => {
	const g = layoutDependencies({ data: [
		{ parent: 'api-gateway', child: 'inventory-service', callCount: 2 },
		{ parent: 'api-gateway', child: 'order-service', callCount: 1 },
		{ parent: 'order-service', child: 'notification-service', callCount: 1 },
		{ parent: 'x', child: 'y', callCount: 1 }, { parent: 'y', child: 'x', callCount: 1 }] });
	const col = Object.fromEntries(g.nodes.map(n => [n.name, n.column]));
	assert.equal(col['api-gateway'], 0);
	assert.equal(col['inventory-service'], 1);
	assert.equal(col['notification-service'], 2);
	assert.equal(g.nodes.length, 6);
	assert.equal(g.edges.length, 5);
	assert.deepEqual(layoutDependencies({ data: [] }).nodes, []);
});

test('monitor: RED rows from /api/metrics answers, worst first', () => {
	const ans = (op, vals) => ({ metrics: [{ labels: [{ name: 'service_name', value: 'gw' }, { name: 'operation', value: op }],
	    metricPoints: vals.map((v, i) => ({ gaugeValue: { doubleValue: v }, timestamp: new Date(1e12 + i * 15000).toISOString() })) }] });
	const rows = redRows(ans('POST', [1, 2]), ans('POST', [0, 0.5]), ans('POST', [3, 4]), ans('POST', [9, 10]), ans('POST', [20, 30]));
	assert.equal(rows.length, 1);
	assert.deepEqual([rows[0].rate, rows[0].errors, rows[0].p50, rows[0].p95, rows[0].p99], [2, 0.5, 4, 10, 30]);
	assert.equal(rows[0].series.rate.length, 2);
	assert.equal(sparkline(rows[0].series.rate, 100, 20), '0.0,10.0 100.0,0.0');
	assert.deepEqual(redRows({}, {}, {}, {}, {}), []);
});
