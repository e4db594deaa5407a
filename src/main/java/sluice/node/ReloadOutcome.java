package sluice.node;

import java.util.List;

/** What a reload did: applied (with what changed and what waits for a restart), or refused with the reason. */
public sealed interface ReloadOutcome {
    /** The operator's one line. */
    String summary();

    /**
     * @param changed      what changed and is in force now, by name as in the config file
     * @param needsRestart what changed but is kept as it was until a restart
     * @param notes        what was re-read whether it changed or not (certificate, users, DKIM keys)
     */
    record Applied(List<String> changed, List<String> needsRestart, List<String> notes) implements ReloadOutcome {
        public Applied {
            changed = List.copyOf(changed);
            needsRestart = List.copyOf(needsRestart);
            notes = List.copyOf(notes);
        }

        @Override
        public String summary() {
            return "config reloaded: " + (changed.isEmpty() ? "no setting changed" : "applied " + String.join(", ", changed))
                    + (needsRestart.isEmpty() ? "" : "; changed but needs a restart (still running on the old "
                    + "values): " + String.join(", ", needsRestart))
                    + "; " + String.join("; ", notes);
        }
    }

    /** @param why one line naming the file, line and key, or the part that could not be loaded */
    record Refused(String why) implements ReloadOutcome {
        @Override
        public String summary() {
            return "reload refused, still running on the previous config: " + why;
        }
    }
}
