package io.meridian.terraform;

import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;

/**
 * Sorted string maps for tags and similar key-value blocks. cdktf sorts object keys when it writes
 * JSON, but {@code Map.of} iterates in an order that changes from one JVM to the next, so anything
 * built by iterating a map here (strings, lists) is built from a sorted one instead.
 */
final class Tags {

    private Tags() {
    }

    /** A sorted, unmodifiable map of alternating keys and values. */
    static Map<String, String> of(String... keysAndValues) {
        if (keysAndValues.length % 2 != 0) {
            throw new IllegalArgumentException("keys and values must come in pairs, was " + keysAndValues.length + " strings");
        }
        Map<String, String> map = new TreeMap<>();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            map.put(keysAndValues[i], keysAndValues[i + 1]);
        }
        return Collections.unmodifiableMap(map);
    }
}
