/* SPDX-License-Identifier: Apache-2.0 */
/*
 * view-other.js: the pages around the trace: comparing two traces (what
 * `tracectl diff` prints, as bars), the form that picks them, the service
 * dependency graph (SVG, with call counts), the Monitor page (RED metrics
 * per service and operation from /api/metrics), and opening a Jaeger or
 * OTLP JSON file without the backend.
 */

import * as api from './api.js';
import { h, s, notice, apiNotice, fmtDuration, serviceColor } from './dom.js';
import { compareTraces } from './compare.js';
import { layoutDependencies, redRows, sparkline, sparkPoints } from './graph.js';
import { parseText } from './model.js';
import { keepLocalTrace, tracePage } from './view-trace.js';

export async function comparePage(ctx, a, b) {
	ctx.setTitle(`Compare ${a.slice(0, 7)} and ${b.slice(0, 7)}`);
	const got = [];
	for (const id of [a, b]) {
		try {
			got.push((await api.trace(id)).trace);
		} catch (e) {
			if (ctx.stale())
				return;
			ctx.main.replaceChildren(e.kind === 'notfound' ?
			    notice('error', 'Trace not found', `Jaeger has no trace ${id}: nothing to compare.`) :
			    apiNotice(e, `Loading trace ${id}`, () => comparePage(ctx, a, b)));
			return;
		}
	}
	if (ctx.stale())
		return;
	const [ta, tb] = got;
	const d = compareTraces(ta, tb);
	const max = Math.max(1, ...d.operations.map(o => Math.max(o.totalUsA, o.totalUsB)));
	const head = (label, t) => h('div', { class: 'cmp-trace' },
	    h('span', { class: `cmp-key cmp-${label.toLowerCase()}` }, label), ' ',
	    h('a', { href: `/trace/${t.traceId}` }, h('code', {}, t.traceId)),
	    ` ${t.root ? `${t.root.service}: ${t.root.operation}` : ''} · ${fmtDuration(t.durationUs)} · ${t.spans.length} spans` +
	    (t.nerrors ? ` · ${t.nerrors} errors` : ''));
	const sign = (v) => (v >= 0 ? '+' : '−') + fmtDuration(Math.abs(v));
	ctx.main.replaceChildren(h('div', { class: 'compare-page' },
	    h('h1', { class: 'h' }, 'Compare two traces'),
	    head('A', ta), head('B', tb),
	    h('p', {}, `B is ${sign(d.durationChangeUs)} against A. ${d.onlyA} operation${d.onlyA === 1 ? '' : 's'} in A only, ${d.onlyB} in B only; the largest change first.`),
	    h('table', { class: 'cmp', id: 'compare-table' },
	        h('caption', { class: 'sr-only' }, 'Spans and total time per service and operation in A and B'),
	        h('thead', {}, h('tr', {}, ['Service', 'Operation', 'Spans A', 'Spans B', 'Total A / B', 'Change', 'In']
	            .map(x => h('th', { scope: 'col' }, x)))),
	        h('tbody', {}, d.operations.map(o => h('tr', { class: o.in !== 'both' ? 'cmp-only' : '', 'data-service': o.service },
	            h('td', {}, h('span', { class: 'svc-dot', style: { background: serviceColor(o.service) } }), o.service),
	            h('td', {}, o.operation), h('td', { class: 'num' }, String(o.countA)), h('td', { class: 'num' }, String(o.countB)),
	            h('td', { class: 'cmp-bars' },
	                h('div', { class: 'cmp-bar cmp-a', style: { width: `${(o.totalUsA / max * 100).toFixed(2)}%` },
	                    title: `A ${fmtDuration(o.totalUsA)}` }, o.countA ? fmtDuration(o.totalUsA) : '–'),
	                h('div', { class: 'cmp-bar cmp-b', style: { width: `${(o.totalUsB / max * 100).toFixed(2)}%` },
	                    title: `B ${fmtDuration(o.totalUsB)}` }, o.countB ? fmtDuration(o.totalUsB) : '–')),
	            h('td', { class: 'num ' + (o.changeUs > 0 ? 'worse' : o.changeUs < 0 ? 'better' : '') }, sign(o.changeUs)),
	            h('td', {}, o.in === 'a' ? 'A only' : o.in === 'b' ? 'B only' : '')))))));
}

