// The two server-side scripts: each runs atomically on the one key of a lock, so a read and
// a compare-and-swap (with its change notice) are single steps on the server.
//
// A lock's key is a hash:
//   value    the record (absent: the lock has no record)
//   version  Redis TIME in microseconds at the last write, or one more than the version before,
//            whichever is larger: it never repeats, even after a restart that lost the data
//   floor    Redis TIME in microseconds when this key was first seen on this data set; a record
//            created here must have a fencing counter at least this high (see README: tokens)
//
// Replies are arrays whose first element says what happened:
//   1 = found/written, 0 = absent, 2 = version mismatch (with the value and version there are,
//   if any), 3 = counter below floor, -1 = foreign.

/** KEYS[1]: the lock's key. */
export const READ_SCRIPT = `
local key = KEYS[1]
local kind = redis.call('TYPE', key).ok
if kind ~= 'none' and kind ~= 'hash' then return {-1, kind} end
local f = redis.call('HMGET', key, 'value', 'version', 'floor')
if kind == 'hash' and not f[2] and not f[3] then return {-1, 'hash without lockgate fields'} end
if f[1] then
  if not f[2] then return {-1, 'hash without a version'} end
  return {1, f[1], f[2]}
end
local floor = f[3]
if not floor then
  local now = redis.call('TIME')
  floor = now[1] .. string.format('%06d', now[2])
  redis.call('HSET', key, 'floor', floor)
end
return {0, floor, f[2] or '0'}
`;

/**
 * KEYS[1]: the lock's key. ARGV[1]: the new value ('' with ARGV[3] = 'd' to delete).
 * ARGV[2]: the expected version, '' for "absent". ARGV[3]: 'w' write, 'd' delete.
 */
export const WRITE_SCRIPT = `
local key = KEYS[1]
local kind = redis.call('TYPE', key).ok
if kind ~= 'none' and kind ~= 'hash' then return {-1, kind} end
local f = redis.call('HMGET', key, 'value', 'version', 'floor')
if kind == 'hash' and not f[2] and not f[3] then return {-1, 'hash without lockgate fields'} end
if ARGV[2] == '' then
  if f[1] then return {2, f[1], f[2]} end
elseif f[1] and f[2] ~= ARGV[2] then
  return {2, f[1], f[2]}
elseif not f[1] then
  return {2}
end
local now = redis.call('TIME')
local nowUs = now[1] .. string.format('%06d', now[2])
local floor = f[3]
if not floor then
  floor = nowUs
  redis.call('HSET', key, 'floor', floor)
end
local version = tonumber(nowUs)
local before = tonumber(f[2] or '0') or 0
if before >= version then version = before + 1 end
version = string.format('%.0f', version)
if ARGV[3] == 'd' then
  redis.call('HDEL', key, 'value')
  redis.call('HSET', key, 'version', version)
  redis.call('PUBLISH', key, 'd' .. version)
  return {1, version}
end
if ARGV[2] == '' then
  local ok, record = pcall(cjson.decode, ARGV[1])
  if ok and type(record) == 'table' and record.lockgate ~= nil and type(record.token) == 'number'
    and record.token < tonumber(floor) then
    return {3, floor}
  end
end
redis.call('HSET', key, 'value', ARGV[1], 'version', version)
redis.call('PUBLISH', key, 'v' .. version .. '\\n' .. ARGV[1])
return {1, version}
`;
