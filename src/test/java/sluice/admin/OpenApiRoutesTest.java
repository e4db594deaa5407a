package sluice.admin;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * src/main/resources/admin/openapi.json (served at /api/v1/openapi.json, linked from docs/http-api.md) describes
 * exactly the API routes {@link AdminServer} registers: each "METHOD path" of one is matched by the other, a path
 * parameter matching any segment (so {@code POST /api/v1/queue/{id}/{action}} covers {@code …/hold},
 * {@code …/release}…). The dashboard's own files are not API routes.
 */
class OpenApiRoutesTest {
    private static final Pattern ROUTE = Pattern.compile("routes\\.(get|post|delete|put|patch)\\((\"[^\"]+\"|MESSAGES)");
    private static final Pattern MESSAGES = Pattern.compile("String MESSAGES = \"([^\"]+)\"");

    static Set<String> registered(String source) {
        Matcher constant = MESSAGES.matcher(source);
        String messages = constant.find() ? constant.group(1) : "MESSAGES";
        Set<String> out = new TreeSet<>();
        Matcher m = ROUTE.matcher(source);
        while (m.find()) {
            String path = m.group(2).equals("MESSAGES") ? messages : m.group(2).replace("\"", "");
            if (path.startsWith("/api/") || path.equals("/metrics")) out.add(m.group(1).toUpperCase() + " " + path);
        }
        return out;
    }

    static Set<String> described(JsonNode openapi) {
        Set<String> out = new TreeSet<>();
        for (Iterator<String> paths = openapi.path("paths").fieldNames(); paths.hasNext(); ) {
            String path = paths.next();
            for (Iterator<String> ops = openapi.path("paths").path(path).fieldNames(); ops.hasNext(); ) {
                String op = ops.next();
                if (Set.of("get", "post", "delete", "put", "patch").contains(op)) out.add(op.toUpperCase() + " " + path);
            }
        }
        return out;
    }

    private static boolean matches(String a, String b) {
        String[] x = a.split("[ /]");
        String[] y = b.split("[ /]");
        if (x.length != y.length) return false;
        for (int i = 0; i < x.length; i++) {
            boolean param = x[i].startsWith("{") || y[i].startsWith("{");
            if (!param && !x[i].equals(y[i])) return false;
        }
        return true;
    }

    private static Set<String> unmatched(Set<String> these, Set<String> by) {
        Set<String> out = new TreeSet<>();
        for (String r : these) if (by.stream().noneMatch(o -> matches(r, o))) out.add(r);
        return out;
    }

    @Test
    void theOpenApiFileDescribesEveryRouteAndNoOther() throws IOException {
        Set<String> registered = registered(Files.readString(Path.of("src/main/java/sluice/admin/AdminServer.java")));
        Set<String> described = described(new ObjectMapper().readTree(Path.of("src/main/resources/admin/openapi.json").toFile()));
        assertThat(registered).hasSizeGreaterThan(15).contains("POST /api/v1/messages", "GET /metrics");
        assertThat(unmatched(registered, described)).as("routes AdminServer registers that openapi.json lacks").isEmpty();
        assertThat(unmatched(described, registered)).as("paths openapi.json describes that AdminServer does not serve").isEmpty();
    }

    @Test
    void aMissingOrExtraPathIsSeen() {
        Set<String> code = registered("String MESSAGES = \"/api/v1/messages\";\n c.routes.get(\"/api/v1/queue\", x);"
                + " c.routes.post(\"/api/v1/queue/{id}/{action}\", x); c.routes.post(MESSAGES, y); c.routes.get(\"/\", z);");
        assertThat(code).containsExactlyInAnyOrder("GET /api/v1/queue", "POST /api/v1/queue/{id}/{action}",
                "POST /api/v1/messages");
        Set<String> doc = Set.of("GET /api/v1/queue", "POST /api/v1/queue/{id}/hold", "GET /api/v1/gone");
        assertThat(unmatched(code, doc)).containsExactly("POST /api/v1/messages");
        assertThat(unmatched(doc, code)).containsExactly("GET /api/v1/gone");
    }
}
