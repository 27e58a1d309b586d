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
    /// Arguments: `ARGV[1]` is keep (versions per view); then per key its view field, the new
    /// version already packed as a one-version list `[[event, created, values]]`, and the
    /// expire-at time in ms. A field written for the first time takes that list as is, with no
    /// MessagePack work on the server (the common case when materializing); event and created
    /// time are unpacked from it only when there is something to compare with. Few arguments
    /// per key matter: Redis spends about as long turning arguments into Lua strings as it
    /// spends on the commands themselves.
    static let argumentsPerKey = 3

    /// Handles any number of keys in one call (`KEYS[i]` with `ARGV[1 + 3(i-1) + 1 ...]`), so a
    /// materialization pays the script-call overhead once per batch, not once per row. With
    /// Redis Cluster every call carries one key (or keys of one slot).
    static let script = RedisScript("""
        local results = {}
        local keep = tonumber(ARGV[1])
        for k = 1, #KEYS do
          local key = KEYS[k]
          local base = 1 + (k - 1) * 3
          local field = ARGV[base + 1]
          local packed = ARGV[base + 2]
          local expire_at = tonumber(ARGV[base + 3])
          -- A key that does not exist yet (the usual case when materializing new entities)
          -- takes three calls: no read of the field, no merge.
          local current = redis.call('PEXPIRETIME', key)
          local raw = false
          if current ~= -2 then raw = redis.call('HGET', key, field) end
          local versions = {}
          local ts, cts, payload = nil, nil, nil
          if raw then
            versions = cmsgpack.unpack(raw)
            local new = cmsgpack.unpack(packed)[1]
            ts, cts, payload = new[1], new[2], new[3]
          end
          local position = #versions + 1
          local replaced = false
          local unchanged = false
          for i, v in ipairs(versions) do
            if v[1] == ts and v[2] == cts then
              -- The same version again (a re-run): rewrite only if its values differ.
              unchanged = v[3] == payload
              versions[i] = {ts, cts, payload}
              position = i
              replaced = true
              break
            end
            if ts > v[1] or (ts == v[1] and cts > v[2]) then
              position = i
              break
            end
          end
          if not replaced and position > keep then
            results[k] = -1
          else
            if not raw then
              redis.call('HSET', key, field, packed)
            elseif not unchanged then
              if not replaced then
                table.insert(versions, position, {ts, cts, payload})
                while #versions > keep do table.remove(versions) end
              end
              redis.call('HSET', key, field, cmsgpack.pack(versions))
            end
            if expire_at == 0 then
              redis.call('HSET', key, '_persist', '1')
              if current ~= -1 then redis.call('PERSIST', key) end
            elseif current == -2 then
              redis.call('PEXPIREAT', key, expire_at)
            elseif current == -1 then
              if redis.call('HEXISTS', key, '_persist') == 0 then redis.call('PEXPIREAT', key, expire_at) end
            elseif current < expire_at then
              redis.call('PEXPIREAT', key, expire_at)
            end
            if position == 1 then results[k] = 1 else results[k] = 0 end
          end
        end
        return results
        """)
}
