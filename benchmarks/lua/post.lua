-- POSTs comments with a JSON body and counts 2xx and non-2xx answers.
-- Arguments (after `--`): the JSON body of a top-level comment, then that of a reply, then a
-- token unique to this wrk run. "{n}" in a body becomes run token, thread and request number:
-- the rules reject the same text twice from one address within an hour.
-- Every other request is a reply, so the parent's reply_count is updated as well.
-- Headers given to wrk with -H (e.g. Origin) are sent too.

local threads = {}
local counter = 0
ok = 0
published = 0
bad = 0
last_bad_status = 0
last_bad_body = ""

setup = function(thread)
  thread:set("thread_no", #threads + 1)
  table.insert(threads, thread)
end

init = function(args)
  top_body = args[1]
  reply_body = args[2]
  run_token = args[3] or "run"
  headers = {
    ["Content-Type"] = "application/json",
    ["X-Reader-Token"] = "bench-reader-token-" .. tostring(thread_no),
  }
  for name, value in pairs(wrk.headers) do
    headers[name] = headers[name] or value
  end
end

request = function()
  counter = counter + 1
  local body = top_body
  if counter % 2 == 0 then
    body = reply_body
  end
  local unique = run_token .. "-" .. tostring(thread_no) .. "-" .. tostring(counter)
  body = (string.gsub(body, "{n}", unique))
  return wrk.format("POST", nil, headers, body)
end

response = function(status, response_headers, body)
  if status >= 200 and status < 300 then
    ok = ok + 1
    if status == 201 then
      published = published + 1
    end
  else
    bad = bad + 1
    last_bad_status = status
    last_bad_body = string.sub(body or "", 1, 200)
  end
end

done = function(summary, latency, requests)
  local ok_total, published_total, bad_total, status, sample = 0, 0, 0, 0, ""
  for _, thread in ipairs(threads) do
    ok_total = ok_total + thread:get("ok")
    published_total = published_total + thread:get("published")
    bad_total = bad_total + thread:get("bad")
    if thread:get("bad") > 0 then
      status = thread:get("last_bad_status")
      sample = thread:get("last_bad_body")
    end
  end
  local e = summary.errors
  sample = string.gsub(sample, '[%c"\\]', " ")
  io.write(string.format(
    'WRKJSON {"requests":%d,"duration_us":%d,"bytes":%d,"connect_errors":%d,' ..
    '"read_errors":%d,"write_errors":%d,"status_errors":%d,"timeouts":%d,' ..
    '"p50_us":%d,"p90_us":%d,"p99_us":%d,"mean_us":%.1f,"ok_2xx":%d,"published":%d,' ..
    '"non_2xx":%d,' ..
    '"last_bad_status":%d,"last_bad_body":"%s"}\n',
    summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write, e.status,
    e.timeout, latency:percentile(50), latency:percentile(90), latency:percentile(99),
    latency.mean, ok_total, published_total, bad_total, status, sample))
end
