/* SPDX-License-Identifier: Apache-2.0 */
/*
 * view-trace.js: the trace page: the header (root, duration, spans,
 * services, errors, critical path per service), a collapsible span tree
 * beside the timeline where only the rows in view are drawn, critical-path
 * sections and error spans marked, a span's detail (attributes, events,
 * resource, links that open the linked trace), search inside the trace,
 * keyboard navigation, and the trace's JSON to download. Traces opened from
 * a file are kept here too (localTrace).
 */

import * as api from './api.js';
import { h, notice, apiNotice, fmtDuration, fmtTime, serviceColor, download } from './dom.js';
import { KINDS } from './model.js';
import { visibleRows, rowWindow, barGeometry, ticks, findSpans, ancestors,
    criticalByService } from './layout.js';

const ROW_H = 24;
const files = new Map();

/* Traces read from a file, by id: {trace, doc, name}. */
export function keepLocalTrace(t, doc, name) {
	files.set(t.traceId, { trace: t, doc, name });
}

export function localTrace(id) {
	return files.get(id) || null;
}

export async function tracePage(ctx, id, local) {
	ctx.setTitle(`Trace ${id}`);
	let t, doc, source;
	if (local) {
		({ trace: t, doc } = local);
		source = `from the file ${local.name}`;
	} else {
		if (!/^[0-9a-fA-F]{1,32}$/.test(id)) {
			ctx.main.replaceChildren(notice('error', 'Not a trace id',
			    `“${id}” is not a trace id: 1 to 32 hexadecimal digits.`));
			return;
		}
		try {
			({ trace: t, doc } = await api.trace(id));
		} catch (e) {
			if (ctx.stale())
				return;
			if (e.kind === 'notfound')
				ctx.main.replaceChildren(notice('error', 'Trace not found',
				    `Jaeger has no trace ${id}: it may be older than the storage keeps (the memory store keeps the newest traces only), not yet flushed by its services, or mistyped.`));
			else
				ctx.main.replaceChildren(apiNotice(e, `Loading trace ${id}`, () => tracePage(ctx, id)));
			return;
		}
		source = 'from Jaeger';
	}
	if (ctx.stale())
		return;
	new TraceView(ctx, t, doc, source).mount();
}

class TraceView {
	constructor(ctx, t, doc, source) {
		this.ctx = ctx;
		this.t = t;
		this.doc = doc;
		this.source = source;
		this.collapsed = new Set();
		this.rows = visibleRows(t, this.collapsed);
		this.sel = t.order[0] || null;
		this.matches = [];
		this.matchSet = new Set();
		this.matchIdx = -1;
		this.rendered = new Map();
	}

