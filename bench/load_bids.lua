-- wrk script: signed-in suppliers POST the bid form (submit, then change their bid).
--   wrk -t THREADS -s load_bids.lua URL -- sessions.tsv THREADS
-- sessions.tsv: one line per supplier: session cookie, CSRF token, need reference (tabs).
-- Each thread takes its share of the suppliers and goes round them, so that one supplier has
-- at most one request in flight. A success is a 302 to the bid's page; any other answer
-- (a form shown again, a redirect to the sign-in page) is counted in "bad".
local sessions = {}
local threads = {}
local counter = 0
local next_id = 0
bad = 0

function setup(thread)
   thread:set("id", next_id)
   next_id = next_id + 1
   table.insert(threads, thread)
end

local function escape(s)
   return (s:gsub("[^%w%-_%.~]", function(c) return string.format("%%%02X", string.byte(c)) end))
end

function init(args)
   local count = tonumber(args[2])  -- wrk's thread count: init runs before every thread exists
   local k = 0
   for line in io.lines(args[1]) do
      local cookie, token, reference = line:match("^([^\t]+)\t([^\t]+)\t([^\t]+)$")
      if cookie then
         if k % count == id then
            table.insert(sessions, {cookie = cookie, token = token, reference = reference})
         end
         k = k + 1
      end
   end
   math.randomseed(os.time() + id)
end

function request()
   counter = counter + 1
   local s = sessions[(counter % #sessions) + 1]
   local price = 150000 + math.random(0, 90000)
   local body = "csrf_token=" .. escape(s.token) ..
      "&summary=" .. escape("Plateforme souveraine hébergée en France, reprise des données incluse.") ..
      "&proposal=" .. escape("Déploiement en trois lots : cadrage, mise en service, accompagnement.") ..
      "&price=" .. price ..
      "&timeline=" .. escape("Cadrage en 4 semaines, mise en service en 3 mois.") ..
      "&solution_id=&approach=off_the_shelf&hosting_country=FR&hosting_provider=OVHcloud" ..
      "&secnumcloud_hosting=y&data_in_eu=y" ..
      "&extraterritorial_answer=" .. escape("Société de droit français, sans actionnaire extra-européen.") ..
      "&reversibility_answer=" .. escape("Export complet en formats ouverts, plan de sortie contractuel.") ..
      "&mastery_answer=" .. escape("Code développé et maintenu par notre équipe à Lyon.") ..
      "&action=submit"
   return wrk.format("POST", "/needs/" .. s.reference .. "/bid", {
      ["Cookie"] = "session=" .. s.cookie,
      ["Content-Type"] = "application/x-www-form-urlencoded",
      ["User-Agent"] = "tremplin-load-bench",
   }, body)
end

function response(status, headers, body)
   local location = headers["Location"] or headers["location"] or ""
   if status ~= 302 or not location:find("/bids/", 1, true) then
      bad = bad + 1
   end
end

function done(summary, latency, requests)
   local e = summary.errors
   local bad_total = 0
   for _, t in ipairs(threads) do bad_total = bad_total + t:get("bad") end
   io.write(string.format(
      'LOAD_RESULT {"requests": %d, "duration_us": %d, "p50_us": %d, "p99_us": %d, "max_us": %d, ' ..
      '"connect": %d, "read": %d, "write": %d, "status": %d, "timeout": %d, "bad": %d}\n',
      summary.requests, summary.duration, latency:percentile(50), latency:percentile(99), latency.max,
      e.connect, e.read, e.write, e.status, e.timeout, bad_total))
end
