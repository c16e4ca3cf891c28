package io.tuns.server.cli;

import io.tuns.server.config.ServerConfig;

/** Runs the server with a loaded configuration; returns only when it has stopped. A seam for testing {@link Main}. */
@FunctionalInterface
interface ServerLauncher {
    void launch(ServerConfig config) throws Exception;
}
