package sluice.transit;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPOutputStream;

/**
 * One aggregate TLS report (RFC 8460 4.4) of one policy domain's UTC day: the JSON, its gzip (what is sent, as
 * {@code application/tlsrpt+gzip}) and the file name RFC 8460 5.3 gives it.
 *
 * @param organization the submitter's name ({@code organization-name}): the host name
 * @param contact      {@code contact-info}: an address to ask about the report
 * @param reportId     {@code report-id}, unique per report and kept for its retries
 */
public record TlsReport(String organization, String contact, String reportId, DayCounts counts) {
    public static final String MEDIA_TYPE = "application/tlsrpt+gzip";
    private static final ObjectMapper JSON = new ObjectMapper();

    /** The report as RFC 8460 4.4 lays it out. */
    public byte[] json() {
        ObjectNode o = JSON.createObjectNode();
        o.put("organization-name", organization);
        ObjectNode range = o.putObject("date-range");
        range.put("start-datetime", counts.day() + "T00:00:00Z");
        range.put("end-datetime", counts.day() + "T23:59:59Z");
        o.put("contact-info", contact);
        o.put("report-id", reportId);
        ArrayNode policies = o.putArray("policies");
        for (DayCounts.Policy p : counts.policies()) {
            ObjectNode entry = policies.addObject();
            ObjectNode policy = entry.putObject("policy");
            policy.put("policy-type", p.type());
            if (!p.strings().isEmpty()) {
                ArrayNode s = policy.putArray("policy-string");
                p.strings().forEach(s::add);
            }
            policy.put("policy-domain", counts.domain());
            List<String> mx = mxHosts(p);
            if (!mx.isEmpty()) {
                ArrayNode m = policy.putArray("mx-host");
                mx.forEach(m::add);
            }
            ObjectNode summary = entry.putObject("summary");
            summary.put("total-successful-session-count", p.successes());
            summary.put("total-failure-session-count", p.failures());
            if (!p.details().isEmpty()) {
                ArrayNode details = entry.putArray("failure-details");
                for (DayCounts.Failure f : p.details()) {
                    ObjectNode d = details.addObject();
                    d.put("result-type", f.type().text());
                    if (f.sendingIp() != null) d.put("sending-mta-ip", f.sendingIp());
                    if (f.mxHost() != null) d.put("receiving-mx-hostname", f.mxHost());
                    if (f.receivingIp() != null) d.put("receiving-ip", f.receivingIp());
                    d.put("failed-session-count", f.count());
                    if (f.reason() != null) d.put("failure-reason-code", f.reason());
                }
            }
        }
        try {
            return JSON.writeValueAsBytes(o);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The MX hosts a policy entry is about: an MTA-STS policy's {@code mx} patterns, else the host counted. */
    private static List<String> mxHosts(DayCounts.Policy p) {
        if (p.type().equals("sts")) {
            List<String> out = new ArrayList<>();
            for (String line : p.strings()) {
                int colon = line.indexOf(':');
                if (colon > 0 && line.substring(0, colon).strip().equalsIgnoreCase("mx")) out.add(line.substring(colon + 1).strip());
            }
            return out;
        }
        return p.mxHost().isEmpty() || p.mxHost().equals("null") ? List.of() : List.of(p.mxHost());
    }

    /** {@link #json()}, gzip'd. */
    public byte[] gzip() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(json());
        } catch (IOException e) {
            throw new UncheckedIOException(e); // in memory: not expected
        }
        return out.toByteArray();
    }

    /**
     * RFC 8460 5.3's {@code sender "!" policy-domain "!" begin-timestamp "!" end-timestamp "!" unique-id ".json.gz"},
     * timestamps in seconds since the epoch.
     */
    public String fileName(String submitter) {
        long begin = counts.day().atStartOfDay().toEpochSecond(ZoneOffset.UTC);
        int at = reportId.indexOf('@');
        String unique = (at > 0 ? reportId.substring(0, at) : reportId).replaceAll("[^A-Za-z0-9]", "");
        if (unique.isEmpty()) unique = "0";
        return submitter + "!" + counts.domain() + "!" + begin + "!" + (begin + 86_399) + "!" + unique + ".json.gz";
    }
}
