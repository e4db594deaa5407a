package sluice.dns;

import java.util.List;

/**
 * What a DNS blocklist zone says about one IP address (RFC 5782): listed with its 127.0.0.x codes, not listed, the
 * list's own refusal codes (127.255.255.x: queried through a public resolver, over quota), or no answer at all.
 */
public sealed interface DnsblAnswer {

    /** Listed: the A records in 127.0.0.0/8 the zone gave (127.0.0.1 and the refusal codes left out). */
    record Listed(List<String> codes) implements DnsblAnswer {
        public Listed {
            codes = List.copyOf(codes);
        }
    }

    /** Not listed: NXDOMAIN, no A record, or only answers that are not listing codes. */
    record NotListed() implements DnsblAnswer {}

    /** The list would not answer this asker (e.g. Spamhaus 127.255.255.254: "query via a public resolver"). */
    record Refused(List<String> codes) implements DnsblAnswer {
        public Refused {
            codes = List.copyOf(codes);
        }
    }

    /** Transient: SERVFAIL, timeout, network error. Never a listing. */
    record Failed(String detail) implements DnsblAnswer {}
}
