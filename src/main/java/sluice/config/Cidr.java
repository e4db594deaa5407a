package sluice.config;

import java.net.InetAddress;
import java.util.Arrays;

/** An IPv4 or IPv6 network in CIDR notation. Parsing never performs a DNS lookup. */
public record Cidr(byte[] network, int prefixLength) {

    public Cidr {
        network = network.clone();
    }

    /** Parses "10.0.0.0/8", "::1/128" or a bare address (a host route). Throws IllegalArgumentException. */
    public static Cidr parse(String text) {
        String s = text.strip();
        int slash = s.indexOf('/');
        String addr = slash < 0 ? s : s.substring(0, slash);
        byte[] bytes = IpLiterals.parse(addr);
        if (bytes == null) throw new IllegalArgumentException("not an IP address: " + addr);
        // InetAddress turns "::ffff:a.b.c.d" into 4 bytes, yet its prefix counts the 128 bits written.
        boolean mapped = bytes.length == 4 && addr.indexOf(':') >= 0;
        int max = mapped ? 128 : bytes.length * 8;
        int prefix = max;
        if (slash >= 0) {
            try {
                prefix = Integer.parseInt(s.substring(slash + 1));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("bad prefix length in " + s);
            }
            if (prefix < 0 || prefix > max) throw new IllegalArgumentException("prefix length out of range in " + s);
        }
        if (mapped) {
            if (prefix >= 96) return new Cidr(mask(bytes, prefix - 96), prefix - 96);
            return new Cidr(mask(toMapped(bytes), prefix), prefix);
        }
        return new Cidr(mask(bytes, prefix), prefix);
    }

    /** A copy: the record must stay immutable. */
    @Override
    public byte[] network() {
        return network.clone();
    }

    public boolean contains(InetAddress address) {
        byte[] a = address.getAddress();
        if (a.length != network.length) {
            // IPv4-mapped IPv6 (::ffff:a.b.c.d) against an IPv4 network
            if (a.length == 16 && network.length == 4 && isV4Mapped(a)) {
                a = Arrays.copyOfRange(a, 12, 16);
            } else {
                return false;
            }
        }
        return Arrays.equals(mask(a, prefixLength), network);
    }

    private static byte[] toMapped(byte[] v4) {
        byte[] v6 = new byte[16];
        v6[10] = (byte) 0xff;
        v6[11] = (byte) 0xff;
        System.arraycopy(v4, 0, v6, 12, 4);
        return v6;
    }

    private static boolean isV4Mapped(byte[] a) {
        for (int i = 0; i < 10; i++) if (a[i] != 0) return false;
        return a[10] == (byte) 0xff && a[11] == (byte) 0xff;
    }

    private static byte[] mask(byte[] bytes, int prefix) {
        byte[] out = bytes.clone();
        for (int i = 0; i < out.length; i++) {
            int bits = Math.max(0, Math.min(8, prefix - i * 8));
            out[i] = (byte) (out[i] & (0xff << (8 - bits)));
        }
        return out;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Cidr c && c.prefixLength == prefixLength && Arrays.equals(c.network, network);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(network) * 31 + prefixLength;
    }

    @Override
    public String toString() {
        try {
            return InetAddress.getByAddress(network).getHostAddress() + "/" + prefixLength;
        } catch (java.net.UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }
}
