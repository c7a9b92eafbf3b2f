/* SPDX-License-Identifier: Apache-2.0 */
/*
 * app.js: the viewer's entry point: routes the page's path to a page (the
 * same URLs as Jaeger UI: /search, /trace/ID, /trace/A...B, /dependencies,
 * /monitor; plus /compare and /open), keeps links inside the page (history),
 * and shows the Jaeger version the query injected into index.html.
 */

import { h, notice } from './dom.js';
import { searchPage } from './view-search.js';
import { tracePage, localTrace } from './view-trace.js';
import { comparePage, compareFormPage, dependenciesPage, monitorPage, openPage } from './view-other.js';

const main = document.getElementById('main');
let generation = 0;

/* The route of a path: {page, args}. */
export function route(path) {
	let m;
	if (path === '/' || path === '' || path === '/search')
		return { page: 'search' };
	if ((m = /^\/trace\/([0-9a-fA-F]+)\.\.\.([0-9a-fA-F]+)\/?$/.exec(path)))
		return { page: 'compare', a: m[1], b: m[2] };
	if ((m = /^\/trace\/([^/]+)\/?$/.exec(path)))
		return { page: 'trace', id: decodeURIComponent(m[1]) };
	if (path === '/compare')
		return { page: 'compareForm' };
	if (path === '/dependencies')
		return { page: 'dependencies' };
	if (path === '/monitor')
		return { page: 'monitor' };
	if (path === '/open')
		return { page: 'open' };
	return { page: 'unknown' };
}

export function navigate(url, replace) {
	if (replace)
		history.replaceState(null, '', url);
	else
		history.pushState(null, '', url);
	render();
}

function markNav(page) {
	const p = page === 'compareForm' ? 'compare' : page;
	for (const a of document.querySelectorAll('nav a[data-page]')) {
		if (a.dataset.page === p)
			a.setAttribute('aria-current', 'page');
		else
			a.removeAttribute('aria-current');
	}
}

async function render() {
	const gen = ++generation;
	const r = route(location.pathname);
	const q = new URLSearchParams(location.search);
	markNav(r.page);
	const ctx = {
		main, query: q, navigate,
		stale: () => gen !== generation,
		setTitle: (t) => { document.title = `${t} · Trace viewer`; }
	};
	main.replaceChildren(h('p', { class: 'loading', role: 'status' }, 'Loading…'));
	try {
		switch (r.page) {
		case 'search': await searchPage(ctx); break;
		case 'trace':
			if (q.get('file') && localTrace(r.id))
				await tracePage(ctx, r.id, localTrace(r.id));
			else
				await tracePage(ctx, r.id);
			break;
		case 'compare': await comparePage(ctx, r.a, r.b); break;
		case 'compareForm': await compareFormPage(ctx); break;
		case 'dependencies': await dependenciesPage(ctx); break;
		case 'monitor': await monitorPage(ctx); break;
		case 'open': await openPage(ctx); break;
		default:
			ctx.setTitle('Not found');
			main.replaceChildren(notice('error', 'No such page',
			    `${location.pathname} is not a page of this viewer: try Search, or /trace/<trace id>.`));
		}
	} catch (e) {
		if (!ctx.stale()) {
			main.replaceChildren(notice('error', 'Something went wrong', String(e && e.stack || e)));
			console.error(e);
		}
	}
}

document.addEventListener('click', (ev) => {
	const a = ev.target.closest && ev.target.closest('a[href]');
	if (!a || ev.defaultPrevented || ev.button !== 0 || ev.metaKey || ev.ctrlKey ||
	    ev.shiftKey || ev.altKey || a.target || a.hasAttribute('download'))
		return;
	const u = new URL(a.href, location.href);
	if (u.origin !== location.origin || u.pathname.startsWith('/api/') ||
	    u.pathname.startsWith('/static/'))
		return;
	ev.preventDefault();
	navigate(u.pathname + u.search + u.hash);
});

window.addEventListener('popstate', render);

document.getElementById('jump').addEventListener('submit', (ev) => {
	ev.preventDefault();
	const id = ev.target.elements.id.value.trim();
	if (id)
		navigate(`/trace/${encodeURIComponent(id)}`);
});

const v = window.JAEGER_VERSION;
document.getElementById('foot').textContent = 'Trace viewer of the tracing reference system, reading Jaeger\'s query API' +
    (v && v.gitVersion ? ` (Jaeger ${v.gitVersion})` : '') + '. Keys on a trace: ? for help.';

render();
