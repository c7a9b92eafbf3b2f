/* SPDX-License-Identifier: Apache-2.0 */
/*
 * search.js: the search form's state without a DOM: the page's URL query
 * (the same parameters as Jaeger UI's /search) to and from a form, the
 * Jaeger API request it makes (lookback turned into start and end: the
 * server ignores lookback), duration and tag parsing, the filters Jaeger's
 * search lacks (an error anywhere in the trace, the whole trace's duration),
 * sorting, a summary row per trace, the scatter plot's points, and the
 * sentence saying what was searched.
 */

const UNITS = { us: 1, µs: 1, ms: 1000, s: 1000000, m: 60000000, h: 3600000000 };

/* "1.5ms", "200ms", "2s", "300us", "150" (ms) -> microseconds; null if bad. */
export function parseDurationUs(s) {
	if (s === undefined || s === null)
		return null;
	s = String(s).trim();
	if (s === '')
		return null;
	const m = /^([0-9]*\.?[0-9]+)\s*(us|µs|ms|s|m|h)?$/.exec(s);
	if (!m)
		return NaN;
	return Math.round(parseFloat(m[1]) * UNITS[m[2] || 'ms']);
}

/* Lookback "1h", "15m", "2d" -> microseconds. */
export function lookbackUs(s) {
	const m = /^([0-9]+)([mhd])$/.exec(s || '');
	if (!m)
		return 3600000000;
	return parseInt(m[1], 10) * { m: 60e6, h: 3600e6, d: 86400e6 }[m[2]];
}

/*
 * Tags as the form takes them: "k=v k2=v2" (logfmt; values may be quoted)
 * or Jaeger UI's JSON object. Returns {tags: [[k, v]...], error}.
 */
export function parseTags(s) {
	s = (s || '').trim();
	if (s === '')
		return { tags: [] };
	if (s.startsWith('{')) {
		try {
			const o = JSON.parse(s);
			return { tags: Object.entries(o).map(([k, v]) => [k, String(v)]) };
		} catch (e) {
			return { tags: [], error: 'tags: not a JSON object' };
		}
	}
	const tags = [];
	const re = /\s*([^\s=]+)=("((?:[^"\\]|\\.)*)"|\S*)/y;
	let m, pos = 0;
	while (pos < s.length) {
		re.lastIndex = pos;
		if (!(m = re.exec(s)))
			return { tags, error: `tags: "${s.slice(pos).trim()}" is not key=value` };
		tags.push([m[1], m[3] !== undefined ? m[3].replace(/\\(.)/g, '$1') : m[2]]);
		pos = re.lastIndex;
		while (pos < s.length && /\s/.test(s[pos]))
			pos++;
	}
	return { tags };
}

