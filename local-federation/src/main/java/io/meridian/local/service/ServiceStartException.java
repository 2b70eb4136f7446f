package io.meridian.local.service;

/** A backing service did not become ready. The message names the service and carries its log tail. */
public class ServiceStartException extends RuntimeException {

    public ServiceStartException(String message) {
        super(message);
    }

    public ServiceStartException(String message, Throwable cause) {
        super(message, cause);
    }
}
