package io.meridian.load;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetClientOptions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;
import org.HdrHistogram.Histogram;

/**
 * One workload against one MQTT endpoint: connect the devices, warm up, then publish for the measured
 * period and count. Devices are spread over lanes, one event loop each; a lane's devices, timer and
 * histogram are touched only on that lane's event loop.
 */
final class LoadRun {

    /** What a run measured. {@code acked} and the histogram cover the measured period only. */
    record Result(String target, int connected, double connectSeconds, long sent, long acked, double seconds, Histogram pubacks) {
        double sentPerSecond() {
            return sent / seconds;
        }

        double ackedPerSecond() {
            return acked / seconds;
        }
    }

    private static final int TICK_MS = 5;
    /** QoS 0 at the maximum rate: at most this many messages per device per tick, so no device starves the others. */
    private static final int QOS0_BURST = 32;

    private final Vertx vertx;
    private final LoadOptions options;

    LoadRun(Vertx vertx, LoadOptions options) {
        this.vertx = vertx;
        this.options = options;
    }

    private final class Lane {
        final Context context = vertx.getOrCreateContext();
        final NetClient client = vertx.createNetClient(new NetClientOptions().setConnectTimeout(30_000).setTcpNoDelay(true));
        final List<MqttDevice> devices = new ArrayList<>();
        final Histogram pubacks = new Histogram(TimeUnit.SECONDS.toMicros(60), 3);
        final double rate;
        long startNanos;
        long measureFrom;
        long measureTo;
        long sentAtStart;
        long ackedAtStart;
        long sentAtEnd = -1;
        long ackedAtEnd = -1;
        int cursor;

        Lane(double rate) {
            this.rate = rate;
        }

        long sent() {
            return devices.stream().mapToLong(d -> d.sent).sum();
        }

        long acked() {
            return devices.stream().mapToLong(d -> d.acked).sum();
        }

        /** Called on each PUBACK: at the maximum rate, the acked device sends its next message. */
        void onAck(MqttDevice d) {
            if (options.rate() == 0 && System.nanoTime() < measureTo && !d.closed) {
                d.publishQos1();
            }
        }

        void tick(long timerId) {
            long now = System.nanoTime();
            if (sentAtStart < 0 && now >= measureFrom) {
                sentAtStart = sent();
                ackedAtStart = acked();
                pubacks.reset();
            }
            if (now >= measureTo) {
                sentAtEnd = sent();
                ackedAtEnd = acked();
                vertx.cancelTimer(timerId);
                return;
            }
            if (options.rate() == 0) {
                for (MqttDevice d : devices) {
                    if (options.qos() == 1) {
                        while (!d.closed && d.unacked < options.window()) {
                            d.publishQos1(); // (re)fill the windows; PUBACKs keep them full between ticks
                        }
                    } else {
                        for (int i = 0; i < QOS0_BURST && d.writable(); i++) {
                            d.publishQos0();
                        }
                    }
                }
                return;
            }
            // a target rate: what is due by now, round-robin over the devices that have room
            long due = (long) (rate * (now - startNanos) / 1e9) - sent();
            int n = devices.size();
            int withoutRoom = 0;
            while (due > 0 && withoutRoom < n) {
                MqttDevice d = devices.get(cursor);
                cursor = (cursor + 1) % n;
                boolean room = options.qos() == 1 ? !d.closed && d.unacked < options.window() : d.writable();
                if (!room) {
                    withoutRoom++;
                    continue;
                }
                withoutRoom = 0;
                if (options.qos() == 1) {
                    d.publishQos1();
                } else {
                    d.publishQos0();
                }
                due--;
            }
        }
    }

    /**
     * Connects {@code devices} clients ({@code username.apply(i)}) and, unless idle, publishes.
     *
     * @return the result; connection failures are counted, not thrown, unless none connected
     */
    Result run(String target, String host, int port, IntFunction<String> clientId, IntFunction<String> username, String password)
            throws Exception {
        return run(target, host, port, clientId, username, i -> password);
    }

