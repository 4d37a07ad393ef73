package org.mixedmodels.cli;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;

/** The memory figure the benchmarks print. */
public final class HeapUse {
    private HeapUse() {
    }

    /**
     * Starts a new peak: collects the garbage of what ran before (so that it is not counted again) and resets the
     * pools' peaks; {@link #peakMegabytes} then gives the peak since this call.
     */
    public static void resetPeak() {
        System.gc();
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == MemoryType.HEAP) {
                pool.resetPeakUsage();
            }
        }
    }

    /**
     * The heap in use after a full collection, in MB: what the objects still reachable hold (the benchmark keeps
     * a case's data and fit reachable while it asks), a figure that does not depend on how large the collector
     * lets its young generation grow between collections, as the peak does.
     */
    public static double liveMegabytes() {
        System.gc();
        long used = 0;
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == MemoryType.HEAP) {
                used += pool.getUsage().getUsed();
            }
        }
        return used / 1048576.0;
    }

    /** The peak use of the heap's pools since the JVM started or {@link #resetPeak}, summed over pools, in MB. */
    public static double peakMegabytes() {
        long peak = 0;
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == MemoryType.HEAP && pool.getPeakUsage() != null) {
                peak += pool.getPeakUsage().getUsed();
            }
        }
        return peak / 1048576.0;
    }
}
