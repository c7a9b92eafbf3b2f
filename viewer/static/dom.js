/* SPDX-License-Identifier: Apache-2.0 */
/*
 * dom.js: the small DOM helpers every page of the viewer uses: building
 * elements and SVG, the notice boxes (errors with a retry button, empty
 * results), service colours, and time formatting.
 */

export { fmtDuration } from './model.js';

export function h(tag, props, ...kids) {
	const el = document.createElement(tag);
	setProps(el, props);
	append(el, kids);
	return el;
}

const SVGNS = 'http://www.w3.org/2000/svg';

export function s(tag, props, ...kids) {
	const el = document.createElementNS(SVGNS, tag);
	for (const [k, v] of Object.entries(props || {}))
		if (v !== undefined && v !== null && v !== false)
			el.setAttribute(k, String(v));
	append(el, kids);
	return el;
}

function setProps(el, props) {
	for (const [k, v] of Object.entries(props || {})) {
		if (v === undefined || v === null || v === false)
			continue;
		if (k.startsWith('on'))
			el.addEventListener(k.slice(2), v);
		else if (k === 'class')
			el.className = v;
		else if (k === 'text')
			el.textContent = v;
		else if (k === 'style' && typeof v === 'object')
			Object.assign(el.style, v);
		else if (k in el && typeof v !== 'string')
			el[k] = v;
		else
			el.setAttribute(k, v === true ? '' : String(v));
	}
}

function append(el, kids) {
	for (const k of kids.flat(Infinity)) {
		if (k === null || k === undefined || k === false)
			continue;
		el.append(k instanceof Node ? k : document.createTextNode(String(k)));
	}
}

/* A notice: kind error, empty or info; an error may offer a retry. */
export function notice(kind, title, detail, retry) {
	return h('div', { class: `notice notice-${kind}`, role: kind === 'error' ? 'alert' : 'status',
	    'data-notice': kind },
	    h('p', { class: 'notice-title' }, title),
	    detail ? h('p', { class: 'notice-detail' }, detail) : null,
	    retry ? h('button', { type: 'button', class: 'btn', onclick: retry }, 'Retry') : null);
}

/* An API failure as a notice. */
export function apiNotice(err, what, retry) {
	if (err.kind === 'unreachable')
		return notice('error', 'Jaeger is unreachable', `${what}: ${err.message}. Is Jaeger running (make up)?`, retry);
	if (err.kind === 'nometrics')
		return notice('info', 'Metrics are not configured', 'Jaeger has no metrics storage: start the stack with PROMETHEUS=on (the default) so that the spanmetrics connector and Prometheus feed /api/metrics. (' + err.message + ')');
	return notice('error', `${what} failed`, err.message, retry);
}

export function serviceColor(name) {
	let hsh = 0;
	for (let i = 0; i < name.length; i++)
		hsh = (hsh * 31 + name.charCodeAt(i)) >>> 0;
	return `hsl(${hsh % 360}, 55%, 45%)`;
}

export function fmtTime(us) {
	const d = new Date(us / 1000);
	const pad = (n, w = 2) => String(n).padStart(w, '0');
	return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ` +
	    `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`;
}

export function fmtAgo(us) {
	const s = Math.round((Date.now() * 1000 - us) / 1e6);
	if (s < 60)
		return `${s}s ago`;
	if (s < 3600)
		return `${Math.round(s / 60)}m ago`;
	if (s < 86400)
		return `${Math.round(s / 3600)}h ago`;
	return `${Math.round(s / 86400)}d ago`;
}

export function download(name, text) {
	const a = h('a', { href: URL.createObjectURL(new Blob([text], { type: 'application/json' })),
	    download: name });
	document.body.append(a);
	a.click();
	setTimeout(() => { URL.revokeObjectURL(a.href); a.remove(); }, 1000);
}