	mount() {
		const t = this.t;
		const root = t.root;
		this.ctx.setTitle(root ? `${root.service}: ${root.operation}` : `Trace ${t.traceId}`);
		const cps = criticalByService(t);
		const depth = Math.max(0, ...t.order.map(s => s.depth)) + 1;
		this.searchInput = h('input', { id: 'trace-find', type: 'search', placeholder: 'find in trace (/)',
		    'aria-label': 'Find spans in this trace', autocomplete: 'off',
		    oninput: () => this.find(this.searchInput.value),
		    onkeydown: (ev) => {
			if (ev.key === 'Enter') {
				ev.preventDefault();
				this.nextMatch(ev.shiftKey ? -1 : 1);
			} else if (ev.key === 'Escape') {
				this.searchInput.value = '';
				this.find('');
				this.scroller.focus();
			}
		} });
		this.matchInfo = h('span', { class: 'muted', 'aria-live': 'polite', id: 'find-count' });
		const header = h('section', { class: 'trace-head', 'aria-label': 'Trace summary' },
		    h('div', { class: 'trace-title' },
		        h('h1', { class: 'h' }, root ? h('span', {}, h('span', { class: 'svc-dot', style: { background: serviceColor(root.service) } }),
		            `${root.service}: ${root.operation}`) : 'Trace'),
		        h('code', { class: 'tid', id: 'trace-id' }, t.traceId)),
		    h('dl', { class: 'facts' },
		        fact('Start', fmtTime(t.startUs)), fact('Duration', fmtDuration(t.durationUs)),
		        fact('Spans', String(t.spans.length), 'fact-spans'), fact('Depth', String(depth)),
		        fact('Services', String(t.services.length)),
		        fact('Errors', String(t.nerrors), 'fact-errors', t.nerrors > 0 ? 'bad' : ''),
		        fact('Critical path', cps.map(c => `${c.service} ${fmtDuration(c.us)}`).join(' · ') || '–', 'fact-cp')),
		    h('div', { class: 'trace-tools' },
		        this.searchInput, this.matchInfo,
		        h('button', { class: 'btn', type: 'button', onclick: () => this.nextMatch(1), 'aria-label': 'Next match' }, '↓'),
		        h('button', { class: 'btn', type: 'button', onclick: () => this.nextMatch(-1), 'aria-label': 'Previous match' }, '↑'),
		        h('span', { class: 'grow' }),
		        h('button', { class: 'btn', type: 'button', onclick: () => this.setAll(false) }, 'Expand all'),
		        h('button', { class: 'btn', type: 'button', onclick: () => this.setAll(true) }, 'Collapse all'),
		        h('button', { class: 'btn', type: 'button', id: 'download',
		            onclick: () => download(`trace-${t.traceId}.json`, JSON.stringify(this.doc, null, 1)) }, 'Download JSON'),
		        h('a', { class: 'btn', href: `/compare?a=${t.traceId}` }, 'Compare…')),
		    t.warnings.length > 0 ? h('details', { class: 'warnings' },
		        h('summary', {}, `${t.warnings.length} warning${t.warnings.length === 1 ? '' : 's'}`),
		        h('ul', {}, t.warnings.map(w => h('li', {}, w)))) : null,
		    h('p', { class: 'muted small' }, `Read ${this.source}. `,
		        h('span', { class: 'legend-cp' }, '▬'), ' critical path  ',
		        h('span', { class: 'legend-err' }, '✖'), ' error  · keys: ↑↓ ←→ Enter e n / ?'));

		const tk = ticks(t.durationUs, 5);
		const axis = h('div', { class: 'tl-axis', 'aria-hidden': 'true' },
		    tk.map(x => h('span', { class: 'tick', style: { left: `${(x.at * 100).toFixed(3)}%` } }, fmtDuration(Math.round(x.us)))));
		this.spacer = h('div', { class: 'tl-spacer' });
		this.scroller = h('div', { class: 'tl-scroll', tabindex: 0, role: 'tree', id: 'span-tree',
		    'aria-label': `Spans of trace ${t.traceId}: a tree; arrows move, Enter shows the detail`,
		    onscroll: () => this.schedule(), onkeydown: (ev) => this.key(ev) }, this.spacer);
		this.detail = h('section', { class: 'span-detail', id: 'span-detail', 'aria-label': 'Span detail', tabindex: -1 });
		this.help = h('div', { class: 'help', hidden: true, role: 'dialog', 'aria-label': 'Keyboard help' },
		    h('h2', { class: 'h' }, 'Keys'),
		    h('ul', {}, [['↑ ↓ / k j', 'previous / next span'], ['← →', 'fold / unfold, or go to parent / child'],
		        ['Enter / space', 'fold or unfold'], ['e', 'next error span'], ['c', 'next span on the critical path'],
		        ['/', 'find in trace'], ['n / N', 'next / previous match'], ['Home / End', 'first / last span'],
		        ['?', 'this help']].map(([k, d]) => h('li', {}, h('kbd', {}, k), ' ', d))));
		const body = h('div', { class: 'trace-body' },
		    h('div', { class: 'tl' },
		        h('div', { class: 'tl-head' }, h('div', { class: 'tl-name-h' }, 'Service: operation'), axis),
		        this.scroller),
		    this.detail);
		this.ctx.main.replaceChildren(h('div', { class: 'trace-page' }, header, this.help, body));
		this.layout();
		this.showDetail();
		this.ro = new ResizeObserver(() => this.schedule());
		this.ro.observe(this.scroller);
		this.scroller.focus({ preventScroll: true });
	}

