package sluice.shaping;

/** Whether an egress source may be used at all (its own address not listed on a blocklist it is checked against). */
@FunctionalInterface
public interface SourceHealth {
    boolean usable(String source);

    SourceHealth ALL = s -> true;
}
