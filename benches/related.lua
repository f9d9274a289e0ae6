-- wrk script: related news for random generated articles (slugs
-- generated-0 .. generated-(ARTICLES-1); set ARTICLES in the environment,
-- and SEED to draw another sequence, e.g. for a warm-up that does not
-- pre-load the pages the measured run then asks for).
local n = tonumber(os.getenv("ARTICLES") or "10000")
math.randomseed(tonumber(os.getenv("SEED") or "42"))
request = function()
  return wrk.format("GET", "/api/v1/articles/generated-" .. math.random(0, n - 1) .. "/related?limit=5")
end
