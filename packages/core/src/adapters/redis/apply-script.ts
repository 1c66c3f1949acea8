/**
 * The Lua script that applies one event to the live read model: it checks the stream's
 * applied version and, only when the event is the next one, runs the event's commands and
 * records the version — all atomically. Returns {1, v} applied, {0, applied} duplicate
 * (already applied), {-1, applied} gap (an earlier version is missing).
 *
 * Keys inside the commands all carry the tenant's hash tag, so they share a cluster slot
 * with KEYS[1].
 */
export const APPLY_EVENT_LUA = `
local applied = tonumber(redis.call('HGET', KEYS[1], ARGV[1]) or '0')
local v = tonumber(ARGV[2])
if v <= applied then return {0, applied} end
if v > applied + 1 then return {-1, applied} end
local allowed = { HSET=true, HDEL=true, SADD=true, SREM=true, HINCRBY=true, EXPIRE=true, PEXPIRE=true,
  ZADD=true, ZREMRANGEBYRANK=true, XADD=true, DEL=true }
local ops = cjson.decode(ARGV[3])
for _, op in ipairs(ops) do
  local cmd = op[1]
  if cmd == 'HMAX' then
    local cur = tonumber(redis.call('HGET', op[2], op[3]) or '-1')
    if tonumber(op[4]) > cur then redis.call('HSET', op[2], op[3], op[4]) end
  elseif cmd == 'DELTRACKED' then
    local members = redis.call('SMEMBERS', op[2])
    for _, k in ipairs(members) do redis.call('DEL', k) end
    redis.call('DEL', op[2])
  elseif allowed[cmd] then
    redis.call(unpack(op))
  else
    return redis.error_reply('live projector: command not allowed: ' .. tostring(cmd))
  end
end
redis.call('HSET', KEYS[1], ARGV[1], v)
return {1, v}
`;

export type ApplyOutcome = "applied" | "duplicate" | "gap";

export function applyOutcome(reply: unknown): { outcome: ApplyOutcome; applied: number } {
  const [code, applied] = reply as [number, number];
  return { outcome: code === 1 ? "applied" : code === 0 ? "duplicate" : "gap", applied: Number(applied) };
}
