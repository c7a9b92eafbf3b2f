/* SPDX-License-Identifier: Apache-2.0 */
/*
 * model.js: the trace model of the viewer, with no DOM: Jaeger's legacy JSON
 * (/api/traces) and OTLP JSON (/api/v3, or a file) read into spans, linked
 * into a tree (orphans, cycles, clock skew), and the derived figures (self
 * time, critical path). Every rule here is tracectl's (cli/src/model*.c,
 * cli/src/analyze.c), step for step, so that the numbers are the same as
 * `tracectl show --json` gives for the same trace.
 */

export const KINDS = ['', 'internal', 'server', 'client', 'producer', 'consumer'];

/* A span id as tracectl keeps it: the low 64 bits, 16 hex digits; '' if none. */
export function spanIdOf(s) {
	if (typeof s !== 'string' || s.length === 0)
		return '';
	if (s.length > 16)
		s = s.slice(-16);
	if (!/^[0-9a-fA-F]+$/.test(s))
		return '';
	s = s.toLowerCase().padStart(16, '0');
	return /^0+$/.test(s) ? '' : s;
}

/* A trace id as tracectl prints it: 16 digits when the high half is 0. */
export function traceIdOf(s) {
	if (typeof s !== 'string' || s.length === 0 || s.length > 32 ||
	    !/^[0-9a-fA-F]+$/.test(s))
		return '';
	s = s.toLowerCase();
	if (s.length <= 16)
		return s.padStart(16, '0');
	const hi = s.slice(0, s.length - 16).padStart(16, '0');
	const lo = s.slice(-16);
	return /^0+$/.test(hi) ? lo : hi + lo;
}

/* An integer field (number or decimal string), as a BigInt; null if none. */
function bigOf(v) {
	if (typeof v === 'number' && Number.isFinite(v))
		return BigInt(Math.trunc(v));
	if (typeof v === 'bigint')
		return v;
	if (typeof v === 'string' && /^-?[0-9]+$/.test(v.trim()))
		return BigInt(v.trim());
	return null;
}

function intOf(v) {
	const b = bigOf(v);
	return b === null ? null : Number(b);
}

function valueText(v) {
	if (v === undefined || v === null)
		return v === null ? 'null' : '';
	if (typeof v === 'string')
		return v;
	if (typeof v === 'boolean' || typeof v === 'number')
		return String(v);
	return JSON.stringify(v);
}

function kindOf(s) {
	if (typeof s === 'number')
		return s >= 0 && s <= 5 ? s : 0;
	if (typeof s !== 'string')
		return 0;
	let k = s.startsWith('SPAN_KIND_') ? s.slice(10) : s;
	k = k.toLowerCase();
	const i = ['unspecified', 'internal', 'server', 'client', 'producer',
	    'consumer'].indexOf(k);
	return i < 0 ? 0 : i;
}

export function attr(list, key) {
	for (const a of list)
		if (a.key === key)
			return a.value;
	return null;
}

function statusFromAttrs(sp) {
	let v = attr(sp.attrs, 'error');
	if (v === 'true')
		sp.error = true;
	v = attr(sp.attrs, 'otel.status_code');
	if (v === 'ERROR')
		sp.error = true;
	if (sp.statusMessage === null &&
	    (v = attr(sp.attrs, 'otel.status_description')) !== null)
		sp.statusMessage = v;
	if (!sp.error || sp.statusMessage !== null)
		return;
	for (const e of sp.events)
		for (const a of e.attrs)
			if (a.key === 'exception.message') {
				sp.statusMessage = a.value;
				return;
			}
}

function newSpan() {
	return {
		id: '', parentId: '', service: '', operation: '', kind: 0,
		startUs: 0, durationUs: 0, skewUs: 0, error: false,
		statusMessage: null, followsFrom: false, attrs: [], events: [],
		resource: [], links: [], parent: null, children: [],
		orphan: false, depth: 0, selfUs: 0, criticalUs: 0,
		cpSections: [], cpStart: 0, cpEnd: 0, cpExcluded: true
	};
}

