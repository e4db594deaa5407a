package sluice.dns;

import java.util.HexFormat;

/** One TLSA record (RFC 6698 2.1): certificate usage, selector, matching type and the association data. */
public record Tlsa(int usage, int selector, int matchingType, byte[] data) {
    public Tlsa {
        data = data.clone();
    }

    @Override
    public byte[] data() {
        return data.clone();
    }

    /** "3 1 1 a1b2c3d4…": enough of the data to tell records apart in a log line. */
    @Override
    public String toString() {
        String hex = HexFormat.of().formatHex(data);
        return usage + " " + selector + " " + matchingType + " " + (hex.length() > 8 ? hex.substring(0, 8) + "…" : hex);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Tlsa t && t.usage == usage && t.selector == selector && t.matchingType == matchingType
                && java.util.Arrays.equals(t.data, data);
    }

    @Override
    public int hashCode() {
        return java.util.Objects.hash(usage, selector, matchingType, java.util.Arrays.hashCode(data));
    }
}
