package io.tuns.server.tls;

/** What the certificate store reports as certificates come and go (the metrics adapter in the wiring). */
public interface CertificateEvents {

    CertificateEvents NONE = new CertificateEvents() {
        @Override
        public void loaded(String name, long notAfterEpochSeconds) {
        }

        @Override
        public void removed(String name) {
        }
    };

    /** A pair named {@code name} (its file name without {@code .crt}) is served; re-sent when it changes. */
    void loaded(String name, long notAfterEpochSeconds);

    void removed(String name);
}
