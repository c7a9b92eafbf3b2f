-- SPDX-License-Identifier: Apache-2.0
-- wrk script for POST /api/orders: one item per order, drawn from a
-- catalogue of 100 SKUs (BENCH-00 .. BENCH-99, seeded by scripts/bench.sh),
-- so that orders do not all queue on one stock row's lock; or, with
-- BENCH_SKU set, every order that SKU, BENCH_QTY (2) of it: the seed's own
-- request is BENCH_SKU=SKU123, the hot SKU. Prints one BENCH line: orders/s
-- counts 201 answers only (a 5xx or a timeout is no order).
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"

local threads = {}

function setup(thread)
	table.insert(threads, thread)
end

local seeded = false
hot_sku = os.getenv("BENCH_SKU")
hot_qty = tonumber(os.getenv("BENCH_QTY") or "2")
created = 0	-- per thread (each has its own Lua state), read by done()
failed = 0

request = function()
	if not seeded then
		-- each wrk thread its own sequence
		math.randomseed(os.time() + tonumber(tostring({}):sub(8), 16))
		seeded = true
	end
	local body
	if hot_sku ~= nil and hot_sku ~= "" then
		body = string.format('{"userId":1,"items":[{"sku":"%s","quantity":%d,"price":50.0}],' ..
		    '"email":"customer@example.com"}', hot_sku, hot_qty)
	else
		body = string.format('{"userId":42,"items":[{"sku":"BENCH-%02d","quantity":1,"price":9.5}],' ..
		    '"email":"bench@example.com"}', math.random(0, 99))
	end
	return wrk.format(nil, nil, nil, body)
end

response = function(status, headers, body)
	if status == 201 then
		created = created + 1
	else
		failed = failed + 1
	end
end

done = function(summary, latency, requests)
	local ok, bad = 0, 0
	for _, t in ipairs(threads) do
		ok = ok + t:get("created")
		bad = bad + t:get("failed")
	end
	io.write(string.format("BENCH orders_per_s=%.1f p50_ms=%.2f p90_ms=%.2f p99_ms=%.2f p999_ms=%.2f requests=%d " ..
	    "orders=%d non201=%d errors=%d\n",
	    ok / (summary.duration / 1e6),
	    latency:percentile(50) / 1000, latency:percentile(90) / 1000,
	    latency:percentile(99) / 1000, latency:percentile(99.9) / 1000, summary.requests, ok, bad,
	    summary.errors.connect + summary.errors.read + summary.errors.write +
	    summary.errors.timeout))
end