export async function compareFormPage(ctx) {
	ctx.setTitle('Compare');
	const a = h('input', { id: 'cmp-a', name: 'a', value: ctx.query.get('a') || '', required: true, autocomplete: 'off' });
	const b = h('input', { id: 'cmp-b', name: 'b', value: ctx.query.get('b') || '', required: true, autocomplete: 'off' });
	const err = h('div', { 'aria-live': 'polite' });
	const form = h('form', { class: 'narrow-form', 'aria-label': 'Compare two traces' },
	    h('h1', { class: 'h' }, 'Compare two traces'),
	    h('p', { class: 'muted' }, 'Or select two results on the search page. The comparison lives at /trace/A...B, as in Jaeger UI.'),
	    h('div', { class: 'field' }, h('label', { for: 'cmp-a' }, 'Trace A'), a),
	    h('div', { class: 'field' }, h('label', { for: 'cmp-b' }, 'Trace B'), b),
	    h('button', { class: 'btn btn-primary', type: 'submit' }, 'Compare'), err);
	form.addEventListener('submit', (ev) => {
		ev.preventDefault();
		const x = a.value.trim(), y = b.value.trim();
		if (!/^[0-9a-fA-F]{1,32}$/.test(x) || !/^[0-9a-fA-F]{1,32}$/.test(y)) {
			err.replaceChildren(notice('error', 'Two trace ids are needed', 'Each is 1 to 32 hexadecimal digits.'));
			return;
		}
		ctx.navigate(`/trace/${x}...${y}`);
	});
	ctx.main.replaceChildren(form);
	(a.value ? b : a).focus();
}

