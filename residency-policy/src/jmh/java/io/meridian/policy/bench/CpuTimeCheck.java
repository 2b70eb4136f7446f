package io.meridian.policy.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.function.Supplier;

/**
 * A cross-check for a loaded machine, not a JMH benchmark: runs each {@link PolicyBenchmark} method on
 * one thread for 4 rounds of 2 s and prints operations per CPU-second of that thread next to
 * operations per wall-clock second. When other processes compete for the cores, the wall-clock figure
 * (what JMH reports) drops while the CPU-time figure shows the cost of the code itself. GC threads'
 * CPU is not counted in the CPU-time figure.
 */
public final class CpuTimeCheck {

    private static volatile Object sink;

    private CpuTimeCheck() {
    }

    public static void main(String[] args) {
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        PolicyBenchmark bench = new PolicyBenchmark();
        bench.setUp();
        run("rawDecision", bench, bench::rawDecision, threads);
        run("aggregateDecision100Cells", bench, bench::aggregateDecision100Cells, threads);
        run("logAppend", bench, bench::logAppend, threads);
    }

    private static void run(String name, PolicyBenchmark bench, Supplier<Object> op, ThreadMXBean threads) {
        for (int round = 1; round <= 4; round++) {
            bench.freshLog();
            long ops = 0;
            long cpu0 = threads.getCurrentThreadCpuTime();
            long wall0 = System.nanoTime();
            while (System.nanoTime() - wall0 < 2_000_000_000L) {
                for (int i = 0; i < 100; i++) {
                    sink = op.get();
                }
                ops += 100;
            }
            long cpu = threads.getCurrentThreadCpuTime() - cpu0;
            long wall = System.nanoTime() - wall0;
            System.out.printf("%-26s round %d (%s): %,12.0f ops/cpu-s %,12.0f ops/wall-s%n", name, round,
                    round <= 2 ? "warm-up" : "measured", ops * 1e9 / cpu, ops * 1e9 / wall);
        }
    }
}
