package io.meridian.catalog.region;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;

/** Percent-encoding of one URI path segment (tenant and device ids go into registry paths). */
final class PathSegments {

    private PathSegments() {
    }

    /** {@code s} encoded for a path segment: URL form encoding, with spaces as {@code %20} rather than {@code +}. */
    static String encode(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }
}
