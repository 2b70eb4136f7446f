package io.meridian.catalog.service;

import java.util.Objects;
import java.util.Optional;

/**
 * A request the catalog refuses or cannot complete, with what the API answers (RFC 9457 problem+json): the HTTP
 * status, a short title, and a detail that names the problem. {@code pointer} names the offending field of the
 * request body, when there is one. Never carries a secret.
 */
public final class CatalogProblem extends RuntimeException {

    private final int status;
    private final String title;
    private final Optional<String> pointer;

    public CatalogProblem(int status, String title, String detail) {
        this(status, title, detail, Optional.empty(), null);
    }

    public CatalogProblem(int status, String title, String detail, Optional<String> pointer, Throwable cause) {
        super(Objects.requireNonNull(detail, "detail must not be null"), cause);
        this.status = status;
        this.title = Objects.requireNonNull(title, "title must not be null");
        this.pointer = Objects.requireNonNull(pointer, "pointer must not be null");
    }

    public static CatalogProblem badRequest(String pointer, String detail) {
        return new CatalogProblem(400, "Bad Request", detail, Optional.ofNullable(pointer), null);
    }

    public static CatalogProblem notFound(String detail) {
        return new CatalogProblem(404, "Not Found", detail);
    }

    public static CatalogProblem conflict(String detail) {
        return new CatalogProblem(409, "Conflict", detail);
    }

    public int status() {
        return status;
    }

    public String title() {
        return title;
    }

    public Optional<String> pointer() {
        return pointer;
    }
}
