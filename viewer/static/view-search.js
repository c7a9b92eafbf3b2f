/* SPDX-License-Identifier: Apache-2.0 */
/*
 * view-search.js: the search page: the form (service, operation, tags,
 * span durations, lookback or a custom range, limit, and the whole-trace
 * filters Jaeger lacks), the duration-over-time scatter plot whose points
 * open a trace, and the sortable result list, with two results selectable
 * for comparison.
 */

import * as api from './api.js';
import { h, s, notice, apiNotice, fmtDuration, fmtTime, fmtAgo, serviceColor } from './dom.js';
import { formFromQuery, queryFromForm, apiRequest, summarize, filterRows,
    sortRows, scatterPoints, describeSearch } from './search.js';

const LOOKBACKS = [['5m', 'Last 5 minutes'], ['15m', 'Last 15 minutes'], ['1h', 'Last hour'],
    ['2h', 'Last 2 hours'], ['6h', 'Last 6 hours'], ['12h', 'Last 12 hours'],
    ['24h', 'Last 24 hours'], ['2d', 'Last 2 days'], ['7d', 'Last 7 days'], ['custom', 'Custom range']];

function field(id, label, input, hint) {
	return h('div', { class: 'field' }, h('label', { for: id }, label), input,
	    hint ? h('small', { id: id + '-hint' }, hint) : null);
}

function option(value, text, selected) {
	return h('option', { value, selected: selected || undefined }, text);
}