/* --- legacy JSON ---------------------------------------------------------- */

function legacyType(t) {
	return t === 'int64' ? 'int' : t === 'float64' ? 'double' :
	    t === 'bool' ? 'bool' : 'string';
}

function legacyKvs(arr) {
	const out = [];
	if (!Array.isArray(arr))
		return out;
	for (const tag of arr) {
		if (!tag || typeof tag.key !== 'string')
			continue;
		out.push({ key: tag.key, value: valueText(tag.value),
		    type: legacyType(tag.type) });
	}
	return out;
}

function legacySpan(js, procs, warnings, j) {
	const sp = newSpan();
	if (!js || typeof js !== 'object' ||
	    (sp.id = spanIdOf(js.spanID)) === '') {
		warnings.push(`span ${j}: no spanID or startTime; skipped`);
		return null;
	}
	sp.operation = typeof js.operationName === 'string' ? js.operationName : '';
	const st = intOf(js.startTime);
	if (st === null) {
		warnings.push(`span ${j}: no spanID or startTime; skipped`);
		return null;
	}
	sp.startUs = st;
	let d = intOf(js.duration);
	sp.durationUs = d === null || d < 0 ? 0 : d;

	const refs = Array.isArray(js.references) ? js.references : [];
	let pref = -1;
	for (let i = 0; i < refs.length; i++) {
		const r = refs[i] || {};
		if (r.refType === 'CHILD_OF') {
			sp.parentId = spanIdOf(r.spanID);
			sp.followsFrom = false;
			pref = i;
			break;
		}
		if (sp.parentId === '') {
			sp.parentId = spanIdOf(r.spanID);
			sp.followsFrom = true;
			pref = i;
		}
	}
	if (sp.parentId === '' && typeof js.parentSpanID === 'string')
		sp.parentId = spanIdOf(js.parentSpanID);
	for (let i = 0; i < refs.length; i++) {
		if (i === pref)
			continue;
		const r = refs[i] || {};
		sp.links.push({ traceId: traceIdOf(r.traceID) || '',
		    spanId: spanIdOf(r.spanID), type: r.refType || 'reference',
		    attrs: [] });
	}

	let proc = typeof js.processID === 'string' && procs ?
	    procs[js.processID] : undefined;
	if (!proc)
		proc = js.process;
	sp.service = proc && typeof proc.serviceName === 'string' ?
	    proc.serviceName : 'unknown';
	sp.resource = [{ key: 'service.name', value: sp.service,
	    type: 'string' }].concat(legacyKvs(proc && proc.tags));

	sp.attrs = legacyKvs(js.tags);
	for (const a of sp.attrs)
		if (a.key === 'span.kind')
			sp.kind = kindOf(a.value);
	for (const lg of Array.isArray(js.logs) ? js.logs : []) {
		const ts = intOf(lg && lg.timestamp);
		const ev = { tsUs: ts === null ? sp.startUs : ts, name: '',
		    attrs: legacyKvs(lg && lg.fields) };
		for (const a of ev.attrs)
			if (a.key === 'event')
				ev.name = a.value;
		sp.events.push(ev);
	}
	statusFromAttrs(sp);
	return sp;
}

/* One trace of the legacy answer's "data" array into raw spans. */
function legacyTrace(jt, i) {
	if (!jt || typeof jt !== 'object')
		throw new Error(`trace ${i}: not an object`);
	const spans = Array.isArray(jt.spans) ? jt.spans : [];
	let id = jt.traceID;
	if (typeof id !== 'string' && spans.length > 0 && spans[0])
		id = spans[0].traceID;
	const tid = traceIdOf(id);
	if (tid === '')
		throw new Error(`trace ${i}: bad traceID`);
	const warnings = [];
	const out = [];
	spans.forEach((js, j) => {
		const sp = legacySpan(js, jt.processes, warnings, j);
		if (sp)
			out.push(sp);
	});
	return { traceId: tid, spans: out, warnings };
}

/* --- OTLP JSON ------------------------------------------------------------ */

