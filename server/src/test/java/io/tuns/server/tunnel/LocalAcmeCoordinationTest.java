package io.tuns.server.tunnel;

import java.time.Clock;

/** The single-node default keeps the coordination contract in memory. */
class LocalAcmeCoordinationTest extends AcmeCoordinationContract {

    @Override
    protected AcmeCoordination newCoordination() {
        return new LocalAcmeCoordination(Clock.systemUTC());
    }
}