function toLocalInput(us) {
	if (!us)
		return '';
	const d = new Date(Number(us) / 1000);
	const p = (n) => String(n).padStart(2, '0');
	return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}`;
}

export async function searchPage(ctx) {
	ctx.setTitle('Search');
	const f = formFromQuery(ctx.query);
	let svcs;
	try {
		svcs = await api.services();
	} catch (e) {
		if (!ctx.stale())
			ctx.main.replaceChildren(apiNotice(e, 'Listing the services', () => searchPage(ctx)));
		return;
	}
	if (ctx.stale())
		return;
	if (!f.service)
		f.service = svcs.includes('api-gateway') ? 'api-gateway' :
		    (svcs.find(x => x !== 'jaeger') || svcs[0] || '');

	const opSel = h('select', { id: 'f-operation', name: 'operation' }, option('', 'all operations'));
	const loadOps = async (svc) => {
		opSel.replaceChildren(option('', 'all operations'));
		if (!svc)
			return;
		try {
			for (const o of await api.operations(svc))
				opSel.append(option(o, o, o === f.operation));
		} catch (e) {
			opSel.append(option('', '(operations unavailable)'));
		}
	};
	const svcSel = h('select', { id: 'f-service', name: 'service', required: true,
	    onchange: () => loadOps(svcSel.value) },
	    svcs.length === 0 ? option('', '(no services yet)') : null,
	    svcs.map(x => option(x, x, x === f.service)));
	const lbSel = h('select', { id: 'f-lookback', name: 'lookback',
	    onchange: () => custom.hidden = lbSel.value !== 'custom' },
	    LOOKBACKS.map(([v, t]) => option(v, t, v === f.lookback)));
	const custom = h('div', { class: 'custom-range', hidden: f.lookback !== 'custom' },
	    field('f-start', 'From', h('input', { id: 'f-start', name: 'start', type: 'datetime-local', value: toLocalInput(f.start) })),
	    field('f-end', 'To', h('input', { id: 'f-end', name: 'end', type: 'datetime-local', value: toLocalInput(f.end) })));
	const input = (id, name, value, ph, extra) => h('input', { id, name, value, placeholder: ph, autocomplete: 'off', ...extra });

	const form = h('form', { class: 'search-form', 'aria-label': 'Search traces' },
	    field('f-service', 'Service', svcSel),
	    field('f-operation', 'Operation', opSel),
	    field('f-tags', 'Tags', input('f-tags', 'tags', f.tags, 'http.status_code=400 error=true',
	        { 'aria-describedby': 'f-tags-hint' }), 'key=value, several separated by spaces; a span must have them all'),
	    h('div', { class: 'row2' },
	        field('f-min', 'Min span duration', input('f-min', 'minDuration', f.minDuration, 'e.g. 100ms')),
	        field('f-max', 'Max span duration', input('f-max', 'maxDuration', f.maxDuration, 'e.g. 2s'))),
	    field('f-lookback', 'Time', lbSel), custom,
	    field('f-limit', 'Limit', input('f-limit', 'limit', f.limit, '20', { type: 'number', min: 1, max: 1500 })),
	    h('fieldset', { class: 'beyond' }, h('legend', {}, 'On the whole trace'),
	        h('label', { class: 'check' }, h('input', { type: 'checkbox', name: 'errors', id: 'f-errors', checked: f.errorsOnly }),
	            ' an error anywhere in the trace'),
	        h('div', { class: 'row2' },
	            field('f-mint', 'Trace at least', input('f-mint', 'minTrace', f.minTrace, 'e.g. 200ms')),
	            field('f-maxt', 'Trace at most', input('f-maxt', 'maxTrace', f.maxTrace, 'e.g. 1s')))),
	    h('button', { class: 'btn btn-primary', type: 'submit', id: 'f-submit' }, 'Find traces'));
	loadOps(f.service);

	form.addEventListener('submit', (ev) => {
		ev.preventDefault();
		const el = form.elements;
		const nf = {
			service: el.service.value, operation: el.operation.value, tags: el.tags.value,
			minDuration: el.minDuration.value.trim(), maxDuration: el.maxDuration.value.trim(),
			lookback: el.lookback.value, limit: el.limit.value.trim() || '20',
			errorsOnly: el.errors.checked, minTrace: el.minTrace.value.trim(),
			maxTrace: el.maxTrace.value.trim(), sort: f.sort,
			start: el.start.value ? String(new Date(el.start.value).getTime() * 1000) : '',
			end: el.end.value ? String(new Date(el.end.value).getTime() * 1000) : ''
		};
		ctx.navigate('/search?' + queryFromForm(nf, Date.now() * 1000));
	});

	const results = h('section', { class: 'results', 'aria-label': 'Search results', 'aria-live': 'polite' });
	ctx.main.replaceChildren(h('div', { class: 'search-page' },
	    h('aside', { class: 'search-side' }, h('h1', { class: 'h' }, 'Search traces'), form), results));

	if (!ctx.query.get('service')) {
		results.append(notice('info', 'Choose a service and press “Find traces”.',
		    'The same URLs as Jaeger UI work here: /search?service=…, /trace/<id>, /trace/<a>...<b>, /dependencies, /monitor.'));
		return;
	}
	const nowUs = Date.now() * 1000;
	const req = apiRequest(f, nowUs);
	if (req.errors.length > 0) {
		results.append(notice('error', 'The search is not valid', req.errors.join('; ')));
		return;
	}
	results.append(h('p', { class: 'loading', role: 'status' }, 'Searching…'));
	let traces;
	try {
		traces = await api.search(req.request);
	} catch (e) {
		if (!ctx.stale())
			results.replaceChildren(apiNotice(e, 'The search', () => searchPage(ctx)));
		return;
	}
	if (ctx.stale())
		return;
	showResults(ctx, results, f, traces);
}

function showResults(ctx, results, f, traces) {
	const all = traces.map(summarize);
	const rows = filterRows(all, f);
	if (rows.length === 0) {
		const more = all.length > 0 ? ` Jaeger found ${all.length} trace${all.length === 1 ? '' : 's'}, none passing the whole-trace filters.` : '';
		results.replaceChildren(notice('empty', 'No trace found', `Searched: ${describeSearch(f)}.${more}`));
		return;
	}
	const selected = new Set();
	const cmpBtn = h('button', { class: 'btn', type: 'button', disabled: true, id: 'compare-btn',
	    onclick: () => { const [a, b] = [...selected]; ctx.navigate(`/trace/${a}...${b}`); } },
	    'Compare 2 selected');
	const sortSel = h('select', { id: 'sort', onchange: () => {
		const q = new URLSearchParams(location.search);
		q.set('sort', sortSel.value);
		history.replaceState(null, '', '/search?' + q);
		f.sort = sortSel.value;
		draw();
	} }, [['start', 'Most recent'], ['oldest', 'Oldest first'], ['duration', 'Longest first'],
	    ['shortest', 'Shortest first'], ['spans', 'Most spans']].map(([v, t]) => option(v, t, v === f.sort)));
	const plot = h('div', { class: 'scatter' });
	const list = h('ol', { class: 'result-list', id: 'result-list' });
	const draw = () => {
		const sorted = sortRows(rows, f.sort);
		plot.replaceChildren(scatter(ctx, sorted));
		list.replaceChildren(...sorted.map(r => resultItem(r, selected, cmpBtn)));
	};
	results.replaceChildren(
	    h('div', { class: 'results-head' },
	        h('h2', { class: 'h', id: 'result-count' }, `${rows.length} trace${rows.length === 1 ? '' : 's'}`),
	        h('span', { class: 'muted' }, describeSearch(f)),
	        h('span', { class: 'grow' }),
	        h('label', { for: 'sort' }, 'Sort '), sortSel, cmpBtn),
	    plot, list);
	draw();
}

function resultItem(r, selected, cmpBtn) {
	const box = h('input', { type: 'checkbox', 'aria-label': `select ${r.traceId} for comparison`,
	    onchange: () => {
		if (box.checked)
			selected.add(r.traceId);
		else
			selected.delete(r.traceId);
		cmpBtn.disabled = selected.size !== 2;
	} });
	return h('li', { class: 'result' + (r.errors > 0 ? ' has-error' : ''), 'data-trace-id': r.traceId },
	    h('div', { class: 'result-main' },
	        box,
	        h('a', { href: `/trace/${r.traceId}`, class: 'result-title' },
	            h('span', { class: 'svc-dot', style: { background: serviceColor(r.rootService) } }),
	            `${r.rootService}: ${r.rootOperation}`),
	        h('span', { class: 'grow' }),
	        h('span', { class: 'result-dur' }, fmtDuration(r.durationUs))),
	    h('div', { class: 'result-meta' },
	        h('span', {}, `${r.spans} span${r.spans === 1 ? '' : 's'}`),
	        r.errors > 0 ? h('span', { class: 'err-badge' }, `✖ ${r.errors} error${r.errors === 1 ? '' : 's'}`) : null,
	        h('span', { class: 'svc-list' }, r.services.map(x =>
	            h('span', { class: 'svc-tag', style: { borderColor: serviceColor(x.name) } }, `${x.name} (${x.count})`))),
	        h('span', { class: 'grow' }),
	        h('time', { datetime: new Date(r.startUs / 1000).toISOString(), title: fmtTime(r.startUs) },
	            `${fmtTime(r.startUs)} · ${fmtAgo(r.startUs)}`),
	        h('code', { class: 'tid' }, r.traceId.slice(0, 7))));
}

function scatter(ctx, rows) {
	const W = 800, H = 160, L = 56, B = 22, T = 8, R = 12;
	const sp = scatterPoints(rows);
	const svg = s('svg', { viewBox: `0 0 ${W} ${H}`, class: 'scatter-svg', role: 'img',
	    'aria-label': `Duration over time of ${rows.length} traces; each point opens its trace` });
	svg.append(s('line', { x1: L, y1: H - B, x2: W - R, y2: H - B, class: 'axis' }),
	    s('line', { x1: L, y1: T, x2: L, y2: H - B, class: 'axis' }),
	    s('text', { x: L - 6, y: T + 10, 'text-anchor': 'end', class: 'axis-label' }, fmtDuration(sp.maxDur)),
	    s('text', { x: L - 6, y: H - B, 'text-anchor': 'end', class: 'axis-label' }, '0'),
	    s('text', { x: L, y: H - 6, class: 'axis-label' }, fmtTime(sp.minStart).slice(11, 19)),
	    s('text', { x: W - R, y: H - 6, 'text-anchor': 'end', class: 'axis-label' }, fmtTime(sp.maxStart).slice(11, 19)));
	for (const p of sp.points) {
		const r = rows.find(x => x.traceId === p.traceId);
		const a = s('a', { href: `/trace/${p.traceId}`, class: 'pt-link',
		    'aria-label': `${r.rootService}: ${r.rootOperation}, ${fmtDuration(r.durationUs)}` },
		    s('circle', { cx: (L + p.x * (W - L - R - 8) + 4).toFixed(1),
		        cy: (H - B - p.y * (H - B - T - 4)).toFixed(1), r: p.r.toFixed(1),
		        class: 'pt' + (p.error ? ' pt-error' : ''), 'data-trace-id': p.traceId },
		        s('title', {}, `${r.rootService}: ${r.rootOperation} · ${fmtDuration(r.durationUs)} · ${r.spans} spans`)));
		a.addEventListener('click', (ev) => { ev.preventDefault(); ctx.navigate(`/trace/${p.traceId}`); });
		svg.append(a);
	}
	return svg;
}
