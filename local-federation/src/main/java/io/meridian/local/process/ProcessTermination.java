package io.meridian.local.process;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * Ends a process and all of its descendants: SIGTERM first, SIGKILL to whatever is still alive after the
 * grace period. Descendants are collected before anything is signalled, because once a parent dies its
 * children are re-parented and no longer show up as its descendants.
 */
public final class ProcessTermination {

    private static final Duration KILL_WAIT = Duration.ofSeconds(10);

    private ProcessTermination() {
    }

    /**
     * Terminates {@code root} and its descendants.
     *
     * @param root  the process to end; may already be dead
     * @param grace how long to wait after SIGTERM before SIGKILL
     * @return whether every one of them is gone afterwards
     */
    public static boolean terminate(ProcessHandle root, Duration grace) {
        List<ProcessHandle> all = new ArrayList<>();
        all.add(root);
        root.descendants().forEach(all::add);
        all.forEach(ProcessHandle::destroy);
        if (!awaitExit(all, grace)) {
            all.stream().filter(ProcessHandle::isAlive).forEach(ProcessHandle::destroyForcibly);
            awaitExit(all, KILL_WAIT);
        }
        return all.stream().noneMatch(ProcessHandle::isAlive);
    }

    private static boolean awaitExit(List<ProcessHandle> handles, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        for (ProcessHandle h : handles) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return handles.stream().noneMatch(ProcessHandle::isAlive);
            }
            try {
                h.onExit().get(left, TimeUnit.NANOSECONDS);
            } catch (TimeoutException e) {
                return false;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            } catch (ExecutionException e) {
                throw new IllegalStateException("waiting for process " + h.pid() + " failed", e.getCause());
            }
        }
        return true;
    }

    /**
     * Runs {@code stop} for every item at once, one thread each, and returns when all have finished, so
     * that N processes take one grace period rather than N. {@code stop} must not throw; collect its
     * failures yourself.
     *
     * @param threadName names each item's thread, for thread dumps
     * @throws IllegalStateException when the calling thread is interrupted while waiting (its flag is set)
     */
    public static <T> void inParallel(List<T> items, Function<T, String> threadName, Consumer<T> stop) {
        List<Thread> stoppers = new ArrayList<>();
        for (T item : items) {
            Thread t = new Thread(() -> stop.accept(item), threadName.apply(item));
            stoppers.add(t);
            t.start();
        }
        for (Thread t : stoppers) {
            try {
                t.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for " + t.getName(), e);
            }
        }
    }
}
