-- wrk script: 16 pipelined `GET /` per write (HTTP/1.1 keep-alive).
-- taskset -c 1 wrk -t1 -c64 -d5s -s benches/pipeline.lua http://127.0.0.1:PORT/
-- wrk counts every response, so its requests/sec is responses per second.

local depth = 16

init = function(args)
   local r = {}
   for i = 1, depth do
      r[i] = wrk.format("GET", "/")
   end
   req = table.concat(r)
end

request = function()
   return req
end
