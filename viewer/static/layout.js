/* SPDX-License-Identifier: Apache-2.0 */
/*
 * layout.js: what the trace page draws, computed without a DOM: the rows
 * left visible by collapsed spans, the window of rows to draw for a scroll
 * position (virtualization), each bar's and critical-path section's place
 * as a fraction of the trace, the time axis's ticks, and search inside a
 * trace.
 */

/* The spans shown, in tree order, when the spans in `collapsed` are folded. */
export function visibleRows(t, collapsed) {
	const rows = [];
	let skipDepth = -1;
	for (const s of t.order) {
		if (skipDepth >= 0) {
			if (s.depth > skipDepth)
				continue;
			skipDepth = -1;
		}
		rows.push(s);
		if (collapsed.has(s.id) && s.children.length > 0)
			skipDepth = s.depth;
	}
	return rows;
}

/* Rows [first, last) to draw for a viewport, with `overscan` rows around. */
export function rowWindow(scrollTop, viewHeight, rowHeight, nrows, overscan = 10) {
	const first = Math.max(0, Math.floor(scrollTop / rowHeight) - overscan);
	const last = Math.min(nrows,
	    Math.ceil((scrollTop + viewHeight) / rowHeight) + overscan);
	return { first, last: Math.max(first, last) };
}

/*
 * A span's bar as fractions of the trace [0, 1]: left and width (at least
 * minWidth so an instant span stays visible), and its critical-path sections
 * likewise.
 */
export function barGeometry(t, s, minWidth = 0.002) {
	const total = t.durationUs > 0 ? t.durationUs : 1;
	const left = (s.startUs - t.startUs) / total;
	let width = s.durationUs / total;
	if (width < minWidth)
		width = minWidth;
	if (left + width > 1)
		width = Math.max(minWidth, 1 - left);
	const sections = s.cpSections.map(([a, b]) => ({
		left: (a - t.startUs) / total, width: (b - a) / total
	}));
	return { left, width, sections };
}

/* Tick marks for a duration: about `n` at round steps (1, 2, 5 x 10^k us). */
export function ticks(durationUs, n = 5) {
	if (durationUs <= 0)
		return [{ at: 0, us: 0 }];
	const raw = durationUs / n;
	const p = Math.pow(10, Math.floor(Math.log10(raw)));
	const step = [1, 2, 5, 10].map(m => m * p).find(v => v >= raw);
	const out = [];
	for (let us = 0; us <= durationUs + 1e-9; us += step)
		out.push({ at: us / durationUs, us });
	return out;
}

/* Spans matching a search inside the trace: words in names, ids, attrs. */
export function findSpans(t, query) {
	const q = query.trim().toLowerCase();
	if (q === '')
		return [];
	const words = q.split(/\s+/);
	return t.order.filter(s => {
		const hay = [s.service, s.operation, s.id, s.statusMessage || '',
		    ...s.attrs.map(a => `${a.key}=${a.value}`),
		    ...s.events.map(e => e.name)].join(' ').toLowerCase();
		return words.every(w => hay.includes(w));
	});
}

/* The ancestors of a span: to unfold them when it is found or selected. */
export function ancestors(s) {
	const out = [];
	for (let p = s.parent; p !== null; p = p.parent)
		out.push(p);
	return out;
}

/* Time per service on the critical path, largest first. */
export function criticalByService(t) {
	const m = new Map();
	for (const s of t.spans)
		if (s.criticalUs > 0)
			m.set(s.service, (m.get(s.service) || 0) + s.criticalUs);
	return [...m.entries()].map(([service, us]) => ({ service, us }))
	    .sort((a, b) => b.us - a.us || (a.service < b.service ? -1 : 1));
}
