package sluice.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import sluice.config.Config;
import sluice.config.HostPort;
import sluice.observe.FailureText;

/**
 * The running server's admin API as the CLI reaches it: the address and token of {@code [admin]} in the config.
 * Every failure (nothing listening, no token, a refused token, an error answer) is one readable line.
 */
final class AdminApi {
    private final String base;
    private final String token;
    private final String notAnswering;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private AdminApi(String base, String token, String notAnswering) {
        this.base = base;
        this.token = token;
        this.notAnswering = notAnswering;
    }

    /**
     * @param notAnswering the line printed when nothing answers at the admin address (what it means depends on
     *                     whether the caller knows a server holds the spool)
     */
    static AdminApi of(Config config, String notAnswering) {
        String token;
        if (!Files.exists(config.admin().tokenFile())) {
            // the server writes it when it first starts
            throw new Failures.UserError(1, "no admin token at " + config.admin().tokenFile()
                    + ": 'sluice serve' has not run with this data dir");
        }
        try {
            token = Files.readString(config.admin().tokenFile()).strip();
        } catch (IOException e) {
            throw new Failures.UserError(1, "cannot read the admin token: " + FailureText.of(e));
        }
        return new AdminApi(baseOf(config.admin().address()), token, notAnswering);
    }

    /** "http://host:port"; a wildcard admin address (0.0.0.0, ::) is reached on loopback. */
    static String baseOf(String address) {
        HostPort where = HostPort.parse(address, true);
        String host = where.host();
        if (host.equals("0.0.0.0")) host = "127.0.0.1";
        else if (host.equals("::") || host.equals("0:0:0:0:0:0:0:0")) host = "::1";
        return "http://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + where.port();
    }

    String base() {
        return base;
    }

    /** GET {@code path}; anything but 200 is a {@link Failures.UserError}. */
    HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return send(HttpRequest.newBuilder(URI.create(base + path)).GET(), 200);
    }

    /** Sends with the bearer token; {@code expect} > 0: any other status is a {@link Failures.UserError}. */
    HttpResponse<String> send(HttpRequest.Builder req, int expect) throws IOException, InterruptedException {
        HttpResponse<String> r;
        try {
            r = http.send(req.header("Authorization", "Bearer " + token).timeout(Duration.ofSeconds(30)).build(),
                    HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        } catch (java.net.ConnectException e) {
            throw new Failures.UserError(1, notAnswering + " (" + req.build().uri().getAuthority() + ")");
        } catch (java.net.http.HttpTimeoutException e) {
            throw new Failures.UserError(1, "the admin API at " + req.build().uri().getAuthority()
                    + " did not answer within 30 seconds");
        }
        if (expect > 0 && r.statusCode() != expect) {
            throw new Failures.UserError(1, "admin API: HTTP " + r.statusCode() + ": " + errorOf(r.body()));
        }
        return r;
    }

    /** The API's {"error": "..."} text, not its JSON. */
    static String errorOf(String body) {
        try {
            JsonNode e = new ObjectMapper().readTree(body).path("error");
            return e.isTextual() ? e.asText() : body;
        } catch (IOException | RuntimeException notJson) {
            return body;
        }
    }
}