function otlpValue(v) {
	if (!v || typeof v !== 'object')
		return { value: '', type: 'string' };
	for (const k of Object.keys(v)) {
		const val = v[k];
		if (k === 'arrayValue') {
			const items = val && Array.isArray(val.values) ? val.values : [];
			return { value: '[' + items.map(x => otlpValue(x).value).join(',') + ']',
			    type: 'array' };
		}
		const type = k === 'intValue' ? 'int' : k === 'doubleValue' ?
		    'double' : k === 'boolValue' ? 'bool' : 'string';
		return { value: valueText(val), type };
	}
	return { value: '', type: 'string' };
}

function otlpAttrs(arr) {
	const out = [];
	if (!Array.isArray(arr))
		return out;
	for (const a of arr) {
		if (!a || typeof a.key !== 'string')
			continue;
		const v = otlpValue(a.value);
		out.push({ key: a.key, value: v.value, type: v.type });
	}
	return out;
}

function otlpSpan(js, service, resource) {
	const sp = newSpan();
	if (!js || typeof js !== 'object' || (sp.id = spanIdOf(js.spanId)) === '')
		return null;
	sp.parentId = spanIdOf(js.parentSpanId);
	sp.operation = typeof js.name === 'string' ? js.name : '';
	sp.service = service;
	const st = bigOf(js.startTimeUnixNano);
	if (st === null)
		return null;
	let en = bigOf(js.endTimeUnixNano);
	if (en === null || en < st)
		en = st;
	/* Like tracectl: each end truncated to microseconds, then subtracted. */
	sp.startUs = Number(st / 1000n);
	sp.durationUs = Number(en / 1000n - st / 1000n);
	sp.kind = kindOf(js.kind);
	sp.attrs = otlpAttrs(js.attributes);
	for (const ev of Array.isArray(js.events) ? js.events : []) {
		const t = bigOf(ev && ev.timeUnixNano);
		sp.events.push({ tsUs: t === null ? sp.startUs : Number(t / 1000n),
		    name: ev && typeof ev.name === 'string' ? ev.name : '',
		    attrs: otlpAttrs(ev && ev.attributes) });
	}
	for (const l of Array.isArray(js.links) ? js.links : []) {
		if (!l)
			continue;
		sp.links.push({ traceId: traceIdOf(l.traceId) || '',
		    spanId: spanIdOf(l.spanId), type: 'link',
		    attrs: otlpAttrs(l.attributes) });
	}
	const status = js.status || {};
	if (status.code === 2 || status.code === 'STATUS_CODE_ERROR')
		sp.error = true;
	if (typeof status.message === 'string' && status.message !== '')
		sp.statusMessage = status.message;
	sp.resource = resource;
	statusFromAttrs(sp);
	return sp;
}

function otlpTraces(rss) {
	if (!Array.isArray(rss))
		throw new Error('"resourceSpans" is not an array');
	const groups = new Map();
	for (const rs of rss) {
		if (!rs || typeof rs !== 'object')
			continue;
		const rattrs = rs.resource && Array.isArray(rs.resource.attributes) ?
		    rs.resource.attributes : [];
		let svc = null;
		for (const a of rattrs)
			if (a && a.key === 'service.name' && a.value &&
			    typeof a.value.stringValue === 'string')
				svc = a.value.stringValue;
		const resource = otlpAttrs(rattrs);
		const sss = rs.scopeSpans || rs.instrumentationLibrarySpans || [];
		for (const ss of Array.isArray(sss) ? sss : []) {
			for (const js of ss && Array.isArray(ss.spans) ? ss.spans : []) {
				const tid = traceIdOf(js && js.traceId);
				if (tid === '')
					continue;
				let g = groups.get(tid);
				if (!g) {
					g = { traceId: tid, spans: [], warnings: [] };
					groups.set(tid, g);
				}
				const sp = otlpSpan(js, svc !== null ? svc : 'unknown', resource);
				if (sp)
					g.spans.push(sp);
				else
					g.warnings.push('a span without spanId or start; skipped');
			}
		}
	}
	return [...groups.values()];
}

