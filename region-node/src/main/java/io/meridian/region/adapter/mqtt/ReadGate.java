package io.meridian.region.adapter.mqtt;

/** Stops and restarts reading from one device's socket. Implementations are thread-safe. */
interface ReadGate {

    void pause();

    void resume();
}
