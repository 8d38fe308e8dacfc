-- wrk script for bench/issuing.py: rotate.lua's requests and figures, with a pause
-- (milliseconds, the third argument after `--`) before each request of a connection, like a
-- learner reading between clicks. Without a pause bench/issuing.py uses rotate.lua itself (a
-- delay() function, even returning 0, changes how wrk schedules requests).
--
--   wrk -t1 -c32 -d600s -s bench/wrk/learners.lua http://127.0.0.1:8000 -- requests.lua 0 500

local here = debug.getinfo(1, "S").source:sub(2):match("(.*/)") or "./"
dofile(here .. "rotate.lua")

local pause_ms = 0
local rotate_init = init

function init(args)
  rotate_init(args)
  pause_ms = tonumber(args[3] or "0") or 0
end

function delay()
  return pause_ms
end