/*
 * Any supported document into raw traces ({traceId, spans, warnings}):
 * Jaeger's legacy answer ({"data": [trace...]}), one legacy trace
 * ({"traceID", "spans", "processes"}), OTLP JSON ({"resourceSpans"}) or the
 * v3 answer ({"result": {"resourceSpans"}}). Throws an Error saying what is
 * wrong with anything else.
 */
export function parseDocument(doc) {
	if (doc === null || typeof doc !== 'object' || Array.isArray(doc))
		throw new Error('not a JSON object: expected Jaeger JSON ({"data": [...]}) or OTLP JSON ({"resourceSpans": [...]})');
	if ('result' in doc && doc.result && typeof doc.result === 'object' &&
	    'resourceSpans' in doc.result)
		return otlpTraces(doc.result.resourceSpans);
	if ('resourceSpans' in doc)
		return otlpTraces(doc.resourceSpans);
	if ('data' in doc) {
		if (doc.data === null)
			return [];
		if (Array.isArray(doc.data))
			return doc.data.map(legacyTrace);
		if (typeof doc.data === 'object')
			return [legacyTrace(doc.data, 0)];
		throw new Error('answer has no "data" array');
	}
	if (Array.isArray(doc.spans))
		return [legacyTrace(doc, 0)];
	throw new Error('neither Jaeger JSON ("data" or "spans") nor OTLP JSON ("resourceSpans")');
}

/* Text into traces: JSON.parse with its error worded for a person. */
export function parseText(text) {
	let doc;
	try {
		doc = JSON.parse(text);
	} catch (e) {
		throw new Error('not valid JSON: ' + e.message);
	}
	return parseDocument(doc).map(buildTrace);
}

/* --- linking (model_link.c) ---------------------------------------------- */

function cmpStart(x, y) {
	if (x.startUs !== y.startUs)
		return x.startUs < y.startUs ? -1 : 1;
	if (x.durationUs !== y.durationUs)
		return x.durationUs > y.durationUs ? -1 : 1;
	return x.id < y.id ? -1 : x.id > y.id ? 1 : 0;
}

/*
 * us / div with f decimals as C's printf("%.*f") writes it: like toFixed,
 * except that an exact tie (a double exactly halfway) rounds to even.
 */
function fixedC(us, div, f) {
	const p = 10 ** f;
	const a = Math.abs(us);
	const m = a * p * 2 / div;
	if (Number.isInteger(m) && m % 2 === 1 && m % (5 ** f) === 0) {
		let n = (m - 1) / 2;
		if (n % 2 === 1)
			n++;
		return (us < 0 ? '-' : '') + (n / p).toFixed(f);
	}
	return (us / div).toFixed(f);
}

/* A duration as tracectl writes it (util.c's fmt_duration). */
export function fmtDuration(us) {
	const a = Math.abs(us);
	if (a < 1000)
		return `${us}us`;
	if (a < 10000)
		return `${fixedC(us, 1000, 2)}ms`;
	if (a < 100000)
		return `${fixedC(us, 1000, 1)}ms`;
	if (a < 1000000)
		return `${fixedC(us, 1000, 0)}ms`;
	if (a < 60000000)
		return `${fixedC(us, 1e6, 2)}s`;
	return `${fixedC(us, 6e7, 1)}m`;
}

function skewFix(t, root) {
	/* Depth first, children in order, like tracectl's recursion. */
	const stack = [[root, 0]];
	while (stack.length > 0) {
		const top = stack[stack.length - 1];
		const p = top[0];
		if (top[1] >= p.children.length) {
			stack.pop();
			continue;
		}
		const c = p.children[top[1]++];
		if (c.service === p.service) {
			c.startUs += p.skewUs;
			c.skewUs = p.skewUs;
		} else {
			const pend = p.startUs + p.durationUs;
			const cend = c.startUs + c.durationUs;
			let d = 0;
			if (c.startUs < p.startUs || cend > pend) {
				if (c.durationUs <= p.durationUs)
					d = p.startUs + Math.trunc((p.durationUs -
					    c.durationUs) / 2) - c.startUs;
				else
					d = p.startUs - c.startUs;
			}
			if (d !== 0) {
				c.startUs += d;
				c.skewUs = d;
				t.nskewed++;
				t.warnings.push(`clock skew: ${c.service} ${c.operation} moved by ${fmtDuration(d)} into its parent (${p.service} ${p.operation})`);
			}
		}
		stack.push([c, 0]);
	}
}

