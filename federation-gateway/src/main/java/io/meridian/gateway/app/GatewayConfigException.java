package io.meridian.gateway.app;

/** The gateway's configuration is unusable; the message names the setting and the value it had. */
public final class GatewayConfigException extends IllegalArgumentException {

    GatewayConfigException(String message) {
        super(message);
    }

    GatewayConfigException(String message, Throwable cause) {
        super(message, cause);
    }
}