export async function dependenciesPage(ctx) {
	ctx.setTitle('Dependencies');
	const lookbackH = Number(ctx.query.get('hours') || 24);
	let ans;
	try {
		ans = await api.dependencies(Date.now(), lookbackH * 3600 * 1000);
	} catch (e) {
		if (!ctx.stale())
			ctx.main.replaceChildren(apiNotice(e, 'Loading the dependencies', () => dependenciesPage(ctx)));
		return;
	}
	if (ctx.stale())
		return;
	const g = layoutDependencies(ans);
	const sel = h('select', { id: 'dep-hours', onchange: () => ctx.navigate(`/dependencies?hours=${sel.value}`) },
	    [1, 6, 24, 72, 168].map(x => h('option', { value: x, selected: x === lookbackH || undefined }, `last ${x} h`)));
	const top = h('div', { class: 'results-head' }, h('h1', { class: 'h' }, 'Service dependencies'),
	    h('span', { class: 'grow' }), h('label', { for: 'dep-hours' }, 'Time '), sel);
	if (g.nodes.length === 0) {
		ctx.main.replaceChildren(h('div', {}, top, notice('empty', 'No dependencies',
		    `No service called another in the last ${lookbackH} h (Jaeger derives these links from its stored traces).`)));
		return;
	}
	const CW = 260, RH = 90, NW = 170, NH = 36, M = 20;
	const W = M * 2 + (g.columns - 1) * CW + NW + 90, H = M * 2 + Math.max(1, g.maxRows) * RH;
	const pos = new Map(g.nodes.map(n => [n.name, {
		x: M + n.column * CW, y: M + (H - 2 * M) * (n.row + 0.5) / n.rows - NH / 2 }]));
	const svg = s('svg', { viewBox: `0 0 ${W} ${H}`, class: 'dep-svg', role: 'img',
	    'aria-label': `Service graph: ${g.edges.map(e => `${e.from} calls ${e.to} ${e.calls} times`).join('; ')}` },
	    s('defs', {}, s('marker', { id: 'arrow', viewBox: '0 0 10 10', refX: 10, refY: 5, markerWidth: 7,
	        markerHeight: 7, orient: 'auto-start-reverse' }, s('path', { d: 'M 0 0 L 10 5 L 0 10 z', class: 'arrow' }))));
	for (const e of g.edges) {
		const a = pos.get(e.from), b = pos.get(e.to);
		let d, lx, ly;
		if (e.from === e.to) {
			d = `M ${a.x + NW - 30} ${a.y} C ${a.x + NW} ${a.y - 40}, ${a.x + NW + 30} ${a.y}, ${a.x + NW} ${a.y + 10}`;
			lx = a.x + NW + 10; ly = a.y - 20;
		} else if (b.x > a.x) {
			const x1 = a.x + NW, y1 = a.y + NH / 2, x2 = b.x, y2 = b.y + NH / 2;
			const mx = (x1 + x2) / 2;
			d = `M ${x1} ${y1} C ${mx} ${y1}, ${mx} ${y2}, ${x2} ${y2}`;
			lx = mx; ly = (y1 + y2) / 2 - 6;
		} else {
			/* Same column or backwards: an arc out to the right. */
			const x1 = a.x + NW, y1 = a.y + NH / 2 + 6, x2 = b.x + NW, y2 = b.y + NH / 2 - 6;
			const bulge = 40 + Math.abs(y2 - y1) / 4;
			d = `M ${x1} ${y1} C ${x1 + bulge} ${y1}, ${x2 + bulge} ${y2}, ${x2} ${y2}`;
			lx = Math.max(x1, x2) + bulge * 0.75; ly = (y1 + y2) / 2;
		}
		svg.append(s('path', { d, class: 'edge', 'marker-end': 'url(#arrow)' }),
		    s('text', { x: lx, y: ly, 'text-anchor': 'middle', class: 'edge-label' }, String(e.calls)));
	}
	for (const n of g.nodes) {
		const p = pos.get(n.name);
		svg.append(s('g', { class: 'node', 'data-service': n.name },
		    s('rect', { x: p.x, y: p.y, width: NW, height: NH, rx: 6, style: `stroke:${serviceColor(n.name)}` }),
		    s('text', { x: p.x + NW / 2, y: p.y + NH / 2 + 5, 'text-anchor': 'middle' }, n.name)));
	}
	const table = h('table', { class: 'cmp', id: 'dep-table' },
	    h('caption', {}, 'Calls between services'),
	    h('thead', {}, h('tr', {}, ['Caller', 'Callee', 'Calls'].map(x => h('th', { scope: 'col' }, x)))),
	    h('tbody', {}, g.edges.slice().sort((x, y) => y.calls - x.calls).map(e =>
	        h('tr', {}, h('td', {}, e.from), h('td', {}, e.to), h('td', { class: 'num' }, String(e.calls))))));
	ctx.main.replaceChildren(h('div', { class: 'deps-page' }, top, h('div', { class: 'dep-wrap' }, svg), table));
}