/*
 * A raw trace made whole, as tracectl's trace_finish: parents and children
 * linked, cycles cut, roots found, clock skew fixed, spans in tree order,
 * the extent, services and errors, self times and the critical path.
 */
export function buildTrace(raw) {
	const t = {
		traceId: raw.traceId, spans: raw.spans, warnings: raw.warnings.slice(),
		roots: [], root: null, order: [], startUs: 0, endUs: 0,
		durationUs: 0, services: [], nerrors: 0, norphans: 0, nskewed: 0,
		byId: new Map()
	};
	const spans = t.spans;
	for (const s of spans) {
		if (t.byId.has(s.id)) {
			t.warnings.push(`duplicate span id ${s.id} (${s.service} ${s.operation}); the first one takes its children`);
			continue;
		}
		t.byId.set(s.id, s);
	}
	for (const s of spans) {
		s.parent = null;
		s.children = [];
		if (s.parentId === '')
			continue;
		const p = t.byId.get(s.parentId);
		if (p === undefined || p === s) {
			s.orphan = true;
			t.norphans++;
			t.warnings.push(`parent ${s.parentId} of ${s.service} ${s.operation} (${s.id}) is not in the trace`);
			continue;
		}
		s.parent = p;
	}
	for (const s of spans)
		if (s.parent !== null)
			s.parent.children.push(s);
	/* Cycles: spans no root reaches. */
	const seen = new Set();
	const reach = (s0) => {
		const st = [s0];
		while (st.length > 0) {
			const s = st.pop();
			seen.add(s);
			for (const c of s.children)
				if (!seen.has(c))
					st.push(c);
		}
	};
	for (const s of spans)
		if (s.parent === null)
			reach(s);
	for (const s of spans) {
		if (seen.has(s))
			continue;
		const p = s.parent;
		const k = p.children.indexOf(s);
		if (k >= 0)
			p.children.splice(k, 1);
		s.parent = null;
		s.orphan = true;
		t.norphans++;
		t.warnings.push(`parent links of ${s.service} ${s.operation} form a cycle; cut`);
		reach(s);
	}
	/* Roots; the main root is the earliest true root, else any. */
	t.roots = spans.filter(s => s.parent === null).sort(cmpStart);
	t.root = t.roots.find(s => !s.orphan) || t.roots[0] || null;
	for (const r of t.roots)
		skewFix(t, r);
	for (const s of spans)
		if (s.children.length > 1)
			s.children.sort(cmpStart);
	t.roots.sort(cmpStart);
	const walk = [];
	for (let i = t.roots.length - 1; i >= 0; i--)
		walk.push([t.roots[i], 0]);
	while (walk.length > 0) {
		const [s, d] = walk.pop();
		s.depth = d;
		t.order.push(s);
		for (let i = s.children.length - 1; i >= 0; i--)
			walk.push([s.children[i], d + 1]);
	}
	/* Extent, services, errors. */
	const svcs = new Set();
	spans.forEach((s, i) => {
		const end = s.startUs + s.durationUs;
		if (i === 0 || s.startUs < t.startUs)
			t.startUs = s.startUs;
		if (i === 0 || end > t.endUs)
			t.endUs = end;
		if (s.error)
			t.nerrors++;
		svcs.add(s.service);
	});
	t.durationUs = t.endUs - t.startUs;
	t.services = [...svcs].sort((a, b) => a < b ? -1 : a > b ? 1 : 0);
	selfTime(t);
	criticalPath(t);
	return t;
}

/* --- analyze.c ------------------------------------------------------------ */

/*
 * Self time: a span's duration less the union of its children's intervals,
 * each clipped to the span.
 */
