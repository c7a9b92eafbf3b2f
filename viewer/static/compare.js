/* SPDX-License-Identifier: Apache-2.0 */
/*
 * compare.js: two traces compared per service and operation, as `tracectl
 * diff` does (cli/src/cmd_logs.c): spans in one trace only, count and total
 * duration changes, the largest change first. No DOM.
 */

export function compareTraces(a, b) {
	const ops = [];
	const index = new Map();
	[a, b].forEach((t, side) => {
		for (const s of t.order) {
			const key = s.service + '\u0000' + s.operation;
			let o = index.get(key);
			if (o === undefined) {
				o = { service: s.service, operation: s.operation,
				    countA: 0, countB: 0, totalUsA: 0, totalUsB: 0 };
				index.set(key, o);
				ops.push(o);
			}
			if (side === 0) {
				o.countA++;
				o.totalUsA += s.durationUs;
			} else {
				o.countB++;
				o.totalUsB += s.durationUs;
			}
		}
	});
	for (const o of ops) {
		o.in = o.countA === 0 ? 'b' : o.countB === 0 ? 'a' : 'both';
		o.changeUs = o.totalUsB - o.totalUsA;
	}
	ops.sort((x, y) => {
		const dx = Math.abs(x.changeUs), dy = Math.abs(y.changeUs);
		if (dx !== dy)
			return dx > dy ? -1 : 1;
		return x.operation < y.operation ? -1 : x.operation > y.operation ? 1 : 0;
	});
	return {
		operations: ops,
		onlyA: ops.filter(o => o.in === 'a').length,
		onlyB: ops.filter(o => o.in === 'b').length,
		durationChangeUs: b.durationUs - a.durationUs
	};
}
