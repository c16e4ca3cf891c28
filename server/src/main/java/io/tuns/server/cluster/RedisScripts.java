package io.tuns.server.cluster;

/**
 * The Lua scripts the Redis store runs; each is one atomic step on the server. Keys: {@code tuns:n:<node>} (the
 * node's lease: its cluster address with a TTL), {@code tuns:r:<route>} (hash {@code node}, {@code owner}, no TTL:
 * a route is live only while its node's lease is), {@code tuns:gen} (random; a new value means the data was lost),
 * {@code tuns:feed} (the route change feed, a Stream: one entry per claim, take-over and release, appended by the
 * same script that made the change, so its order is the store's; trimmed to about {@link #FEED_MAXLEN} entries) and
 * {@code tuns:feed:seq} (the entries' running number: a reader that sees one missing knows it lost some).
 * Only commands Redis 7 and Valkey share.
 */
final class RedisScripts {

    private RedisScripts() {
    }

    static final String NODE_PREFIX = "tuns:n:";
    static final String ROUTE_PREFIX = "tuns:r:";
    static final String GENERATION = "tuns:gen";
    static final String FEED = "tuns:feed";
    static final String FEED_SEQ = "tuns:feed:seq";
    /** Entries the feed keeps (XADD MAXLEN ~, so a few more): a reader further behind misses some and re-checks. */
    static final int FEED_MAXLEN = 10_000;

    /**
     * Appends one feed entry: {@code s} running number, {@code op} (claimed / gone), {@code r} route, {@code n} node,
     * {@code o} owner, {@code a} the node's address. The entry id's milliseconds are Redis' clock at the change.
     */
    private static final String FEED_APPEND = """
            local function feed(feedKey, seqKey, op, route, node, owner, addr)
              local s = redis.call('INCR', seqKey)
              redis.call('XADD', feedKey, 'MAXLEN', '~', '%d', '*', 's', s, 'op', op, 'r', route, 'n', node,
                'o', owner, 'a', addr or '')
            end
            """.formatted(FEED_MAXLEN);

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
     * KEYS: route, own node, feed, feed seq. ARGV: node, owner, take-over ('1'/'0'), node key prefix, route name.
     * Returns {outcome, previous node, previous owner}; a change is appended to the feed.
     */
    static final String CLAIM = FEED_APPEND + """
            if redis.call('EXISTS', KEYS[2]) == 0 then return {'FENCED'} end
            local cur = redis.call('HMGET', KEYS[1], 'node', 'owner')
            local n, o = cur[1], cur[2]
            local function take()
              redis.call('HSET', KEYS[1], 'node', ARGV[1], 'owner', ARGV[2])
              feed(KEYS[3], KEYS[4], 'claimed', ARGV[5], ARGV[1], ARGV[2], redis.call('GET', KEYS[2]))
            end
            if not n then
              take()
              return {'CLAIMED'}
            end
            if n == ARGV[1] and o == ARGV[2] then return {'HELD', n, o} end
            if redis.call('EXISTS', ARGV[4] .. n) == 0 then
              take()
              return {'CLAIMED', n, o}
            end
            if ARGV[3] == '1' and o == ARGV[2] then
              take()
              return {'TAKEN_OVER', n, o}
            end
            return {'TAKEN', n, o}
            """;

    /**
     * KEYS: route, feed, feed seq. ARGV: node, owner, route name. Deletes the route only if that holder still has
     * it (and says so in the feed); returns 1 or 0.
     */
    static final String RELEASE = FEED_APPEND + """
            local cur = redis.call('HMGET', KEYS[1], 'node', 'owner')
            if cur[1] == ARGV[1] and cur[2] == ARGV[2] then
              redis.call('DEL', KEYS[1])
              feed(KEYS[2], KEYS[3], 'gone', ARGV[3], ARGV[1], ARGV[2], '')
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
