/**
 * Lua scripts of the Redis session store (layout: docs/layout/sessions.md).
 *
 * Why writes are a script and not native commands in MULTI or a pipeline:
 * - A session id stays with its subject: a write must not replace a live session of another subject, and
 *   in a batch nothing may be written when one write is refused. MULTI cannot make one command depend on
 *   another's reply, so the check needs either WATCH (bound to a connection, so not usable on a client
 *   that several requests share, and retried under contention), or a compare-and-set command (`SET IFEQ`
 *   exists only from Redis 8.4; this store supports 7.0). Without one of them a read-then-write lets two
 *   writers of different subjects both believe they own a new id. Inside a script the batch's sessions are
 *   read (one MGET) and checked before anything is written, so a refusal leaves nothing to undo.
 * - It is also faster here: each native command costs the client more than the server (about 5 µs of
 *   ioredis per command against 1–2 µs inside a script), so SET + SADD + PEXPIRE per session pipelined
 *   through ioredis reach fewer writes per second than one script per batch (the bench
 *   bench/stores/redis-sessions.ts measures both in the same run).
 *
 * What the write script costs: per batch one MGET (plus one EXISTS when some sessions are absent); per
 * session one `SET PXAT` (the envelope's `e`); per subject with sessions to index one variadic SADD, one PEXPIRETIME and, when
 * the index would expire too early, one PEXPIREAT. An overwrite already covered by its index (see
 * SET_SCRIPT) adds nothing to the index, so a running conversation's write is one `SET`. Each redis.call
 * costs about 1–3 µs of server time, several times a native command's, which is why the index is touched
 * only when needed. Arguments are passed as the strings the commands take (TTL text, not Lua numbers), and
 * the envelope head is built once per TTL.
 *
 * Needs Redis 7.0 (`PEXPIRETIME`); checked at connect.
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
 * envelope tail `"sk":"<encoded subject>","state":<json>}`; then per subject j: its encoded subject. A
 * session's index member, its encoded id, is the last segment of its key.
 *
 * Returns `{now, created_1..created_n}` (ms, server clock), or `{-1, i}` when write i names a live session
 * of another subject. Every check comes before the first write, so a refused batch changes nothing: one
 * MGET reads the live sessions (their `sk` must match; a string that is not an envelope counts as absent
 * and is overwritten as new), one EXISTS finds a key MGET could not read (a foreign key of another type
 * under the prefix: error reply). Then the indexes, then one `SET PXAT` per session (keeping `c` of a live
 * one). An error reply from SADD (a foreign index key) comes before any session is written; members
 * added to earlier indexes are harmless, since every reader checks a member's session and drops it.
 *
 * Index coverage: after a write of a session that expires at e with TTL t, its subject index expires no
 * earlier than cover(e, t) = (floor(e/q)+1)·q with q = clamp(floor(t/16), 1, 3600000) ms, the grid point
 * after e. An overwrite whose new cover is not later than its old session's cover (read from the old
 * envelope: q from e − u) therefore finds itself indexed and covered already, and skips SADD and the TTL
 * check; the other writes add their ids with one variadic SADD per subject, then read the index's
 * PEXPIRETIME and move it to the largest cover of the batch when it is earlier (or unset). The index thus
 * outlives its last session by less than q.
 */
export const SET_SCRIPT = `
local n = tonumber(ARGV[1])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local nowText = string.format('%.0f', now)
local floor = math.floor
local function cover(e, ttl)
  local q = floor(ttl / 16)
  if q < 1 then q = 1 elseif q > 3600000 then q = 3600000 end
  return (floor(e / q) + 1) * q
end
local olds = redis.call('MGET', unpack(KEYS, 1, n))
local skBase = 3 * n + 1
local created = {}
local absent = {}
local members = {}
local covers = {}
for i = 1, n do
  local a = 3 * i - 1
  local slot = tonumber(ARGV[a + 1])
  local ttl = tonumber(ARGV[a])
  local e = now + ttl
  local target = cover(e, ttl)
  local old = olds[i]
  local covered = false
  if old then
    local c, u, oe, sk = string.match(old, '^{"c":(%d+),"u":(%d+),"e":(%d+),"sk":"([^"]*)"')
    if c then
      if sk ~= ARGV[skBase + slot] then return {-1, i} end
      created[i] = c
      oe = tonumber(oe)
      covered = target <= cover(oe, oe - tonumber(u))
    end
  else
    absent[#absent + 1] = KEYS[i]
  end
  if not covered then
    local list = members[slot]
    if not list then
      list = {}
      members[slot] = list
      covers[slot] = target
    elseif target > covers[slot] then
      covers[slot] = target
    end
    -- The member is the encoded session id, the key's last segment (an encoded id holds no ':').
    list[#list + 1] = string.match(KEYS[i], '^.*:(.*)$')
  end
end
if #absent > 0 and redis.call('EXISTS', unpack(absent)) > 0 then
  return redis.error_reply('WRONGTYPE a key where a session would go holds another type')
end
for slot, list in pairs(members) do
  local index = KEYS[n + slot]
  -- Added even when the member might be there, so an index lost to a manual delete heals.
  local added = redis.pcall('SADD', index, unpack(list))
  if type(added) == 'table' then return added end
  local expires = redis.call('PEXPIRETIME', index)
  if expires < covers[slot] then
    redis.call('PEXPIREAT', index, string.format('%.0f', covers[slot]))
  end
end
local tails = {}
local ends = {}
local out = {now}
for i = 1, n do
  local a = 3 * i - 1
  local ttl = ARGV[a]
  local tail = tails[ttl]
  if not tail then
    ends[ttl] = string.format('%.0f', now + tonumber(ttl))
    tail = ',"u":' .. nowText .. ',"e":' .. ends[ttl] .. ','
    tails[ttl] = tail
  end
  local c = created[i] or nowText
  -- PXAT the envelope's own e: the key expires exactly when the envelope says (and PX would be rewritten
  -- to PXAT for propagation anyway).
  redis.call('SET', KEYS[i], '{"c":' .. c .. tail .. ARGV[a + 2], 'PXAT', ends[ttl])
  out[i + 1] = tonumber(c)
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