	layout() {
		this.rows = visibleRows(this.t, this.collapsed);
		this.index = new Map(this.rows.map((s, i) => [s.id, i]));
		this.spacer.style.height = `${this.rows.length * ROW_H}px`;
		for (const el of this.rendered.values())
			el.remove();
		this.rendered.clear();
		this.draw();
	}

	schedule() {
		if (this.pending)
			return;
		this.pending = true;
		requestAnimationFrame(() => { this.pending = false; this.draw(); });
	}

	/* Only the rows in view (and a few around) exist in the DOM. */
	draw() {
		const w = rowWindow(this.scroller.scrollTop, this.scroller.clientHeight || 600,
		    ROW_H, this.rows.length);
		const keep = new Set();
		for (let i = w.first; i < w.last; i++) {
			const sp = this.rows[i];
			keep.add(sp.id);
			let el = this.rendered.get(sp.id);
			if (!el) {
				el = this.row(sp, i);
				this.rendered.set(sp.id, el);
				this.spacer.append(el);
			}
			this.decorate(el, sp);
		}
		for (const [id, el] of this.rendered)
			if (!keep.has(id)) {
				el.remove();
				this.rendered.delete(id);
			}
		if (this.sel && keep.has(this.sel.id))
			this.scroller.setAttribute('aria-activedescendant', `row-${this.sel.id}`);
		else
			this.scroller.removeAttribute('aria-activedescendant');
	}

	row(sp, i) {
		const t = this.t;
		const g = barGeometry(t, sp);
		const hasKids = sp.children.length > 0;
		const toggle = hasKids ? h('span', { class: 'tw', 'aria-hidden': 'true',
		    onclick: (ev) => { ev.stopPropagation(); this.toggle(sp); } }) : h('span', { class: 'tw tw-leaf', 'aria-hidden': 'true' });
		const label = `${sp.service}: ${sp.operation}, ${fmtDuration(sp.durationUs)}` +
		    (sp.error ? ', error' : '') + (sp.criticalUs > 0 ? `, ${fmtDuration(sp.criticalUs)} on the critical path` : '');
		const bar = h('div', { class: 'bar', style: { left: pct(g.left), width: pct(g.width),
		    background: serviceColor(sp.service) } });
		const secs = g.sections.map(x => h('div', { class: 'cp', style: { left: pct(x.left), width: pct(x.width) } }));
		const el = h('div', { class: 'tl-row', role: 'treeitem', id: `row-${sp.id}`, 'aria-level': sp.depth + 1,
		    'aria-label': label, 'data-span-id': sp.id, 'data-service': sp.service,
		    'data-error': sp.error ? 'true' : 'false', 'data-critical-us': sp.criticalUs,
		    'data-self-us': sp.selfUs,
		    style: { top: `${i * ROW_H}px` }, onclick: () => this.select(sp, false) },
		    h('div', { class: 'tl-name', style: { paddingLeft: `${4 + Math.min(sp.depth, 30) * 14}px` } },
		        toggle,
		        h('span', { class: 'svc-dot', style: { background: serviceColor(sp.service) } }),
		        sp.error ? h('span', { class: 'err-mark', title: sp.statusMessage || 'error' }, '✖ ') : null,
		        h('span', { class: 'svc' }, sp.service), h('span', { class: 'op' }, sp.operation)),
		    h('div', { class: 'tl-bar' }, bar, secs,
		        h('span', { class: 'dur', style: { left: pct(Math.min(1, g.left + g.width)) } }, fmtDuration(sp.durationUs))));
		if (hasKids)
			el.setAttribute('aria-expanded', 'true');
		return el;
	}

