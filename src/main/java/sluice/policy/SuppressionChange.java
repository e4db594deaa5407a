package sluice.policy;

/**
 * One change of the suppression list as it travels between nodes (cluster mode): an entry put (new, or a new
 * reason) or an entry removed.
 */
public sealed interface SuppressionChange {
    String domain();

    String address();

    /** An entry added or its reason replaced. */
    record Put(SuppressionList.Entry entry) implements SuppressionChange {
        public String domain() {
            return entry.domain();
        }

        public String address() {
            return entry.address();
        }
    }

    /** An entry removed. */
    record Removal(String domain, String address) implements SuppressionChange {}
}
