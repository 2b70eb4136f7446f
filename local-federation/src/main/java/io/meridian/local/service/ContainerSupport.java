package io.meridian.local.service;

/** Asks Testcontainers, once per JVM, whether a Docker daemon answers. */
final class ContainerSupport {

    private static volatile Boolean available;

    private ContainerSupport() {
    }

    static boolean dockerAvailable() {
        Boolean a = available;
        if (a == null) {
            synchronized (ContainerSupport.class) {
                if (available == null) {
                    available = org.testcontainers.DockerClientFactory.instance().isDockerAvailable();
                }
                a = available;
            }
        }
        return a;
    }
}
