package io.tuns.server.access;

import com.maxmind.db.NoCache;
import com.maxmind.db.Reader;
import java.io.Closeable;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The country of an IP address, from a MaxMind DB file ({@code --geodb-path}: GeoLite2-Country, DB-IP's
 * country lite database, or any database with {@code country.iso_code}). The file is memory-mapped, not read
 * onto the heap, and lookups are not cached, so the database costs no heap beyond its metadata.
 */
public final class CountryLookup implements Closeable {

    private final Reader reader;

    private CountryLookup(Reader reader) {
        this.reader = reader;
    }

    /** @throws IOException with a sentence for the operator when the file is missing or not a MaxMind DB */
    public static CountryLookup open(Path file) throws IOException {
        try {
            return new CountryLookup(new Reader(file.toFile(), Reader.FileMode.MEMORY_MAPPED, NoCache.getInstance()));
        } catch (IOException e) {
            throw new IOException("cannot read the country database " + file + ": " + e.getMessage(), e);
        }
    }

    /** Upper-case ISO 3166 code, or empty when the database has no country for the address (private ranges). */
    @SuppressWarnings("unchecked")
    public Optional<String> country(InetAddress address) {
        try {
            Map<String, Object> record = reader.get(address, Map.class);
            if (record == null) {
                return Optional.empty();
            }
            Object country = record.get("country");
            if (!(country instanceof Map)) {
                country = record.get("registered_country");
            }
            if (country instanceof Map<?, ?> c && c.get("iso_code") instanceof String code) {
                return Optional.of(code.toUpperCase(Locale.ROOT));
            }
            return Optional.empty();
        } catch (IOException | RuntimeException e) {
            return Optional.empty(); // a corrupt record: treated as unknown, which a whitelist refuses
        }
    }

    @Override
    public void close() throws IOException {
        reader.close();
    }
}
