-- Prints wrk's summary as one JSON line (prefixed WRKJSON) for benchmarks/run.py to parse.
-- Failed requests: socket errors, and status_errors (HTTP status >= 400) as wrk counts them.
-- Optional arguments (after `--`): a method and a body, sent the same with every request
-- (e.g. POST and a JSON list); headers come from wrk's -H.

init = function(args)
  if args[1] then
    wrk.method = args[1]
    wrk.body = args[2]
  end
end

done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRKJSON {"requests":%d,"duration_us":%d,"bytes":%d,"connect_errors":%d,' ..
    '"read_errors":%d,"write_errors":%d,"status_errors":%d,"timeouts":%d,' ..
    '"p50_us":%d,"p90_us":%d,"p99_us":%d,"mean_us":%.1f,"ok_2xx":-1,"published":-1,"non_2xx":-1,' ..
    '"last_bad_status":0,"last_bad_body":""}\n',
    summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write, e.status,
    e.timeout, latency:percentile(50), latency:percentile(90), latency:percentile(99),
    latency.mean))
end
