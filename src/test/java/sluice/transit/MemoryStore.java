package sluice.transit;

import java.io.IOException;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicBoolean;

/** A {@link TlsReportBook.Store} in memory that outlives the books opened on it (a "restart"), and can fail. */
final class MemoryStore implements TlsReportBook.Store {
    final Map<String, byte[]> entries = new TreeMap<>();
    final AtomicBoolean failing = new AtomicBoolean();

    @Override
    public synchronized Map<String, byte[]> read(String prefix) {
        Map<String, byte[]> out = new LinkedHashMap<>();
        entries.forEach((k, v) -> {
            if (k.startsWith(prefix)) out.put(k, v.clone());
        });
        return out;
    }

    @Override
    public synchronized void write(Map<String, byte[]> batch) throws IOException {
        if (failing.get()) throw new IOException("disk full (test)");
        batch.forEach((k, v) -> entries.put(k, v.clone()));
    }

    @Override
    public synchronized void remove(Collection<String> keys) throws IOException {
        if (failing.get()) throw new IOException("disk full (test)");
        keys.forEach(entries::remove);
    }
}
