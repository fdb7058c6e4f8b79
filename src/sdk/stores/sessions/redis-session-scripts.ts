/**
 * Lua scripts of the Redis session store (layout: docs/layout/sessions.md).
 *
 * Why writes are a script and not native commands in MULTI or a pipeline:
 * - A session id stays with its subject: a write must not replace a live session of another subject, and
 *   in a batch nothing may be written when one write is refused. MULTI cannot make one command depend on
 *   another's reply, so the check needs either WATCH (bound to a connection, so not usable on a client
 *   that several requests share, and retried under contention), or a compare-and-set command (`SET IFEQ`
 *   exists only from Redis 8.4; this store supports 7.0). Without one of them a read-then-write lets two
 *   writers of different subjects both believe they own a new id. Folding the check into commands that
 *   run anyway (`SET NX GET` creates an absent session and returns a present one) keeps it atomic only
 *   inside a script, where the refusal can undo the batch before anyone sees it.
 * - It is also faster here: each native command costs the client more than the server (about 5 µs of
 *   ioredis per command against 1–2 µs inside a script), so SET + SADD + PEXPIRE per session pipelined
 *   through ioredis reach fewer writes per second than one script per batch (the bench
 *   bench/stores/redis-sessions.ts measures both in the same run).
 *
 * What the write script costs, per session: one `SET NX GET PX` (creates, or returns the live value) and,
 * for an overwrite only, one `SET PX` that keeps `createdAt`; per subject of the batch: one variadic SADD
 * and one `PEXPIRE GT` (plus `PEXPIRE NX` when the index had no TTL yet). Arguments are passed as the
 * strings the commands take (TTL text, not Lua numbers), and the envelope head is built once per TTL.
 *
 * Needs Redis 7.0 (`SET NX GET`, `PEXPIRE GT|NX`); checked at connect.
 */

/**
 * Reads the fixed-form head of an envelope with GETRANGE instead of decoding the whole state:
 * `{"c":created,"u":updated,"e":expires,"sk":"<encoded subject>","state":…}`. 1 KiB covers three
 * 16-digit numbers and a 256-byte subject percent-encoded (≤ 768 characters).
 */
const HEAD = `local function head(key)
  return string.match(redis.call('GETRANGE', key, 0, 1023), '^{"c":(%d+),"u":(%d+),"e":(%d+),"sk":"([^"]*)"')
end
`;

/**
 * Writes a batch. KEYS: the n session keys, then the m subject index keys of the batch (one per distinct
 * subject). ARGV[1] = n; per write i (from ARGV[3i-1]): TTL in ms, the 1-based number of its subject, the
 * envelope tail `"sk":"<encoded subject>","state":<json>}`; then per subject j: its encoded subject, the
 * longest TTL of its writes, the number k of its session ids, the k encoded session ids (index members).
 *
 * Returns `{now, created_1..created_n}` (ms, server clock), or `{-1, i}` when write i names a live session
 * of another subject. Order makes a refused batch change nothing: first every session is created (`SET NX
 * GET`) or read, then the index, then the overwrites; a refusal, or an error reply on a key of the wrong
 * type (a foreign key under the prefix), deletes the sessions this call created before anyone can see
 * them, and no overwrite has happened yet. Index members added before an error are harmless: every reader
 * checks a member's session (it is absent) and drops it. A string value that does not parse as an
 * envelope is overwritten as new.
 */
export const SET_SCRIPT = `
local n = tonumber(ARGV[1])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local nowText = string.format('%.0f', now)
local open = '{"c":' .. nowText
local tails = {}
local sks = {}
local p = 3 * n + 1
for j = 1, #KEYS - n do
  sks[j] = ARGV[p + 1]
  p = p + 3 + tonumber(ARGV[p + 3])
end
local created = {}
-- Deletes the sessions this call created among the first m writes (overwrites are not written yet).
local function undo(m)
  for j = 1, m do
    if not created[j] then redis.call('DEL', KEYS[j]) end
  end
end
for i = 1, n do
  local a = 3 * i - 1
  local ttl = ARGV[a]
  local tail = tails[ttl]
  if not tail then
    tail = ',"u":' .. nowText .. ',"e":' .. string.format('%.0f', now + tonumber(ttl)) .. ','
    tails[ttl] = tail
  end
  local old = redis.pcall('SET', KEYS[i], open .. tail .. ARGV[a + 2], 'NX', 'GET', 'PX', ttl)
  if old then
    if type(old) == 'table' then
      undo(i - 1)
      return old
    end
    local c, sk = string.match(old, '^{"c":(%d+),"u":%d+,"e":%d+,"sk":"([^"]*)"')
    if c and sk ~= sks[tonumber(ARGV[a + 1])] then
      undo(i - 1)
      return {-1, i}
    end
    created[i] = c or nowText
  end
end
p = 3 * n + 1
for j = 1, #KEYS - n do
  local index, ttl, k = KEYS[n + j], ARGV[p + 2], tonumber(ARGV[p + 3])
  -- Always added, so an index lost to eviction or a manual delete heals on the next write.
  local added = redis.pcall('SADD', index, unpack(ARGV, p + 4, p + 3 + k))
  if type(added) == 'table' then
    undo(n)
    return added
  end
  -- GT treats a key without TTL as infinite: a new index gets its TTL from NX.
  if redis.call('PEXPIRE', index, ttl, 'GT') == 0 then redis.call('PEXPIRE', index, ttl, 'NX') end
  p = p + 3 + k
end
local out = {now}
for i = 1, n do
  local c = created[i]
  if c then
    local a = 3 * i - 1
    redis.call('SET', KEYS[i], '{"c":' .. c .. tails[ARGV[a]] .. ARGV[a + 2], 'PX', ARGV[a])
    out[i + 1] = tonumber(c)
  else
    out[i + 1] = now
  end
end
return out
`;

/** KEYS[1] = session key. ARGV: subject key prefix, encoded session id. Returns 1 when a session was deleted. */
export const DELETE_SCRIPT = `${HEAD}
local _, _, _, sk = head(KEYS[1])
if not sk then return 0 end
redis.call('DEL', KEYS[1])
redis.call('SREM', ARGV[1] .. sk .. ':sess', ARGV[2])
return 1
`;

/**
 * KEYS[1] = subject index. ARGV: session key prefix, encoded subject, mode (list | count | delete).
 * Members whose session expired, was deleted or now belongs to another subject are dropped from the index.
 */
export const SUBJECT_SCRIPT = `${HEAD}
local ids = redis.call('SMEMBERS', KEYS[1])
local out = {}
local n = 0
for _, id in ipairs(ids) do
  local key = ARGV[1] .. id
  local c, u, e, sk = head(key)
  if sk == ARGV[2] then
    n = n + 1
    if ARGV[3] == 'delete' then
      redis.call('DEL', key)
    elseif ARGV[3] == 'list' then
      out[#out + 1] = id
      out[#out + 1] = c
      out[#out + 1] = u
      out[#out + 1] = e
    end
  elseif ARGV[3] ~= 'delete' then
    redis.call('SREM', KEYS[1], id)
  end
end
if ARGV[3] == 'delete' then
  redis.call('DEL', KEYS[1])
  return n
end
if ARGV[3] == 'count' then return n end
return out
`;
