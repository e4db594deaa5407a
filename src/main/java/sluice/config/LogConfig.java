package sluice.config;

import java.nio.file.Path;
import java.time.Duration;

/**
 * Where the delivery log (JSON lines) is written, and how it is rotated.
 *
 * @param maxSize     the current file is rotated before it would grow past this many bytes
 * @param rotateDaily rotate at UTC midnight as well
 * @param retention   rotated files whose last write is older than this are deleted
 * @param maxFiles    keep at most this many rotated files (0: no limit)
 * @param compress    gzip rotated files ({@code .gz})
 */
public record LogConfig(Path deliveryLog, long maxSize, boolean rotateDaily, Duration retention, int maxFiles,
                        boolean compress) {

    /** The given file with the default rotation. */
    public LogConfig(Path deliveryLog) {
        this(deliveryLog, Defaults.LOG_MAX_SIZE, Defaults.LOG_ROTATE_DAILY, Defaults.LOG_RETENTION,
                Defaults.LOG_MAX_FILES, Defaults.LOG_COMPRESS);
    }
}
