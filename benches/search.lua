-- wrk script: two-word full-text searches, cycling through 40 queries of
-- made-up words from the generator's long tail (ranks 300-3000, as real
-- queries mix common and rarer words).
local queries = {"berullo+novkalo", "xanrenmi+weselren", "novmar+wespel", "tastormi+vensil", "xanzedlo+novzedmi", "xannov+elpelmi", "fafalo+renlum", "silros+berfami", "midunmi+marpel", "venislo+halsil", "dunvenmi+yordunmi", "mior+berxanmi", "xanwes+kelgorlo", "renberren+pelvoren", "novzedmi+joror", "toryormi+yorzedmi", "tastasmi+tormar", "vogorlo+gormar", "kawesmi+voyor", "marpello+berdunmi", "quinzed+ultormi", "miwes+yorxanmi", "rensillo+kelwesmi", "quintaslo+miul", "iszedmi+zedxanmi", "berdunren+pelvolo", "venkami+fator", "torulmi+novor", "loxanmi+tasor", "lumtasren+renello", "tornovmi+novsilmi", "halelmi+wessillo", "novjormi+yorzedmi", "weshalmi+halzedlo", "xanquinlo+xanjorlo", "martaslo+fajorlo", "voros+isyormi", "zedquinlo+rosrosmi", "novnovmi+wesweslo", "elhalmi+fapello"}
local i = 0
request = function()
  i = i % #queries + 1
  return wrk.format("GET", "/api/v1/search?limit=20&q=" .. queries[i])
end
