package sluice.dns;

import java.util.List;
import org.xbill.DNS.Record;

/** What the name servers said about one (name, type) question, CNAMEs already followed; TTLs in seconds. */
sealed interface RecordAnswer {

    /** Records of the asked type; {@code ttl} is the smallest TTL along the CNAME chain. */
    record Found(List<Record> records, long ttl) implements RecordAnswer {}

    /** NXDOMAIN; {@code ttl} from the SOA in the authority section (RFC 2308). */
    record NxDomain(long ttl) implements RecordAnswer {}

    /** NOERROR without records of the type (NODATA); {@code ttl} as for NXDOMAIN. */
    record NoData(long ttl) implements RecordAnswer {}

    /** SERVFAIL, REFUSED, timeout or network error from every server. */
    record Failed(String detail) implements RecordAnswer {}
}
