package sluice.config;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/** The [[listeners]] array, and the four default listeners when it is absent. */
final class Listeners {
    private Listeners() {}

    static List<ListenerConfig> defaults(boolean highPortFallback) {
        return List.of(
                new ListenerConfig(null, 25, ListenerMode.MX, false, false, List.of(), List.of(), highPortFallback),
                new ListenerConfig(null, 587, ListenerMode.SUBMISSION, true, false, List.of(), List.of(), highPortFallback),
                new ListenerConfig(null, 465, ListenerMode.SUBMISSIONS, true, false, List.of(), List.of(), highPortFallback),
                new ListenerConfig(null, 2525, ListenerMode.SUBMISSION, true, false, List.of(), List.of(), highPortFallback));
    }

    static List<ListenerConfig> read(JsonNode root, Fields f, boolean embedded) {
        JsonNode arr = root.get("listeners");
        if (arr == null) return defaults(embedded);
        if (!arr.isArray()) {
            f.error("listeners", "must be an array of tables ([[listeners]])");
            return List.of();
        }
        List<ListenerConfig> out = new ArrayList<>();
        Set<String> taken = new HashSet<>();
        for (int i = 0; i < arr.size(); i++) {
            String p = "listeners[" + i + "]";
            JsonNode t = arr.get(i);
            f.checkKeys(t, p, Set.of("address", "port", "mode", "require_tls", "proxy_protocol", "allow", "deny"));
            String address = f.string(t, p, "address", null);
            if (address != null && IpLiterals.parse(address) == null) {
                f.error(p + ".address", "must be a literal IP address, not a name (got " + address + ")");
                address = null;
            }
            int port = (int) f.integer(t, p, "port", 0, 1, 65535);
            if (t != null && t.get("port") == null) f.error(p + ".port", "is required");
            String modeText = f.string(t, p, "mode", null);
            ListenerMode mode = modeText == null ? null : ListenerMode.fromKey(modeText);
            if (modeText == null) {
                f.error(p + ".mode", "is required: mx, submission or submissions");
            } else if (mode == null) {
                f.error(p + ".mode", "must be one of mx, submission, submissions (got \"" + modeText + "\")");
            }
            if (port > 0 && !taken.add((address == null ? "*" : address) + ":" + port)) {
                f.error(p + ".port", "port " + port + " is already used by another listener on the same address");
            }
            if (mode == null || port == 0) continue;
            out.add(new ListenerConfig(address, port, mode,
                    f.bool(t, p, "require_tls", mode.isSubmission()),
                    f.bool(t, p, "proxy_protocol", false),
                    f.cidrs(t, p, "allow", List.of()), f.cidrs(t, p, "deny", List.of()), false));
        }
        return out;
    }
}
