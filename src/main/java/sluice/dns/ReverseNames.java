package sluice.dns;

import java.net.InetAddress;

/** Names under which an IP address is looked up in reverse-style zones (PTR, DNSBLs). */
public final class ReverseNames {
    private ReverseNames() {}

    /** 192.0.2.1 → 1.2.0.192; an IPv6 address → its 32 nibbles reversed (RFC 5782 section 2.4). */
    public static String reversed(InetAddress ip) {
        byte[] b = ip.getAddress();
        StringBuilder sb = new StringBuilder();
        if (b.length == 4) {
            for (int i = 3; i >= 0; i--) sb.append(b[i] & 0xff).append(i > 0 ? "." : "");
        } else {
            for (int i = b.length - 1; i >= 0; i--) {
                sb.append(Character.forDigit(b[i] & 0xf, 16)).append('.').append(Character.forDigit((b[i] >> 4) & 0xf, 16));
                if (i > 0) sb.append('.');
            }
        }
        return sb.toString();
    }

    /** The name queried to ask whether {@code ip} is listed in DNSBL {@code zone} (RFC 5782). */
    public static String dnsbl(InetAddress ip, String zone) {
        return reversed(ip) + "." + zone;
    }
}