export async function monitorPage(ctx) {
	ctx.setTitle('Monitor');
	let svcs;
	try {
		svcs = await api.services();
	} catch (e) {
		if (!ctx.stale())
			ctx.main.replaceChildren(apiNotice(e, 'Listing the services', () => monitorPage(ctx)));
		return;
	}
	if (ctx.stale())
		return;
	const service = ctx.query.get('service') || (svcs.includes('api-gateway') ? 'api-gateway' : svcs.find(x => x !== 'jaeger') || svcs[0] || '');
	const minutes = Number(ctx.query.get('minutes') || 30);
	const go = (svc, m) => ctx.navigate(`/monitor?service=${encodeURIComponent(svc)}&minutes=${m}`);
	const svcSel = h('select', { id: 'mon-service', onchange: () => go(svcSel.value, minutes) },
	    svcs.map(x => h('option', { value: x, selected: x === service || undefined }, x)));
	const minSel = h('select', { id: 'mon-minutes', onchange: () => go(service, minSel.value) },
	    [[15, '15 minutes'], [30, '30 minutes'], [60, 'hour'], [360, '6 hours'], [1440, '24 hours']]
	        .map(([v, t]) => h('option', { value: v, selected: v === minutes || undefined }, `last ${t}`)));
	const top = h('div', { class: 'results-head' }, h('h1', { class: 'h' }, 'Monitor'),
	    h('span', { class: 'muted' }, 'RED metrics from the spanmetrics connector, through Prometheus and /api/metrics'),
	    h('span', { class: 'grow' }),
	    h('label', { for: 'mon-service' }, 'Service '), svcSel, h('label', { for: 'mon-minutes' }, ' Time '), minSel);
	const body = h('div', { 'aria-live': 'polite' }, h('p', { class: 'loading', role: 'status' }, 'Loading metrics…'));
	ctx.main.replaceChildren(h('div', { class: 'monitor-page' }, top, body));
	if (!service) {
		body.replaceChildren(notice('empty', 'No services yet', 'Jaeger has not seen any span.'));
		return;
	}
	const endMs = Date.now(), lookbackMs = minutes * 60000;
	const stepMs = Math.max(15000, Math.round(lookbackMs / 60 / 15000) * 15000);
	const q = { services: [service], endMs, lookbackMs, stepMs, ratePerMs: Math.max(60000, stepMs) };
	let ans;
	try {
		ans = await Promise.all([api.metrics('calls', q), api.metrics('errors', q),
		    api.metrics('latencies', { ...q, quantile: 0.5 }), api.metrics('latencies', { ...q, quantile: 0.95 }),
		    api.metrics('latencies', { ...q, quantile: 0.99 })]);
	} catch (e) {
		if (!ctx.stale())
			body.replaceChildren(apiNotice(e, 'Loading the metrics', () => monitorPage(ctx)));
		return;
	}
	if (ctx.stale())
		return;
	const rows = redRows(...ans).filter(r => r.service === service);
	if (rows.length === 0) {
		body.replaceChildren(notice('empty', 'No metrics', `No call of ${service} in the last ${minutes} minutes reached Prometheus yet (span metrics are flushed and scraped every few seconds).`));
		return;
	}
	const pctf = (v) => v === null ? '–' : `${(v * 100).toFixed(1)}%`;
	const ms = (v) => v === null || !Number.isFinite(v) ? '–' : `${v.toFixed(v < 10 ? 2 : 0)}ms`;
	const rate = (v) => v === null ? '–' : `${v.toFixed(v < 10 ? 2 : 1)}/s`;
	const chart = (title, series, fmt, cls) => {
		const all = series.flatMap(x => x.pts.map(p => p[1])).filter(Number.isFinite);
		const max = Math.max(0, ...all);
		return h('figure', { class: 'chart' },
		    h('figcaption', {}, title, h('span', { class: 'muted' }, ` max ${fmt(max)}`)),
		    s('svg', { viewBox: '0 0 300 80', class: 'chart-svg', role: 'img', 'aria-label': `${title}, max ${fmt(max)}` },
		        series.map((x, i) => [s('polyline', { points: sparkline(x.pts, 300, 76, max), class: `line line-${cls || i}` }),
		            x.pts.length <= 40 ? sparkPoints(x.pts, 300, 76, max).map(([cx, cy]) =>
		                s('circle', { cx: cx.toFixed(1), cy: (cy + 2).toFixed(1), r: 2.5, class: `dot dot-${cls || i}` })) : []])),
		    series.length > 1 ? h('div', { class: 'chart-legend' }, series.map((x, i) => h('span', { class: `lg lg-${i}` }, x.name))) : null);
	};
	const sum = (key) => mergeSeries(rows.map(r => r.series[key]), (a, b) => a + b);
	const maxS = (key) => mergeSeries(rows.map(r => r.series[key]), Math.max);
	const charts = h('div', { class: 'charts' },
	    chart('Request rate', [{ name: 'calls/s', pts: sum('rate') }], rate, 'rate'),
	    chart('Error share (worst operation)', [{ name: 'errors', pts: maxS('errors') }], pctf, 'err'),
	    chart('Latency (slowest operation)', [{ name: 'p50', pts: maxS('p50') }, { name: 'p95', pts: maxS('p95') },
	        { name: 'p99', pts: maxS('p99') }], ms));
	const table = h('table', { class: 'cmp', id: 'monitor-table' },
	    h('caption', {}, `Operations of ${service}, worst first (newest values)`),
	    h('thead', {}, h('tr', {}, ['Operation', 'Rate', 'Errors', 'P50', 'P95', 'P99', 'Trend'].map(x => h('th', { scope: 'col' }, x)))),
	    h('tbody', {}, rows.map(r => h('tr', { 'data-operation': r.operation },
	        h('td', {}, h('a', { href: `/search?service=${encodeURIComponent(service)}&operation=${encodeURIComponent(r.operation)}` }, r.operation)),
	        h('td', { class: 'num' }, rate(r.rate)), h('td', { class: 'num' + (r.errors > 0 ? ' worse' : '') }, pctf(r.errors)),
	        h('td', { class: 'num' }, ms(r.p50)), h('td', { class: 'num' }, ms(r.p95)), h('td', { class: 'num' }, ms(r.p99)),
	        h('td', {}, s('svg', { viewBox: '0 0 100 20', class: 'spark', 'aria-hidden': 'true' },
	            s('polyline', { points: sparkline(r.series.rate, 100, 18), class: 'line line-rate' }),
	            r.series.rate.length <= 40 ? sparkPoints(r.series.rate, 100, 18).map(([cx, cy]) =>
	                s('circle', { cx: cx.toFixed(1), cy: (cy + 1).toFixed(1), r: 1.5, class: 'dot dot-rate' })) : []))))));
	body.replaceChildren(charts, table);
}