    /** As {@link #run(String, String, int, IntFunction, IntFunction, String)}, with a password per device (catalog-registered devices). */
    Result run(String target, String host, int port, IntFunction<String> clientId, IntFunction<String> username, IntFunction<String> password)
            throws Exception {
        int laneCount = options.lanes();
        List<Lane> lanes = new ArrayList<>();
        for (int i = 0; i < laneCount; i++) {
            lanes.add(new Lane(options.rate() / (double) laneCount));
        }
        long t0 = System.nanoTime();
        Semaphore connecting = new Semaphore(options.connectParallel());
        List<CompletableFuture<Void>> connects = new ArrayList<>();
        int[] failures = {0};
        String[] firstFailure = {null};
        for (int i = 0; i < options.devices(); i++) {
            Lane lane = lanes.get(i % laneCount);
            MqttDevice d = new MqttDevice(clientId.apply(i), username.apply(i), password.apply(i), options.topic(), options.payloadBytes(),
                    options.payloadFormat().equals("json"));
            connecting.acquire();
            Future<Void> f = d.connect(vertx, lane.context, lane.client, host, port, lane.pubacks, () -> lane.onAck(d));
            CompletableFuture<Void> cf = f.toCompletionStage().toCompletableFuture();
            connects.add(cf.whenComplete((v, t) -> {
                connecting.release();
                synchronized (failures) {
                    if (t == null) {
                        lane.context.runOnContext(x -> lane.devices.add(d));
                    } else {
                        failures[0]++;
                        if (firstFailure[0] == null) {
                            firstFailure[0] = String.valueOf(t.getMessage());
                        }
                    }
                }
            }));
        }
        try {
            CompletableFuture.allOf(connects.toArray(CompletableFuture[]::new)).exceptionally(t -> null).get(10, TimeUnit.MINUTES);
        } catch (java.util.concurrent.TimeoutException e) {
            System.out.println("  connecting did not finish within 10 minutes");
        }
        double connectSeconds = (System.nanoTime() - t0) / 1e9;
        Thread.sleep(200);
        int connected = lanes.stream().mapToInt(l -> l.devices.size()).sum();
        System.out.printf("  %s: %d of %d devices connected in %.1f s%s%n", target, connected, options.devices(), connectSeconds,
                failures[0] == 0 ? "" : " (" + failures[0] + " failed, first: " + firstFailure[0] + ")");
        if (connected == 0) {
            throw new IllegalStateException("no device could connect to " + target + " at " + host + ":" + port + ": " + firstFailure[0]);
        }

        long start = System.nanoTime();
        long from = start + TimeUnit.SECONDS.toNanos(options.warmupSeconds());
        long to = from + TimeUnit.SECONDS.toNanos(options.durationSeconds());
        if (options.qos() < 0) {
            Thread.sleep(TimeUnit.NANOSECONDS.toMillis(to - start));
            return new Result(target, connected, connectSeconds, 0, 0, options.durationSeconds(), new Histogram(3));
        }
        for (Lane lane : lanes) {
            lane.context.runOnContext(v -> {
                lane.startNanos = start;
                lane.measureFrom = from;
                lane.measureTo = to;
                lane.sentAtStart = -1;
                vertx.setPeriodic(TICK_MS, lane::tick);
            });
        }
        Thread.sleep(TimeUnit.NANOSECONDS.toMillis(to - System.nanoTime()) + 500);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (lanes.stream().anyMatch(l -> l.ackedAtEnd < 0) && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        Histogram all = new Histogram(TimeUnit.SECONDS.toMicros(60), 3);
        long sent = 0;
        long acked = 0;
        for (Lane lane : lanes) {
            CompletableFuture<Void> copied = new CompletableFuture<>();
            lane.context.runOnContext(v -> {
                all.add(lane.pubacks);
                copied.complete(null);
            });
            copied.get(10, TimeUnit.SECONDS);
            sent += lane.sentAtEnd - lane.sentAtStart;
            acked += lane.ackedAtEnd - lane.ackedAtStart;
        }
        Result result = new Result(target, connected, connectSeconds, sent, acked, options.durationSeconds(), all);
        for (Lane lane : lanes) {
            lane.context.runOnContext(v -> lane.devices.forEach(MqttDevice::close));
        }
        Thread.sleep(500);
        return result;
    }
}
