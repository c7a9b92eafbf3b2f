-- wrk script for POST /api/orders: one BENCH item per order.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"userId":42,"items":[{"sku":"BENCH","quantity":1,"price":9.5}],"email":"bench@example.com"}'

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
