/* SPDX-License-Identifier: Apache-2.0 */
/*
 * graph.js: the data behind the dependencies and monitor pages, without a
 * DOM: the service graph from /api/dependencies laid out in columns (callers
 * left of callees, cycles broken), and the RED series from /api/metrics
 * (calls, errors, latencies per service and operation) merged into rows and
 * time series.
 */

/* {data: [{parent, child, callCount}]} -> nodes with column and row, edges. */
export function layoutDependencies(answer) {
	const links = (answer && Array.isArray(answer.data) ? answer.data : [])
	    .filter(d => d && typeof d.parent === 'string' && typeof d.child === 'string');
	const names = [...new Set(links.flatMap(d => [d.parent, d.child]))].sort();
	const out = new Map(names.map(n => [n, []]));
	const indeg = new Map(names.map(n => [n, 0]));
	for (const d of links)
		if (d.parent !== d.child) {
			out.get(d.parent).push(d.child);
			indeg.set(d.child, indeg.get(d.child) + 1);
		}
	/* Breadth first from the sources (no caller); a part of the graph with
	 * no source (cycles) starts at the node calling most more than called. */
	const col = new Map();
	const bfs = (start) => {
		col.set(start, 0);
		const q = [start];
		while (q.length > 0) {
			const n = q.shift();
			for (const c of out.get(n))
				if (!col.has(c)) {
					col.set(c, col.get(n) + 1);
					q.push(c);
				}
		}
	};
	for (const n of names)
		if (indeg.get(n) === 0 && !col.has(n))
			bfs(n);
	for (;;) {
		const left = names.filter(n => !col.has(n));
		if (left.length === 0)
			break;
		const score = (n) => out.get(n).length - indeg.get(n);
		left.sort((x, y) => score(y) - score(x) || (x < y ? -1 : 1));
		bfs(left[0]);
	}
	const columns = [];
	for (const n of names) {
		const c = col.get(n);
		(columns[c] = columns[c] || []).push(n);
	}
	const nodes = [];
	columns.forEach((list, c) => list.forEach((name, r) =>
	    nodes.push({ name, column: c, row: r, rows: list.length })));
	const edges = links.map(d => ({ from: d.parent, to: d.child,
	    calls: d.callCount || 0 }));
	return { nodes, edges, columns: columns.length,
	    maxRows: Math.max(0, ...columns.map(l => l.length)) };
}

function labelsOf(m) {
	const o = {};
	for (const l of m && Array.isArray(m.labels) ? m.labels : [])
		if (l && typeof l.name === 'string')
			o[l.name] = l.value;
	return o;
}

function pointTime(p) {
	const t = p.timestamp;
	if (typeof t === 'string') {
		const v = Date.parse(t);
		if (!Number.isNaN(v))
			return v;
	}
	if (t && typeof t === 'object' && 'seconds' in t)
		return Number(t.seconds) * 1000 + Math.floor((t.nanos || 0) / 1e6);
	return typeof t === 'number' ? t : NaN;
}

/* One /api/metrics answer -> Map "service\0operation" -> [[ms, value]]. */
export function seriesOf(answer) {
	const m = new Map();
	for (const s of answer && Array.isArray(answer.metrics) ? answer.metrics : []) {
		const l = labelsOf(s);
		if (!l.service_name)
			continue;
		const key = l.service_name + '\u0000' + (l.operation || '');
		const pts = [];
		for (const p of Array.isArray(s.metricPoints) ? s.metricPoints : []) {
			const v = p && p.gaugeValue ? p.gaugeValue.doubleValue : undefined;
			const t = pointTime(p || {});
			if (typeof v === 'number' && !Number.isNaN(t))
				pts.push([t, v]);
		}
		m.set(key, pts);
	}
	return m;
}

function newest(pts) {
	for (let i = pts.length - 1; i >= 0; i--)
		if (Number.isFinite(pts[i][1]))
			return pts[i][1];
	return null;
}

/*
 * The answers for calls, errors, p50, p95, p99 -> one row per service and
 * operation: the newest value of each and its series, worst first (error
 * share, then p99, then rate).
 */
export function redRows(calls, errors, p50, p95, p99) {
	const S = [calls, errors, p50, p95, p99].map(seriesOf);
	const keys = new Set(S.flatMap(m => [...m.keys()]));
	const rows = [...keys].map(k => {
		const [service, operation] = k.split('\u0000');
		const series = S.map(m => m.get(k) || []);
		return {
			service, operation,
			rate: newest(series[0]), errors: newest(series[1]),
			p50: newest(series[2]), p95: newest(series[3]), p99: newest(series[4]),
			series: { rate: series[0], errors: series[1], p50: series[2],
			    p95: series[3], p99: series[4] }
		};
	});
	return rows.sort((a, b) => (b.errors || 0) - (a.errors || 0) ||
	    (b.p99 || 0) - (a.p99 || 0) || (b.rate || 0) - (a.rate || 0) ||
	    (a.service + a.operation < b.service + b.operation ? -1 : 1));
}

/* A series' points as [x, y] in a w x h box (y up, time across). */
export function sparkPoints(pts, w, h, maxY) {
	const ok = pts.filter(p => Number.isFinite(p[1]));
	if (ok.length === 0)
		return [];
	const t0 = ok[0][0], t1 = ok[ok.length - 1][0];
	const my = maxY !== undefined ? maxY : Math.max(...ok.map(p => p[1]), 0);
	return ok.map(([t, v]) => [t1 > t0 ? (t - t0) / (t1 - t0) * w : w / 2,
	    my > 0 ? h - v / my * h : h]);
}

/* A polyline's points attribute for a series in a w x h box. */
export function sparkline(pts, w, h, maxY) {
	return sparkPoints(pts, w, h, maxY).map(([x, y]) => `${x.toFixed(1)},${y.toFixed(1)}`).join(' ');
}
