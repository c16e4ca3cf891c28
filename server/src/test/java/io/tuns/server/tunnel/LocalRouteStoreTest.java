package io.tuns.server.tunnel;

/** The in-memory store keeps the contract (the Redis store runs the same cases in RedisRouteStoreTest). */
class LocalRouteStoreTest extends RouteStoreContract {

    private LocalRouteStore local;

    @Override
    protected RouteStore newStore() {
        local = new LocalRouteStore();
        return local;
    }

    @Override
    protected void wipe() {
        local.forget();
    }
}
