/**
 * Transit security of outbound mail: which TLS a delivery to an MX host must have (DANE, RFC 7672; MTA-STS, RFC 8461),
 * the trust used to verify it, REQUIRETLS's rules (RFC 8689) and the daily TLS reports (RFC 8460). {@code delivery}
 * asks this room before it connects and tells it how each attempt went; this room never opens an SMTP connection.
 * The daily reports are counted by {@link sluice.transit.TlsReportBook} and sent by {@link sluice.transit.TlsReporter},
 * which queues mail through an interface the node wires to the queue (this room does not import it).
 * Arrows: transit → dns, config, smtp (values only).
 */
package sluice.transit;
