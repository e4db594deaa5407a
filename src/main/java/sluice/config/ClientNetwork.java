package sluice.config;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Arrays;

/**
 * What the per-client limits (connections and rates per IP, AUTH lockout) count by: an IPv4 address as it is,
 * an IPv6 address as the network of its first {@code ipv6Prefix} bits. An IPv6 customer usually holds a whole
 * /64, so keying on the full address would hand an attacker 2^64 fresh counters. IPv4-mapped IPv6 addresses
 * (::ffff:a.b.c.d) count as their IPv4 address. Builds addresses from bytes only: never a DNS lookup.
 */
public final class ClientNetwork {
    public static final int DEFAULT_IPV6_PREFIX = 64;
    public static final int MIN_IPV6_PREFIX = 32;
    public static final int MAX_IPV6_PREFIX = 128;

    private ClientNetwork() {}

    /** The key {@code client} is counted under: the IPv4 address, or the IPv6 network (host bits zero). */
    public static InetAddress of(InetAddress client, int ipv6Prefix) {
        byte[] b = client.getAddress();
        if (client instanceof Inet6Address) {
            b = isIpv4Mapped(b) ? Arrays.copyOfRange(b, 12, 16) : mask(b, ipv6Prefix);
        }
        try {
            return InetAddress.getByAddress(b); // drops any host name and scope id, so equal networks are equal keys
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("bad address length " + b.length, e);
        }
    }

    private static byte[] mask(byte[] b, int prefix) {
        byte[] out = b.clone();
        for (int i = 0; i < out.length; i++) {
            int bits = Math.min(8, Math.max(0, prefix - 8 * i));
            out[i] &= (byte) (0xff << (8 - bits));
        }
        return out;
    }

    private static boolean isIpv4Mapped(byte[] b) {
        for (int i = 0; i < 10; i++) {
            if (b[i] != 0) return false;
        }
        return b[10] == (byte) 0xff && b[11] == (byte) 0xff;
    }
}