export function tagsText(tags) {
	return tags.map(([k, v]) => /[\s"]/.test(v) ?
	    `${k}="${v.replace(/(["\\])/g, '\\$1')}"` : `${k}=${v}`).join(' ');
}

export const DEFAULT_FORM = {
	service: '', operation: '', tags: '', minDuration: '', maxDuration: '',
	lookback: '1h', start: '', end: '', limit: '20', errorsOnly: false,
	minTrace: '', maxTrace: '', sort: 'start'
};

/* The form from a /search URL query (URLSearchParams). */
export function formFromQuery(q) {
	const f = { ...DEFAULT_FORM };
	for (const k of ['service', 'operation', 'minDuration', 'maxDuration',
	    'lookback', 'limit', 'minTrace', 'maxTrace', 'sort'])
		if (q.get(k) !== null)
			f[k] = q.get(k);
	if (q.get('tags') !== null) {
		const p = parseTags(q.get('tags'));
		f.tags = p.error ? q.get('tags') : tagsText(p.tags);
	}
	/* Jaeger UI's start and end are microseconds; ours too. */
	if (f.lookback === 'custom') {
		f.start = q.get('start') || '';
		f.end = q.get('end') || '';
	}
	f.errorsOnly = q.get('errors') === 'true';
	return f;
}

/* The /search URL query of a form. */
export function queryFromForm(f, nowUs) {
	const q = new URLSearchParams();
	q.set('service', f.service);
	if (f.operation)
		q.set('operation', f.operation);
	const p = parseTags(f.tags);
	if (p.tags.length > 0)
		q.set('tags', JSON.stringify(Object.fromEntries(p.tags)));
	if (f.minDuration)
		q.set('minDuration', f.minDuration);
	if (f.maxDuration)
		q.set('maxDuration', f.maxDuration);
	q.set('lookback', f.lookback || '1h');
	const r = timeRange(f, nowUs);
	if (r.startUs !== undefined) {
		q.set('start', String(r.startUs));
		q.set('end', String(r.endUs));
	}
	q.set('limit', f.limit || '20');
	if (f.errorsOnly)
		q.set('errors', 'true');
	if (f.minTrace)
		q.set('minTrace', f.minTrace);
	if (f.maxTrace)
		q.set('maxTrace', f.maxTrace);
	if (f.sort && f.sort !== 'start')
		q.set('sort', f.sort);
	return q;
}

export function timeRange(f, nowUs) {
	if (f.lookback === 'custom') {
		const s = Number(f.start), e = Number(f.end);
		return { startUs: s, endUs: e };
	}
	return { startUs: nowUs - lookbackUs(f.lookback), endUs: nowUs };
}

/*
 * Check a form; {errors: [...], request: URL query string for /api/traces}.
 */
export function apiRequest(f, nowUs) {
	const errors = [];
	if (!f.service)
		errors.push('choose a service');
	const minUs = parseDurationUs(f.minDuration);
	const maxUs = parseDurationUs(f.maxDuration);
	if (Number.isNaN(minUs))
		errors.push(`min duration "${f.minDuration}" is not a duration (e.g. 200ms, 1.5s, 300us)`);
	if (Number.isNaN(maxUs))
		errors.push(`max duration "${f.maxDuration}" is not a duration`);
	if (minUs && maxUs && maxUs < minUs)
		errors.push('max duration is below min duration');
	for (const k of ['minTrace', 'maxTrace'])
		if (Number.isNaN(parseDurationUs(f[k])))
			errors.push(`whole-trace duration "${f[k]}" is not a duration`);
	const p = parseTags(f.tags);
	if (p.error)
		errors.push(p.error);
	const limit = parseInt(f.limit, 10);
	if (!(limit > 0 && limit <= 1500))
		errors.push('limit: a number from 1 to 1500');
	const r = timeRange(f, nowUs);
	if (!(r.startUs > 0 && r.endUs > r.startUs))
		errors.push('custom range: the end must come after the start');
	const q = new URLSearchParams();
	q.set('service', f.service);
	if (f.operation)
		q.set('operation', f.operation);
	for (const [k, v] of p.tags)
		q.append('tag', `${k}:${v}`);
	if (minUs)
		q.set('minDuration', `${minUs}us`);
	if (maxUs)
		q.set('maxDuration', `${maxUs}us`);
	q.set('start', String(Math.floor(r.startUs)));
	q.set('end', String(Math.floor(r.endUs)));
	q.set('limit', String(limit || 20));
	return { errors, request: q.toString() };
}

/* One result row: what the list shows of a linked trace. */
export function summarize(t) {
	const root = t.root;
	return {
		traceId: t.traceId,
		rootService: root ? root.service : '',
		rootOperation: root ? root.operation : '',
		durationUs: t.durationUs,
		startUs: t.startUs,
		spans: t.spans.length,
		services: t.services.map(s => ({ name: s,
		    count: t.spans.filter(x => x.service === s).length })),
		errors: t.nerrors
	};
}

/* The filters Jaeger's span-level search cannot do, on result rows. */
export function filterRows(rows, f) {
	const minT = parseDurationUs(f.minTrace), maxT = parseDurationUs(f.maxTrace);
	return rows.filter(r => (!f.errorsOnly || r.errors > 0) &&
	    (!minT || r.durationUs >= minT) && (!maxT || r.durationUs <= maxT));
}

export function sortRows(rows, how) {
	const v = rows.slice();
	const cmp = {
		start: (a, b) => b.startUs - a.startUs,
		oldest: (a, b) => a.startUs - b.startUs,
		duration: (a, b) => b.durationUs - a.durationUs,
		shortest: (a, b) => a.durationUs - b.durationUs,
		spans: (a, b) => b.spans - a.spans
	}[how] || ((a, b) => b.startUs - a.startUs);
	return v.sort((a, b) => cmp(a, b) || (a.traceId < b.traceId ? -1 : 1));
}

/* Scatter plot points: x by start, y by duration, in [0, 1] each. */
export function scatterPoints(rows) {
	if (rows.length === 0)
		return { points: [], minStart: 0, maxStart: 0, maxDur: 0 };
	const minStart = Math.min(...rows.map(r => r.startUs));
	const maxStart = Math.max(...rows.map(r => r.startUs));
	const maxDur = Math.max(...rows.map(r => r.durationUs), 1);
	const span = maxStart - minStart;
	return {
		points: rows.map(r => ({
			traceId: r.traceId, error: r.errors > 0,
			x: span > 0 ? (r.startUs - minStart) / span : 0.5,
			y: r.durationUs / maxDur,
			r: Math.min(9, 3 + Math.sqrt(r.spans) / 2)
		})),
		minStart, maxStart, maxDur
	};
}

/* "service api-gateway, operation X, tags k=v, last 1h": what was searched. */
export function describeSearch(f) {
	const parts = [`service ${f.service}`];
	if (f.operation)
		parts.push(`operation ${f.operation}`);
	const p = parseTags(f.tags);
	if (p.tags.length > 0)
		parts.push(`tags ${tagsText(p.tags)}`);
	if (f.minDuration)
		parts.push(`span duration >= ${f.minDuration}`);
	if (f.maxDuration)
		parts.push(`span duration <= ${f.maxDuration}`);
	if (f.errorsOnly)
		parts.push('an error in the trace');
	if (f.minTrace)
		parts.push(`trace duration >= ${f.minTrace}`);
	if (f.maxTrace)
		parts.push(`trace duration <= ${f.maxTrace}`);
	parts.push(f.lookback === 'custom' ? 'in the custom range' : `in the last ${f.lookback}`);
	parts.push(`limit ${f.limit}`);
	return parts.join(', ');
}
