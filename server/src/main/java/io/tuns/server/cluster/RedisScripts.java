package io.tuns.server.cluster;

/**
 * The Lua scripts the Redis store runs; each is one atomic step on the server. Keys: {@code tuns:n:<node>} (the
 * node's lease: its cluster address with a TTL), {@code tuns:r:<route>} (hash {@code node}, {@code owner}, no TTL:
 * a route is live only while its node's lease is), {@code tuns:gen} (random; a new value means the data was lost).
 * Only commands Redis 7 and Valkey share.
 */
final class RedisScripts {

    private RedisScripts() {
    }

    static final String NODE_PREFIX = "tuns:n:";
    static final String ROUTE_PREFIX = "tuns:r:";
    static final String GENERATION = "tuns:gen";

    /** KEYS: node, gen. ARGV: address, ttl ms (0 = none), a fresh generation. Returns the generation. */
    static final String JOIN = """
            if tonumber(ARGV[2]) > 0 then
              redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
            else
              redis.call('SET', KEYS[1], ARGV[1])
            end
            redis.call('SET', KEYS[2], ARGV[3], 'NX')
            return redis.call('GET', KEYS[2])
            """;

    /** KEYS: node, gen. ARGV: ttl ms. Returns the generation, or nil when the lease had lapsed. */
    static final String RENEW = """
            if redis.call('EXISTS', KEYS[1]) == 0 then return false end
            if tonumber(ARGV[1]) > 0 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
            return redis.call('GET', KEYS[2]) or ''
            """;

    /**
     * KEYS: route, own node. ARGV: node, owner, take-over ('1'/'0'), node key prefix.
     * Returns {outcome, previous node, previous owner}.
     */
    static final String CLAIM = """
            if redis.call('EXISTS', KEYS[2]) == 0 then return {'FENCED'} end
            local cur = redis.call('HMGET', KEYS[1], 'node', 'owner')
            local n, o = cur[1], cur[2]
            if not n then
              redis.call('HSET', KEYS[1], 'node', ARGV[1], 'owner', ARGV[2])
              return {'CLAIMED'}
            end
            if n == ARGV[1] and o == ARGV[2] then return {'HELD', n, o} end
            if redis.call('EXISTS', ARGV[4] .. n) == 0 then
              redis.call('HSET', KEYS[1], 'node', ARGV[1], 'owner', ARGV[2])
              return {'CLAIMED', n, o}
            end
            if ARGV[3] == '1' and o == ARGV[2] then
              redis.call('HSET', KEYS[1], 'node', ARGV[1], 'owner', ARGV[2])
              return {'TAKEN_OVER', n, o}
            end
            return {'TAKEN', n, o}
            """;

    /** KEYS: route. ARGV: node, owner. Deletes the route only if that holder still has it; returns 1 or 0. */
    static final String RELEASE = """
            local cur = redis.call('HMGET', KEYS[1], 'node', 'owner')
            if cur[1] == ARGV[1] and cur[2] == ARGV[2] then
              redis.call('DEL', KEYS[1])
              return 1
            end
            return 0
            """;

    /**
     * KEYS: routes, best first. ARGV: node key prefix. Returns {index (1-based), node, owner, address} of the first
     * route whose node lease is live, or an empty list.
     */
    static final String LOOKUP = """
            for i, k in ipairs(KEYS) do
              local cur = redis.call('HMGET', k, 'node', 'owner')
              if cur[1] then
                local addr = redis.call('GET', ARGV[1] .. cur[1])
                if addr then return {i, cur[1], cur[2], addr} end
              end
            end
            return {}
            """;

    /**
     * ARGV: route key pattern (tuns:r:tcp|*), node key prefix, route key prefix length, most routes. Returns
     * {route, node, ...} for the routes whose node lease is live. SCAN walks the key space in steps of 1000.
     */
    static final String ROUTES_OF_KIND = """
            local out = {}
            local cursor = '0'
            local max = tonumber(ARGV[4]) * 2
            repeat
              local r = redis.call('SCAN', cursor, 'MATCH', ARGV[1], 'COUNT', 1000)
              cursor = r[1]
              for _, k in ipairs(r[2]) do
                local node = redis.call('HGET', k, 'node')
                if node and #out < max and redis.call('EXISTS', ARGV[2] .. node) == 1 then
                  out[#out + 1] = string.sub(k, tonumber(ARGV[3]) + 1)
                  out[#out + 1] = node
                end
              end
            until cursor == '0' or #out >= max
            return out
            """;
}
