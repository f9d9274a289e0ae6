-- wrk script: POST /api/v1/suggestions with drafts read from DRAFTS (a
-- file of JSON bodies, one per line) and an author's bearer TOKEN, both
-- from the environment (benches/load.sh writes them).
local drafts = {}
for line in io.lines(os.getenv("DRAFTS")) do
  drafts[#drafts + 1] = line
end
local headers = {
  ["Content-Type"] = "application/json",
  ["Authorization"] = "Bearer " .. os.getenv("TOKEN"),
}
local i = 0
request = function()
  i = i % #drafts + 1
  return wrk.format("POST", "/api/v1/suggestions", headers, drafts[i])
end
