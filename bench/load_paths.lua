-- wrk script: GET paths picked at random from a file (one path a line), given after "--":
--   wrk -s load_paths.lua URL -- paths.txt
-- done() prints one JSON line (prefixed by "LOAD_RESULT ") with the figures load_run.py reads.
local paths = {}
local threads = {}

function setup(thread)
   table.insert(threads, thread)
end

function init(args)
   for line in io.lines(args[1]) do
      if #line > 0 then table.insert(paths, line) end
   end
   math.randomseed(os.time() + tonumber(tostring({}):sub(8), 16))
end

function request()
   return wrk.format("GET", paths[math.random(#paths)], {["User-Agent"] = "tremplin-load-bench"})
end

function done(summary, latency, requests)
   local e = summary.errors
   io.write(string.format(
      'LOAD_RESULT {"requests": %d, "duration_us": %d, "p50_us": %d, "p99_us": %d, "max_us": %d, ' ..
      '"connect": %d, "read": %d, "write": %d, "status": %d, "timeout": %d, "bad": 0}\n',
      summary.requests, summary.duration, latency:percentile(50), latency:percentile(99), latency.max,
      e.connect, e.read, e.write, e.status, e.timeout))
end
