package sluice.config;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Reads {@code [local]} (Maildir, aliases, catch-alls) and the {@code [[dkim]]} keys. */
final class LocalMapping {
    private LocalMapping() {}

    static LocalConfig local(Section s, Path dataDir) {
        // maildir_root is a String in LocalConfig; it is resolved like the Paths so every consumer agrees.
        Path root = s.path("maildir_root", dataDir, dataDir.resolve(Defaults.MAILDIR_ROOT));
        Map<String, List<String>> aliases = aliases(s.table("aliases"));
        Map<String, String> catchAll = catchAll(s.table("catch_all"));
        s.finish();
        return new LocalConfig(root.toString(), aliases, catchAll);
    }

    /** Address → targets; a single string is a one-target list. Keys are lower-cased. */
    private static Map<String, List<String>> aliases(Section s) {
        Map<String, List<String>> out = new LinkedHashMap<>();
        for (String key : s.keys()) {
            if (!Names.isAddress(key)) {
                s.error(key, "an alias must be an address like \"info@example.com\"");
                continue;
            }
            List<String> targets = s.list(key, List.of(), true, LocalMapping::address);
            if (s.isEmptyArray(key)) s.error(key, "must name at least one target address");
            else if (!targets.isEmpty()) out.put(Names.lower(key), new ArrayList<>(targets));
        }
        return out;
    }

    /** Domain → the address that receives mail for its unknown recipients. */
    private static Map<String, String> catchAll(Section s) {
        Map<String, String> out = new LinkedHashMap<>();
        for (String key : s.keys()) {
            if (!Names.isHostname(key)) {
                s.error(key, "a catch-all key must be a domain like \"example.com\"");
                continue;
            }
            List<String> target = s.list(key, List.of(), true, LocalMapping::address);
            if (target.size() == 1) out.put(Names.lower(key), target.getFirst());
            else if (target.size() > 1 || s.isEmptyArray(key)) s.error(key, "must be a single address");
        }
        return out;
    }

    private static String address(Section.Element e) {
        String a = e.string();
        if (a == null) return null;
        if (!Names.isAddress(a)) {
            e.error("must be an address like \"alice@example.com\" (got \"" + a + "\")");
            return null;
        }
        return a;
    }

    static List<DkimConfig> dkim(Section top, Path dataDir) {
        List<DkimConfig> out = new ArrayList<>();
        for (Section s : top.tables("dkim")) {
            String domain = s.requiredString("domain");
            if (domain != null && !Names.isHostname(domain)) {
                s.error("domain", "must be a domain name (got \"" + domain + "\")");
                domain = null;
            }
            String selector = s.requiredString("selector");
            if (selector != null && !Names.isHostname(selector)) {
                s.error("selector", "must be letters, digits, '-' and '.' (got \"" + selector + "\")");
                selector = null;
            }
            if (!s.has("key_file")) s.missing("key_file");
            Path key = s.path("key_file", dataDir, null);
            s.finish();
            if (domain != null && selector != null && key != null) {
                out.add(new DkimConfig(Names.lower(domain), selector, key));
            }
        }
        return out;
    }
}
