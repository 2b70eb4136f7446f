package io.meridian.local.process;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

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
}
