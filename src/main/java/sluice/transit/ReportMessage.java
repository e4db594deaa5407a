package sluice.transit;

import java.nio.charset.StandardCharsets;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Base64;

/**
 * A TLS report as mail (RFC 8460 5.3): multipart/report with report-type "tlsrpt", the gzip'd JSON attached as
 * {@code application/tlsrpt+gzip}, the subject and {@code TLS-Report-*} fields the RFC names, and
 * {@code TLS-Required: No} (RFC 8689 5: a report about TLS trouble must be able to travel despite it).
 */
public final class ReportMessage {
    private ReportMessage() {}

    /**
     * @param from      the report's From address
     * @param to        the rua address
     * @param submitter the submitting host (our host name)
     * @param messageId a whole Message-ID with its angle brackets
     */
    public static byte[] build(TlsReport report, String from, String to, String submitter, String messageId,
                               ZonedDateTime date, String boundary) {
        String domain = report.counts().domain();
        StringBuilder m = new StringBuilder(4096);
        header(m, "From", "<" + from + ">");
        header(m, "To", "<" + to + ">");
        header(m, "Date", DateTimeFormatter.RFC_1123_DATE_TIME.format(date));
        header(m, "Subject", "Report Domain: " + domain + "\r\n Submitter: " + submitter
                + "\r\n Report-ID: <" + report.reportId() + ">");
        header(m, "Message-ID", messageId);
        header(m, "TLS-Report-Domain", domain);
        header(m, "TLS-Report-Submitter", submitter);
        header(m, "TLS-Required", "No");
        header(m, "Auto-Submitted", "auto-generated");
        header(m, "MIME-Version", "1.0");
        header(m, "Content-Type", "multipart/report; report-type=\"tlsrpt\";\r\n boundary=\"" + boundary + "\"");
        m.append("\r\nThis is a multipart message in MIME format.\r\n\r\n");
        m.append("--").append(boundary).append("\r\n");
        header(m, "Content-Type", "text/plain; charset=\"us-ascii\"");
        header(m, "Content-Transfer-Encoding", "7bit");
        m.append("\r\nThis is an aggregate TLS report from ").append(submitter).append(" about mail to ").append(domain)
                .append(" on ").append(report.counts().day()).append(" (UTC).\r\n\r\n");
        m.append("--").append(boundary).append("\r\n");
        header(m, "Content-Type", TlsReport.MEDIA_TYPE);
        header(m, "Content-Transfer-Encoding", "base64");
        header(m, "Content-Disposition", "attachment;\r\n filename=\"" + report.fileName(submitter) + "\"");
        m.append("\r\n");
        m.append(Base64.getMimeEncoder(76, new byte[] {'\r', '\n'}).encodeToString(report.gzip())).append("\r\n");
        m.append("--").append(boundary).append("--\r\n");
        return m.toString().getBytes(StandardCharsets.US_ASCII);
    }

    private static void header(StringBuilder m, String name, String value) {
        m.append(name).append(": ").append(value).append("\r\n");
    }
}