	decorate(el, sp) {
		el.classList.toggle('selected', this.sel === sp);
		el.setAttribute('aria-selected', this.sel === sp ? 'true' : 'false');
		el.classList.toggle('match', this.matchSet.has(sp.id));
		el.classList.toggle('is-error', sp.error);
		el.classList.toggle('on-cp', sp.criticalUs > 0);
		if (sp.children.length > 0) {
			const folded = this.collapsed.has(sp.id);
			el.setAttribute('aria-expanded', folded ? 'false' : 'true');
			el.querySelector('.tw').textContent = folded ? '▸' : '▾';
		}
	}

	toggle(sp) {
		if (sp.children.length === 0)
			return;
		if (this.collapsed.has(sp.id))
			this.collapsed.delete(sp.id);
		else
			this.collapsed.add(sp.id);
		this.layout();
	}

	setAll(fold) {
		this.collapsed.clear();
		if (fold)
			for (const sp of this.t.order)
				if (sp.children.length > 0 && sp.depth >= 1)
					this.collapsed.add(sp.id);
		if (this.sel && !this.index.has(this.sel.id))
			this.sel = this.t.order[0];
		this.layout();
		if (this.sel && !visibleRows(this.t, this.collapsed).includes(this.sel))
			this.select(this.t.order[0], true);
	}

	reveal(sp) {
		let changed = false;
		for (const a of ancestors(sp))
			if (this.collapsed.delete(a.id))
				changed = true;
		if (changed)
			this.layout();
	}

	select(sp, scroll) {
		if (!sp)
			return;
		this.reveal(sp);
		this.sel = sp;
		if (scroll) {
			const i = this.index.get(sp.id);
			const top = i * ROW_H, sc = this.scroller;
			if (top < sc.scrollTop + ROW_H)
				sc.scrollTop = Math.max(0, top - ROW_H);
			else if (top + ROW_H > sc.scrollTop + sc.clientHeight - ROW_H)
				sc.scrollTop = top + 2 * ROW_H - sc.clientHeight;
		}
		this.draw();
		this.showDetail();
	}

	move(d) {
		const i = this.index.get(this.sel.id) ?? 0;
		const j = Math.max(0, Math.min(this.rows.length - 1, i + d));
		this.select(this.rows[j], true);
	}

	nextWhere(pred) {
		const order = this.t.order;
		const i = order.indexOf(this.sel);
		for (let k = 1; k <= order.length; k++) {
			const sp = order[(i + k) % order.length];
			if (pred(sp)) {
				this.select(sp, true);
				return;
			}
		}
	}

	key(ev) {
		if (ev.target !== this.scroller || ev.altKey || ev.ctrlKey || ev.metaKey)
			return;
		const sp = this.sel;
		switch (ev.key) {
		case 'ArrowDown': case 'j': this.move(1); break;
		case 'ArrowUp': case 'k': this.move(-1); break;
		case 'PageDown': this.move(Math.floor(this.scroller.clientHeight / ROW_H)); break;
		case 'PageUp': this.move(-Math.floor(this.scroller.clientHeight / ROW_H)); break;
		case 'Home': this.select(this.rows[0], true); break;
		case 'End': this.select(this.rows[this.rows.length - 1], true); break;
		case 'ArrowRight':
			if (sp.children.length > 0 && this.collapsed.has(sp.id))
				this.toggle(sp);
			else if (sp.children.length > 0)
				this.select(sp.children[0], true);
			break;
		case 'ArrowLeft':
			if (sp.children.length > 0 && !this.collapsed.has(sp.id))
				this.toggle(sp);
			else if (sp.parent)
				this.select(sp.parent, true);
			break;
		case 'Enter': case ' ': this.toggle(sp); break;
		case 'e': this.nextWhere(x => x.error); break;
		case 'c': this.nextWhere(x => x.criticalUs > 0); break;
		case 'n': this.nextMatch(1); break;
		case 'N': this.nextMatch(-1); break;
		case '/': this.searchInput.focus(); break;
		case '?': this.help.hidden = !this.help.hidden; break;
		default: return;
		}
		ev.preventDefault();
	}

