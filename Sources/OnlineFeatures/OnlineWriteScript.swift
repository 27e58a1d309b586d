import Redis

/// The server-side check that makes online writes point-in-time correct.
///
/// Each view's field holds its last `keep` versions, newest first, as a MessagePack array of
/// `[event_ts µs, created_ts µs (-1 when unknown), values]`. A write is placed by
/// (event_ts, created_ts): an older event never displaces a newer one, at an equal event time
/// the larger created time wins (as in the offline tie-break; Feast does not do this), and a
/// repeated (event_ts, created_ts) replaces that version (the later write wins, as later
/// ingestion does offline). A version older than all `keep` kept ones is dropped.
/// Returns per key 1 when the write became the current version, 0 when it went into the
/// history, -1 when it was too old to keep, and -2 when the field held something that is not a
/// version list (corrupt): that key is left untouched and reported, the other keys of the call
/// are written as usual (the script never fails halfway).
///
/// Expiry: each view records the expiry it asks for in the field `_ttl:<view>` (epoch ms, 0 for
/// a view without TTL). The hash lives as long as its longest-lived view: it is persistent
/// while any view asks for 0, else it expires at the latest time asked for. Because every view
/// keeps its own marker, the rule stays right when a view gains a TTL or is cleared
/// (`RedisOnlineStore+Clear.swift` recomputes it). View names never begin with `_`
/// (`StorageNames`), so these fields cannot collide with a view. A view field without a marker
/// (written before markers existed) counts as persistent; the old shared `_persist` field is
/// dropped whenever the expiry is recomputed.
enum OnlineWriteScript {
    /// Arguments: `ARGV[1]` is keep (versions per view); then per key its view field, the new
    /// version already packed as a one-version list `[[event, created, values]]`, and the
    /// expire-at time in ms. A field written for the first time takes that list as is, with no
    /// MessagePack work on the server (the common case when materializing); event and created
    /// time are unpacked from it only when there is something to compare with. Few arguments
    /// per key matter: Redis spends about as long turning arguments into Lua strings as it
    /// spends on the commands themselves.
    static let argumentsPerKey = 3

    /// The Lua function `recompute_expiry(key)`: sets the hash's expiry from its views' markers,
    /// deletes the hash when no view field is left; shared by the write and clear scripts.
    static let recomputeExpiry = """
        local function recompute_expiry(key)
          local names = redis.call('HKEYS', key)
          local views, markers = {}, {}
          for _, name in ipairs(names) do
            if string.sub(name, 1, 1) ~= '_' then
              views[#views + 1] = name
              markers[#markers + 1] = '_ttl:' .. name
            end
          end
          if #views == 0 then
            redis.call('UNLINK', key)
            return
          end
          redis.call('HDEL', key, '_persist')
          local latest = 0
          local values = redis.call('HMGET', key, unpack(markers))
          for _, value in ipairs(values) do
            local at = tonumber(value) or 0
            if at == 0 then
              redis.call('PERSIST', key)
              return
            end
            if at > latest then latest = at end
          end
          redis.call('PEXPIREAT', key, latest)
        end
        """

    /// Handles any number of keys in one call (`KEYS[i]` with `ARGV[1 + 3(i-1) + 1 ...]`), so a
    /// materialization pays the script-call overhead once per batch, not once per row. With
    /// Redis Cluster every call carries one key (or keys of one slot).
    static let script = RedisScript(recomputeExpiry + """

        -- A field holds a list of {event, created, payload} with numeric times, or is corrupt.
        local function version_list(raw)
          local ok, versions = pcall(cmsgpack.unpack, raw)
          if not ok or type(versions) ~= 'table' then return nil end
          for _, v in ipairs(versions) do
            if type(v) ~= 'table' or type(v[1]) ~= 'number' or type(v[2]) ~= 'number' then return nil end
          end
          return versions
        end

        local results = {}
        local keep = tonumber(ARGV[1])
        for k = 1, #KEYS do
          local key = KEYS[k]
          local base = 1 + (k - 1) * 3
          local field = ARGV[base + 1]
          local packed = ARGV[base + 2]
          local expire_text = ARGV[base + 3]
          local expire_at = tonumber(expire_text)
          local marker = '_ttl:' .. field
          -- A key that does not exist yet (the usual case when materializing new entities)
          -- takes two or three calls: no read of the field, no merge.
          local current = redis.call('PEXPIRETIME', key)
          local raw = false
          if current ~= -2 then raw = redis.call('HGET', key, field) end
          local versions = {}
          local ts, cts, payload = nil, nil, nil
          local corrupt = false
          if raw then
            versions = version_list(raw)
            if versions == nil then
              corrupt = true
            else
              local new = cmsgpack.unpack(packed)[1]
              ts, cts, payload = new[1], new[2], new[3]
            end
          end
          if corrupt then
            results[k] = -2
          else
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
                redis.call('HSET', key, field, packed, marker, expire_text)
              else
                if not unchanged then
                  if not replaced then
                    table.insert(versions, position, {ts, cts, payload})
                    while #versions > keep do table.remove(versions) end
                  end
                  redis.call('HSET', key, field, cmsgpack.pack(versions), marker, expire_text)
                else
                  redis.call('HSET', key, marker, expire_text)
                end
              end
              if expire_at == 0 then
                if current ~= -1 then redis.call('PERSIST', key) end
              elseif current == -2 then
                redis.call('PEXPIREAT', key, expire_text)
              elseif current == -1 then
                -- Persistent: maybe only because of this view's old marker, or a legacy field.
                recompute_expiry(key)
              elseif current < expire_at then
                redis.call('PEXPIREAT', key, expire_text)
              end
              if position == 1 then results[k] = 1 else results[k] = 0 end
            end
          end
        end
        return results
        """)
}
