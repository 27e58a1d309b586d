import Redis

/// The server-side check that makes online writes point-in-time correct.
///
/// Each view's field holds its last `keep` versions, newest first, as a MessagePack array of
/// `[event_ts µs, created_ts µs (-1 when unknown), values]`. A write is placed by
/// (event_ts, created_ts): an older event never displaces a newer one, at an equal event time
/// the larger created time wins (as in the offline tie-break; Feast does not do this), and a
/// repeated (event_ts, created_ts) replaces that version (the later write wins, as later
/// ingestion does offline). A version older than all `keep` kept ones is dropped.
/// Returns 1 when the write became the current version, 0 when it went into the history,
/// -1 when it was too old to keep.
///
/// Expiry: a view without TTL marks the hash persistent; otherwise the hash expires at the
/// latest expiry any of its views asked for, so one view's TTL never cuts another's short.
enum OnlineWriteScript {
    static let script = RedisScript("""
        local field = ARGV[1]
        local ts = tonumber(ARGV[2])
        local cts = tonumber(ARGV[3])
        local keep = tonumber(ARGV[5])
        local raw = redis.call('HGET', KEYS[1], field)
        local versions = {}
        if raw then versions = cmsgpack.unpack(raw) end
        local position = #versions + 1
        local replaced = false
        for i, v in ipairs(versions) do
          if v[1] == ts and v[2] == cts then
            versions[i] = {ts, cts, ARGV[4]}
            position = i
            replaced = true
            break
          end
          if ts > v[1] or (ts == v[1] and cts > v[2]) then
            position = i
            break
          end
        end
        if not replaced then
          if position > keep then return -1 end
          table.insert(versions, position, {ts, cts, ARGV[4]})
          while #versions > keep do table.remove(versions) end
        end
        redis.call('HSET', KEYS[1], field, cmsgpack.pack(versions))
        local expire_at = tonumber(ARGV[6])
        if expire_at == 0 then
          redis.call('HSET', KEYS[1], '_persist', '1')
          redis.call('PERSIST', KEYS[1])
        elseif redis.call('HEXISTS', KEYS[1], '_persist') == 0 then
          local current = redis.call('PEXPIRETIME', KEYS[1])
          if current < expire_at then redis.call('PEXPIREAT', KEYS[1], expire_at) end
        end
        if position == 1 then return 1 end
        return 0
        """)
}
