package sluice.config;

import java.util.List;
import java.util.Map;

/** Local delivery to Maildir (used from issue 3 on; parsed and validated now). */
public record LocalConfig(String maildirRoot, Map<String, List<String>> aliases, Map<String, String> catchAll) {
    public LocalConfig {
        aliases = Map.copyOf(aliases);
        catchAll = Map.copyOf(catchAll);
    }
}