export function selfTime(t) {
	for (const s of t.spans) {
		const send = s.startUs + s.durationUs;
		let covered = 0, curS = 0, curE = 0;
		for (const c of s.children) {
			const cs = c.startUs < s.startUs ? s.startUs : c.startUs;
			let ce = c.startUs + c.durationUs;
			if (ce > send)
				ce = send;
			if (ce <= cs)
				continue;
			if (curE > curS && cs <= curE) {
				if (ce > curE)
					curE = ce;
				continue;
			}
			covered += curE - curS;
			curS = cs;
			curE = ce;
		}
		covered += curE - curS;
		s.selfUs = s.durationUs - covered;
		if (s.selfUs < 0)
			s.selfUs = 0;
	}
}

function cpClip(root) {
	const stack = [root];
	while (stack.length > 0) {
		const p = stack.pop();
		for (const c of p.children) {
			const cs = c.startUs;
			const ce = c.startUs + c.durationUs;
			if (p.cpExcluded || c.followsFrom || cs >= p.cpEnd ||
			    ce <= p.cpStart) {
				/* Zero-length children inside stay; outside go. */
				if (p.cpExcluded || c.followsFrom || cs > p.cpEnd ||
				    ce < p.cpStart) {
					c.cpExcluded = true;
					c.cpStart = c.cpEnd = cs;
					stack.push(c);
					continue;
				}
			}
			c.cpExcluded = false;
			c.cpStart = cs < p.cpStart ? p.cpStart : cs;
			c.cpEnd = ce > p.cpEnd ? p.cpEnd : ce;
			stack.push(c);
		}
	}
}

function lastFinishing(s, before) {
	let best = null;
	for (const c of s.children) {
		if (c.cpExcluded)
			continue;
		if (before >= 0 && !(c.cpEnd < before))
			continue;
		if (best === null || c.cpEnd > best.cpEnd)
			best = c;
	}
	return best;
}

function cpAdd(s, start, end) {
	s.criticalUs += end - start;
	s.cpSections.unshift([start, end]);
}

/*
 * The critical path, Jaeger UI's algorithm as tracectl runs it: from the main
 * root, the child finishing last, the parent's time after it, and so on back.
 * Each span gets criticalUs and cpSections ([start, end] in absolute us, in
 * time order).
 */
export function criticalPath(t) {
	for (const s of t.spans) {
		s.criticalUs = 0;
		s.cpSections = [];
		s.cpExcluded = true;
	}
	const r = t.root;
	if (r === null)
		return;
	r.cpExcluded = false;
	r.cpStart = r.startUs;
	r.cpEnd = r.startUs + r.durationUs;
	cpClip(r);
	let cur = r, ret = -1;
	for (;;) {
		const end = ret >= 0 ? ret : cur.cpEnd;
		const lfc = lastFinishing(cur, ret);
		if (lfc !== null) {
			if (end > lfc.cpEnd)
				cpAdd(cur, lfc.cpEnd, end);
			cur = lfc;
			ret = -1;
			continue;
		}
		if (end > cur.cpStart)
			cpAdd(cur, cur.cpStart, end);
		if (cur === r)
			break;
		ret = cur.cpStart;
		cur = cur.parent;
	}
}

/* A span's summary as `tracectl show --json` has it (for tests and JSON). */
export function spanSummary(t, s) {
	return {
		spanId: s.id, parentSpanId: s.parentId || null, service: s.service,
		operation: s.operation, kind: KINDS[s.kind] || '', depth: s.depth,
		startUs: s.startUs, offsetUs: s.startUs - t.startUs,
		durationUs: s.durationUs, selfUs: s.selfUs, criticalUs: s.criticalUs,
		criticalPath: s.criticalUs > 0,
		criticalSections: s.cpSections.map(([a, b]) => [a - t.startUs, b - t.startUs]),
		error: s.error, statusMessage: s.statusMessage, orphan: s.orphan,
		skewUs: s.skewUs
	};
}

/* The span with the largest self time (ties: earliest in tree order). */
export function maxSelf(t) {
	let best = null;
	for (const s of t.order)
		if (best === null || s.selfUs > best.selfUs)
			best = s;
	return best;
}
