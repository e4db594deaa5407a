package sluice.spool;

import java.nio.charset.StandardCharsets;

/** For tests of other rooms: stores an envelope record as raw bytes (damaged on purpose), bypassing the codec. */
public final class SpoolDamage {
    private SpoolDamage() {}

    public static void putRawEnvelope(Spool spool, String id, byte[] record) throws Exception {
        spool.db().put(spool.families().envelopes(), id.getBytes(StandardCharsets.US_ASCII), record);
    }
}
