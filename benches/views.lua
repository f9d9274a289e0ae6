-- POSTs page views, each from a different reader (user agent), so every
-- request is counted rather than dropped as a repeat.
local n = 0
request = function()
  n = n + 1
  return wrk.format("POST", nil, {["User-Agent"] = "Mozilla/5.0 (bench reader " .. n .. ")"}, "")
end