	find(q) {
		this.matches = findSpans(this.t, q);
		this.matchSet = new Set(this.matches.map(x => x.id));
		this.matchIdx = -1;
		this.matchInfo.textContent = q.trim() === '' ? '' :
		    `${this.matches.length} match${this.matches.length === 1 ? '' : 'es'}`;
		if (this.matches.length > 0)
			this.nextMatch(1);
		else
			this.draw();
	}

	nextMatch(d) {
		if (this.matches.length === 0)
			return;
		this.matchIdx = (this.matchIdx + d + this.matches.length) % this.matches.length;
		this.matchInfo.textContent = `${this.matchIdx + 1} of ${this.matches.length}`;
		this.select(this.matches[this.matchIdx], true);
	}

	showDetail() {
		const sp = this.sel, t = this.t;
		if (!sp) {
			this.detail.replaceChildren(h('p', { class: 'muted' }, 'No span.'));
			return;
		}
		const kv = (list) => list.length === 0 ? h('p', { class: 'muted' }, 'none') :
		    h('table', { class: 'kv' }, h('tbody', {}, list.map(a =>
		        h('tr', {}, h('th', { scope: 'row' }, a.key), h('td', {}, a.value)))));
		this.detail.replaceChildren(
		    h('h2', { class: 'h' }, sp.error ? h('span', { class: 'err-mark' }, '✖ ') : null,
		        `${sp.service}: ${sp.operation}`),
		    h('dl', { class: 'facts facts-detail' },
		        fact('Span id', sp.id), fact('Parent', sp.parentId || '(root)'),
		        fact('Kind', KINDS[sp.kind] || 'unspecified'),
		        fact('Start', `+${fmtDuration(sp.startUs - t.startUs)}`),
		        fact('Duration', fmtDuration(sp.durationUs), 'd-duration'),
		        fact('Self time', fmtDuration(sp.selfUs), 'd-self'),
		        fact('On critical path', fmtDuration(sp.criticalUs), 'd-critical'),
		        sp.error ? fact('Status', sp.statusMessage || 'error', 'd-status', 'bad') : null,
		        sp.skewUs ? fact('Clock skew fixed', fmtDuration(sp.skewUs)) : null,
		        sp.orphan ? fact('Orphan', 'its parent is not in the trace') : null),
		    h('h3', {}, `Attributes (${sp.attrs.length})`), kv(sp.attrs),
		    h('h3', {}, `Events (${sp.events.length})`),
		    sp.events.length === 0 ? h('p', { class: 'muted' }, 'none') :
		        h('ol', { class: 'events' }, sp.events.map(e => h('li', {},
		            h('strong', {}, e.name || '(event)'), ` at +${fmtDuration(e.tsUs - t.startUs)}`, kv(e.attrs)))),
		    h('h3', {}, 'Resource'), kv(sp.resource),
		    h('h3', {}, `Links (${sp.links.length})`),
		    sp.links.length === 0 ? h('p', { class: 'muted' }, 'none') :
		        h('ul', {}, sp.links.map(l => h('li', {},
		            `${l.type} `, l.traceId ? h('a', { href: `/trace/${l.traceId}` }, `trace ${l.traceId}`) : '(no trace id)',
		            l.spanId ? ` span ${l.spanId}` : '', l.attrs.length ? kv(l.attrs) : null))));
	}
}

function fact(k, v, id, cls) {
	return h('div', { class: 'fact' + (cls ? ' ' + cls : '') }, h('dt', {}, k), h('dd', { id }, v));
}

function pct(x) {
	return `${(x * 100).toFixed(4)}%`;
}
