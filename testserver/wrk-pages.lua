-- wrk script for benchmarking weft-testserver's generated site: cycles through pages
-- /p/1.html .. /p/9999.html (use with --site 10000), one keep-alive request at a time per
-- connection. Example:
--   weft-testserver --site 10000 --fanout 10 &
--   wrk -t2 -c100 -d10s -s testserver/wrk-pages.lua http://127.0.0.1:PORT/
local counter = 0
request = function()
	counter = counter + 1
	local i = (counter * 7919) % 9999 + 1
	return wrk.format("GET", "/p/" .. i .. ".html")
end
