/* SPDX-License-Identifier: Apache-2.0 */
/*
 * api.js: the calls to Jaeger's query API on the page's own origin, each
 * failure turned into an ApiError that says which kind it is (Jaeger
 * unreachable, not found, a refused query, metrics not configured) so that
 * the pages can word it; the trace comes from /api/v3 (OTLP, as tracectl
 * reads it) and falls back to the legacy /api/traces.
 */

import { buildTrace, parseDocument } from './model.js';

export class ApiError extends Error {
	constructor(kind, message, status) {
		super(message);
		this.kind = kind;	/* unreachable, notfound, query, nometrics, server */
		this.status = status;
	}
}

async function getJSON(path) {
	let r;
	try {
		r = await fetch(path, { headers: { Accept: 'application/json' } });
	} catch (e) {
		throw new ApiError('unreachable', `Jaeger's query API at ${location.origin} does not answer (${e.message})`, 0);
	}
	let body = null;
	const text = await r.text();
	try {
		body = JSON.parse(text);
	} catch (e) {
		body = null;
	}
	if (r.ok && body !== null)
		return body;
	let msg = null;
	if (body) {
		if (body.error && typeof body.error.message === 'string')
			msg = body.error.message;
		else if (Array.isArray(body.errors) && body.errors[0])
			msg = body.errors[0].msg;
	}
	if (r.status === 404)
		throw new ApiError('notfound', msg || 'not found', 404);
	if (r.status === 501 || (msg && /metrics.*(disabled|not.*configured)/i.test(msg)))
		throw new ApiError('nometrics', msg || 'metrics are not configured', r.status);
	if (r.status === 502 || r.status === 503 || r.status === 504)
		throw new ApiError('unreachable', `Jaeger answered HTTP ${r.status}${msg ? ': ' + msg : ''}`, r.status);
	if (r.status === 400)
		throw new ApiError('query', msg || 'the query was refused', 400);
	throw new ApiError('server', `HTTP ${r.status}${msg ? ': ' + msg : body === null ? ' (not a JSON answer)' : ''}`, r.status);
}

export async function services() {
	const js = await getJSON('/api/services');
	return (Array.isArray(js.data) ? js.data : []).slice().sort();
}

export async function operations(service) {
	const js = await getJSON(`/api/services/${encodeURIComponent(service)}/operations`);
	return (Array.isArray(js.data) ? js.data : []).slice().sort();
}

/* A search: the raw traces of /api/traces, linked. */
export async function search(query) {
	const js = await getJSON(`/api/traces?${query}`);
	return parseDocument(js).map(buildTrace);
}

/*
 * One trace, linked, and the document it came from (for download). v3
 * first: its nanosecond times give tracectl's microseconds exactly.
 */
export async function trace(id) {
	let js;
	try {
		js = await getJSON(`/api/v3/traces/${encodeURIComponent(id)}`);
	} catch (e) {
		if (e.kind !== 'notfound' && e.kind !== 'server' && e.kind !== 'query')
			throw e;
		js = await getJSON(`/api/traces/${encodeURIComponent(id)}`);
	}
	const traces = parseDocument(js).map(buildTrace);
	if (traces.length === 0 || traces[0].spans.length === 0)
		throw new ApiError('notfound', 'trace not found', 404);
	return { trace: traces[0], doc: js };
}

export async function dependencies(endMs, lookbackMs) {
	return getJSON(`/api/dependencies?endTs=${endMs}&lookback=${lookbackMs}`);
}

/* One /api/metrics call: calls, errors, or latencies with a quantile. */
export async function metrics(kind, q) {
	const p = new URLSearchParams();
	for (const s of q.services)
		p.append('service', s);
	p.set('groupByOperation', 'true');
	p.set('endTs', String(q.endMs));
	p.set('lookback', String(q.lookbackMs));
	p.set('step', String(q.stepMs));
	p.set('ratePer', String(q.ratePerMs || 600000));
	if (q.quantile)
		p.set('quantile', String(q.quantile));
	for (const k of q.spanKinds || [])
		p.append('spanKind', k);
	return getJSON(`/api/metrics/${kind}?${p}`);
}
