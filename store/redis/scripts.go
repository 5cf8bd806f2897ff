package redis

import "github.com/redis/go-redis/v9"

// Every script touches keys of one hash slot only (see the layout in the
// package comment), so each runs atomically on one node, Cluster included.

// tokenExpiryLua reads a token record's expiry, in milliseconds, from the
// eight big-endian bytes at codec.TokenExpiryOffset. Lua numbers are
// doubles: the sub-millisecond part is lost, which no comparison here needs.
const tokenExpiryLua = `
local function expiry(v)
  if string.len(v) < 9 then return nil end
  local ns = 0
  for i = 2, 9 do ns = ns * 256 + string.byte(v, i) end
  return ns / 1e6
end
`

// createKey stores a key record unless the key exists.
// KEYS: key hash. ARGV: record, last-used time. Returns 1 if stored.
var createKey = redis.NewScript(`
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('HSET', KEYS[1], 'r', ARGV[1], 'u', ARGV[2])
return 1
`)

// updateKey replaces a key record if the key exists, leaving the last-used
// time (u) and the revocation mark (n) to their own scripts.
// KEYS: key hash. ARGV: record. Returns the old record.
var updateKey = redis.NewScript(`
local old = redis.call('HGET', KEYS[1], 'r')
if not old then return false end
redis.call('HSET', KEYS[1], 'r', ARGV[1])
return old
`)

// markKey raises the revocation mark (n) of an existing key, never lowering
// it. Marks are equal-length strings of decimal digits, compared byte by
// byte (Lua's < would depend on the server's collation locale).
// KEYS: key hash. ARGV: mark. Returns 1 if the key exists.
var markKey = redis.NewScript(`
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
local cur = redis.call('HGET', KEYS[1], 'n')
if cur and string.len(cur) == string.len(ARGV[1]) then
  for i = 1, string.len(cur) do
    local a, b = string.byte(cur, i), string.byte(ARGV[1], i)
    if a > b then return 1 end
    if a < b then break end
  end
end
redis.call('HSET', KEYS[1], 'n', ARGV[1])
return 1
`)

// touchKey sets the last-used time of an existing key.
// KEYS: key hash. ARGV: last-used time.
var touchKey = redis.NewScript(`
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('HSET', KEYS[1], 'u', ARGV[1])
return 1
`)

// deleteKey removes a key and all its tokens.
// KEYS: key hash, tokens hash. Returns the old record.
var deleteKey = redis.NewScript(`
local old = redis.call('HGET', KEYS[1], 'r')
if not old then return false end
redis.call('DEL', KEYS[1])
redis.call('UNLINK', KEYS[2])
return old
`)

// saveToken stores a token record, lets the hash live until its latest
// token expires, and runs one step of the incremental sweep: HSCAN a few
// fields from the cursor kept in field "", HDEL the expired ones, and after
// a full pass pause until a given time.
// KEYS: tokens hash. ARGV: token hash, record, expiry in ms, fields per
// step, pause in ms after a full pass. Returns the number swept.
var saveToken = redis.NewScript(tokenExpiryLua + `
local key = KEYS[1]
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('HSET', key, ARGV[1], ARGV[2])
local exp = tonumber(ARGV[3])
local ttl = redis.call('PTTL', key)
if ttl < 0 or now + ttl < exp then redis.call('PEXPIREAT', key, exp) end

local cursor, resume = '0', 0
local state = redis.call('HGET', key, '')
if state then
  local sep = string.find(state, ' ', 1, true)
  if sep then
    cursor = string.sub(state, 1, sep - 1)
    resume = tonumber(string.sub(state, sep + 1)) or 0
  end
end
if now < resume then return 0 end
local page = redis.call('HSCAN', key, cursor, 'COUNT', ARGV[4])
local swept = 0
for i = 1, #page[2], 2 do
  local field, value = page[2][i], page[2][i + 1]
  local e = expiry(value)
  if field ~= '' and e and e <= now then
    redis.call('HDEL', key, field)
    swept = swept + 1
  end
end
local after = 0
if page[1] == '0' then after = now + tonumber(ARGV[5]) end
redis.call('HSET', key, '', page[1] .. ' ' .. after)
return swept
`)

// deleteToken removes a token record and returns it, for the caller to
// tell whether it was live with the same clock and precision as a lookup
// (Lua's doubles would round the nanosecond expiry).
// KEYS: tokens hash. ARGV: token hash. Returns the record, or nil.
var deleteToken = redis.NewScript(`
local v = redis.call('HGET', KEYS[1], ARGV[1])
if not v then return false end
redis.call('HDEL', KEYS[1], ARGV[1])
return v
`)

// incr counts one and starts the window on the first count.
// KEYS: counter. ARGV: window in ms. Returns the new count.
var incr = redis.NewScript(`
local n = redis.call('INCR', KEYS[1])
if n == 1 or redis.call('PTTL', KEYS[1]) < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
end
return n
`)

// putIfAbsent stores a value unless one is there and returns the stored one.
// KEYS: singleton. ARGV: value.
var putIfAbsent = redis.NewScript(`
local v = redis.call('GET', KEYS[1])
if v then return v end
redis.call('SET', KEYS[1], ARGV[1])
return ARGV[1]
`)
