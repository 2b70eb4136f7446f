package io.meridian.regions;

import java.nio.file.Path;

/**
 * A region-configs file is broken. The message names the file, the line (when known) and the field, so
 * an operator can go straight to the mistake.
 */
public final class RegionConfigException extends RuntimeException {

    private final Path file;
    private final int line;
    private final String field;

    RegionConfigException(Path file, int line, String field, String problem) {
        super(format(file, line, field, problem));
        this.file = file;
        this.line = line;
        this.field = field;
    }

    RegionConfigException(Path file, int line, String field, String problem, Throwable cause) {
        super(format(file, line, field, problem), cause);
        this.file = file;
        this.line = line;
        this.field = field;
    }

    private static String format(Path file, int line, String field, String problem) {
        StringBuilder sb = new StringBuilder();
        sb.append(file == null ? "<unknown file>" : file.toString());
        if (line > 0) {
            sb.append(':').append(line);
        }
        if (field != null && !field.isEmpty()) {
            sb.append(": field '").append(field).append('\'');
        }
        sb.append(": ").append(problem);
        return sb.toString();
    }

    /** The file that is broken. */
    public Path file() {
        return file;
    }

    /** The 1-based line of the problem, or 0 when it is not tied to a line. */
    public int line() {
        return line;
    }

    /** The dotted path of the field at fault (for example {@code coordinates.latitude}), or empty. */
    public String field() {
        return field == null ? "" : field;
    }
}
