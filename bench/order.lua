-- wrk script for POST /api/orders: one item per order, drawn from a
-- catalogue of 100 SKUs (BENCH-00 .. BENCH-99, seeded by scripts/bench.sh),
-- so that orders do not all queue on one stock row's lock.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"

local seeded = false

request = function()
	if not seeded then
		-- each wrk thread its own sequence
		math.randomseed(os.time() + tonumber(tostring({}):sub(8), 16))
		seeded = true
	end
	local body = string.format('{"userId":42,"items":[{"sku":"BENCH-%02d","quantity":1,"price":9.5}],' ..
	    '"email":"bench@example.com"}', math.random(0, 99))
	return wrk.format(nil, nil, nil, body)
end

local statuses = {}

response = function(status, headers, body)
	statuses[status] = (statuses[status] or 0) + 1
end

done = function(summary, latency, requests)
	io.write(string.format("BENCH orders_per_s=%.1f p50_ms=%.2f p90_ms=%.2f p99_ms=%.2f requests=%d errors=%d\n",
	    summary.requests / (summary.duration / 1e6),
	    latency:percentile(50) / 1000, latency:percentile(90) / 1000,
	    latency:percentile(99) / 1000, summary.requests,
	    summary.errors.connect + summary.errors.read + summary.errors.write +
	    summary.errors.status + summary.errors.timeout))
end
