package sluice.observe;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.EOFException;
import java.io.IOException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.PortUnreachableException;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.util.stream.Stream;
import javax.net.ssl.SSLHandshakeException;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The I/O failures people meet, in words: no Java class name ever reaches them. */
class FailureTextTest {
    static Stream<Arguments> failures() {
        String dns = "the DNS server 10.255.255.53:53";
        return Stream.of(
                Arguments.of(new SocketException("Network is unreachable"), dns,
                        "no route to the DNS server 10.255.255.53:53 (network unreachable)"),
                Arguments.of(new NoRouteToHostException("No route to host"), "mx.example.com:25",
                        "no route to mx.example.com:25 (network unreachable)"),
                Arguments.of(new ConnectException("Connection refused"), "127.0.0.1:2525", "connection refused by 127.0.0.1:2525"),
                Arguments.of(new ConnectException(), null, "connection refused"),
                Arguments.of(new SocketTimeoutException("Read timed out"), "mx.example.com:25", "mx.example.com:25 did not answer in time"),
                Arguments.of(new PortUnreachableException("ICMP Port Unreachable"), dns,
                        "the DNS server 10.255.255.53:53 is not listening (port unreachable)"),
                Arguments.of(new UnknownHostException("nowhere.test"), null, "unknown host nowhere.test"),
                Arguments.of(new SocketException("Connection reset"), "mx.example.com:25", "connection reset by mx.example.com:25"),
                Arguments.of(new EOFException(), "mx.example.com:25", "mx.example.com:25 closed the connection"),
                Arguments.of(new SSLHandshakeException("PKIX path building failed: sun.security.provider.certpath."
                        + "SunCertPathBuilderException: unable to find valid certification path to requested target"),
                        "mx.example.com:25", "TLS handshake with mx.example.com:25 failed: the certificate is not trusted"),
                Arguments.of(new SSLHandshakeException("Received fatal alert: handshake_failure"), null,
                        "TLS handshake failed: the other side refused (handshake_failure)"),
                Arguments.of(new SSLHandshakeException("No appropriate protocol (protocol is disabled or cipher suites are inappropriate)"),
                        null, "TLS handshake failed: no TLS version in common"),
                Arguments.of(new IOException("wrapped", new SocketException("Network is unreachable")), null,
                        "no route to the host (network unreachable)"),
                Arguments.of(new IOException("java.lang.IllegalStateException: disk on fire"), null, "disk on fire"),
                Arguments.of(new java.nio.file.NoSuchFileException("/var/lib/sluice/admin.token"), null,
                        "file not found: /var/lib/sluice/admin.token"),
                Arguments.of(new IOException(), null, "an unexpected input/output error"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("failures")
    void saysItInWords(Throwable e, String peer, String expected) {
        String text = FailureText.of(e, peer);
        assertThat(text).isEqualTo(expected).doesNotContain("Exception").doesNotContain("java.");
    }
}
