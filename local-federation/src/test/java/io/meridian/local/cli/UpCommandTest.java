package io.meridian.local.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class UpCommandTest {

    @Test
    void theConsoleUrl_isTheGatewaysOriginWithConsole() {
        assertEquals("http://127.0.0.1:20070/console/", UpCommand.consoleUrl("http://127.0.0.1:20070/v1"));
    }
}
