package sluice.config;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.toml.TomlMapper;
import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;

/** A parsed TOML file: Jackson's tree plus the line of every key, which Jackson's tree lacks. */
record TomlDocument(Path file, JsonNode root, KeyLines lines) {
    private static final TomlMapper MAPPER = new TomlMapper();

    /** Reads and parses; a missing file or a syntax error is a single ConfigException error. */
    static TomlDocument read(Path file) throws ConfigException {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw single(file, 0, "file not found");
        } catch (CharacterCodingException e) {
            throw single(file, 0, "not UTF-8 text");
        } catch (IOException e) {
            throw single(file, 0, "cannot read: " + e.getMessage());
        }
        return parse(file, text);
    }

    static TomlDocument parse(Path file, String text) throws ConfigException {
        KeyLines lines = KeyLines.scan(text);
        JsonNode root;
        try {
            root = MAPPER.readTree(text);
        } catch (JacksonException e) {
            throw syntaxError(file, lines, e);
        }
        if (root == null || !root.isObject()) root = MAPPER.createObjectNode(); // an empty file
        return new TomlDocument(file, root, lines);
    }

    private static ConfigException syntaxError(Path file, KeyLines lines, JacksonException e) {
        String reason = e.getOriginalMessage();
        if ("Duplicate key".equals(reason) && lines.duplicate() != null) {
            // Jackson notices the duplicate after the line ends, and does not say which key it was.
            return new ConfigException(List.of(new ConfigError(
                    file, lines.duplicateLine(), lines.duplicate().toString(), "key is defined twice")));
        }
        int line = e.getLocation() == null ? 0 : Math.max(0, e.getLocation().getLineNr());
        String message = reason == null || reason.isEmpty() ? "invalid" : reason;
        message = Character.toLowerCase(message.charAt(0)) + message.substring(1);
        return single(file, line, "TOML syntax error: " + message);
    }

    private static ConfigException single(Path file, int line, String message) {
        return new ConfigException(List.of(new ConfigError(file, line, "", message)));
    }
}
