package sluice.config;

import java.util.List;

/**
 * A problem another room found in a loaded config (e.g. an alias whose target is no user): the key as segments,
 * {@code ["local", "aliases", "info@example.test"]}, and the message. {@link ConfigLoader#located} gives it the
 * file and line, so it reads like every other config error.
 */
public record ConfigProblem(List<String> key, String message) {
    public ConfigProblem {
        key = List.copyOf(key);
    }
}
