package sluice.delivery;

import java.net.InetAddress;

/** An outbound source: connections bind to {@code address} and say {@code ehlo}. */
public record EgressSource(String name, InetAddress address, String ehlo) {
    public String ip() {
        return address.getHostAddress();
    }
}