/* Series merged point by point (same timestamps) with op. */
function mergeSeries(list, op) {
	const m = new Map();
	for (const pts of list)
		for (const [t, v] of pts)
			if (Number.isFinite(v))
				m.set(t, m.has(t) ? op(m.get(t), v) : v);
	return [...m.entries()].sort((a, b) => a[0] - b[0]);
}

export async function openPage(ctx) {
	ctx.setTitle('Open a file');
	const out = h('div', { 'aria-live': 'polite', id: 'open-result' });
	const input = h('input', { type: 'file', id: 'open-file', accept: '.json,application/json' });
	const zone = h('div', { class: 'drop', tabindex: 0, role: 'button', 'aria-label': 'Drop a trace file here, or press Enter to choose one',
	    onclick: () => input.click(), onkeydown: (ev) => { if (ev.key === 'Enter' || ev.key === ' ') { ev.preventDefault(); input.click(); } } },
	    'Drop a Jaeger JSON or OTLP JSON trace file here, or choose one.');
	const load = async (file) => {
		let traces;
		try {
			traces = parseText(await file.text());
		} catch (e) {
			out.replaceChildren(notice('error', `${file.name} is not a trace file`, `${e.message}. Expected Jaeger JSON (as /api/traces/<id> or the Download button give) or OTLP JSON ({"resourceSpans": [...]}).`));
			return;
		}
		traces = traces.filter(t => t.spans.length > 0);
		if (traces.length === 0) {
			out.replaceChildren(notice('error', `${file.name} holds no span`, 'The file is valid JSON of a known shape, but has no span with an id and a start time.'));
			return;
		}
		for (const t of traces)
			keepLocalTrace(t, JSON.parse(await file.text()), file.name);
		if (traces.length === 1) {
			history.pushState(null, '', `/trace/${traces[0].traceId}?file=1`);
			await tracePage(ctx, traces[0].traceId, { trace: traces[0], doc: JSON.parse(await file.text()), name: file.name });
			return;
		}
		out.replaceChildren(h('h2', { class: 'h' }, `${traces.length} traces in ${file.name}`),
		    h('ul', {}, traces.map(t => h('li', {}, h('a', { href: `/trace/${t.traceId}?file=1` },
		        `${t.root ? `${t.root.service}: ${t.root.operation}` : t.traceId}`), ` · ${fmtDuration(t.durationUs)} · ${t.spans.length} spans`))));
	};
	input.addEventListener('change', () => input.files[0] && load(input.files[0]));
	zone.addEventListener('dragover', (ev) => { ev.preventDefault(); zone.classList.add('over'); });
	zone.addEventListener('dragleave', () => zone.classList.remove('over'));
	zone.addEventListener('drop', (ev) => {
		ev.preventDefault();
		zone.classList.remove('over');
		if (ev.dataTransfer.files[0])
			load(ev.dataTransfer.files[0]);
	});
	ctx.main.replaceChildren(h('div', { class: 'narrow-form' }, h('h1', { class: 'h' }, 'Open a trace file'),
	    h('p', { class: 'muted' }, 'The file stays in this browser: nothing is sent to Jaeger.'),
	    h('label', { for: 'open-file' }, 'Trace file '), input, zone, out));
}
