package io.meridian.local.process;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/** Reads the last lines of a log file without reading the whole file. */
public final class LogTail {

    private static final int MAX_BYTES = 256 * 1024;

    private LogTail() {
    }

    /**
     * The last {@code lines} lines of {@code file}, joined with newlines; a note instead when the file is
     * missing or unreadable. Never throws for I/O problems, because it is used to build error messages.
     */
    public static String of(Path file, int lines) {
        if (lines < 1) {
            throw new IllegalArgumentException("lines must be at least 1, was " + lines);
        }
        if (!Files.isRegularFile(file)) {
            return "(no log at " + file + ")";
        }
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "r")) {
            long length = raf.length();
            int size = (int) Math.min(length, MAX_BYTES);
            byte[] buf = new byte[size];
            raf.seek(length - size);
            raf.readFully(buf);
            List<String> all = Arrays.asList(new String(buf, StandardCharsets.UTF_8).split("\r?\n"));
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException e) {
            return "(could not read " + file + ": " + e.getMessage() + ")";
        }
    }
}
