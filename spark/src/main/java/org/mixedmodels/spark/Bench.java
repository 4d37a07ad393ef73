package org.mixedmodels.spark;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.randn;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.mixedmodels.engine.fit.FitOptions;
import org.mixedmodels.engine.fit.FitResult;
import org.mixedmodels.engine.fit.LinearMixedModel;
import org.mixedmodels.engine.inference.DfMethod;
import org.mixedmodels.engine.inference.FixedEffectsInference;

/**
 * The benchmark of the distributed fit (a main class, not a test): generates longitudinal data as Parquet (subjects x
 * visits rows, {@code y = 250 + b0 + (10 + b1) time + e} with subject-level b0, b1), fits
 * {@code y ~ time + (time | subject)} on the given master, and prints per size the time of the generation, of each
 * pass and of the optimization (wall and this JVM's CPU), the bytes Spark shuffled, the JVM's peak heap (in local
 * mode the executors' tasks run in the driver's JVM, so this bounds the driver from above), the statistics the driver
 * keeps, and the heap still used with them after a GC.
 *
 * <pre>
 *   java -Xmx4g -cp target/mixed-models-spark.jar org.mixedmodels.spark.Bench [--master local[2]]
 *        [--sizes 50000x20,500000x20,50000x200] [--dir /tmp/mixed-models-bench]
 * </pre>
 */
public final class Bench {
    private Bench() {
    }

    public static void main(String[] args) {
        String master = "local[2]";
        String sizes = "50000x20,500000x20,50000x200";
        String dir = System.getProperty("java.io.tmpdir") + "/mixed-models-bench";
        for (int i = 0; i + 1 < args.length; i += 2) {
            switch (args[i]) {
                case "--master" -> master = args[i + 1];
                case "--sizes" -> sizes = args[i + 1];
                case "--dir" -> dir = args[i + 1];
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        SparkSession spark = SparkSession.builder().master(master).appName("mixed-models bench")
                .config("spark.ui.enabled", "false").config("spark.sql.shuffle.partitions", "8").getOrCreate();
        spark.sparkContext().setLogLevel("WARN");
        System.out.println("master " + master + ", " + Runtime.getRuntime().availableProcessors()
                + " processors, max heap " + Runtime.getRuntime().maxMemory() / 1048576 + " MB");
        System.out.println(String.format(Locale.ROOT, "%10s %8s %6s %9s %9s %9s %9s %9s %9s %11s %9s %9s %9s",
                "rows", "subjects", "visits", "gen_s", "levels_s", "moments_s", "cross_s", "fit_s", "cpu_s",
                "shuffle_MB", "peak_MB", "stats_MB", "kept_MB"));
        try {
            for (String size : sizes.split(",")) {
                String[] sv = size.split("x");
                run(spark, Integer.parseInt(sv[0]), Integer.parseInt(sv[1]), Path.of(dir, size).toString());
            }
        } finally {
            spark.stop();
        }
    }

    static void run(SparkSession spark, int subjects, int visits, String path) {
        long wall0 = System.nanoTime();
        double cpu0 = cpuSeconds();
        Dataset<Row> people = spark.range(subjects).select(col("id").as("subject"), randn(11).multiply(25).as("b0"),
                randn(12).multiply(6).as("b1"));
        Dataset<Row> rows = people.crossJoin(spark.range(visits).select(col("id").cast("double").as("time")))
                .select(col("subject"), col("time"), lit(250).plus(col("b0")).plus(lit(10).plus(col("b1"))
                        .multiply(col("time"))).plus(randn(13).multiply(25)).as("y"));
        rows.write().mode("overwrite").parquet(path);
        double gen = (System.nanoTime() - wall0) / 1e9;
        System.gc();
        resetPeaks();
        double cpu1 = cpuSeconds();
        Dataset<Row> table = spark.read().parquet(path);
        FitOptions options = FitOptions.reml();
        SparkStatistics.Result stats = SparkStatistics.compute(table, "y ~ time + (time | subject)", options, false,
                Set.of("NA"), Set.of());
        long t0 = System.nanoTime();
        FitResult fit = LinearMixedModel.fit(stats.design(), options);
        FixedEffectsInference inference = FixedEffectsInference.of(fit, DfMethod.SATTERTHWAITE, 0.95);
        double fitSeconds = (System.nanoTime() - t0) / 1e9;
        double cpu = cpuSeconds() - cpu1;
        double peak = peakMegabytes();
        System.gc();
        double kept = (Runtime.getRuntime().totalMemory() - Runtime.getRuntime().freeMemory()) / 1048576.0;
        SparkStatistics.Passes p = stats.passes();
        System.out.println(String.format(Locale.ROOT, "%10d %8d %6d %9.1f %9.1f %9.1f %9.1f %9.1f %9.1f %11.1f %9.0f %9.1f %9.0f",
                p.rowsRead(), subjects, visits, gen, p.levelsSeconds(), p.momentsSeconds(), p.crossSeconds(),
                fitSeconds, cpu, p.shuffleBytes() / 1048576.0, peak, stats.bytes() / 1048576.0, kept));
        System.out.println(String.format(Locale.ROOT, "    beta %s, df %.1f, theta %s, sigma %.4f, logLik %.2f, "
                + "%d evaluations; generation CPU %.1f s", List.of(fit.beta()[0], fit.beta()[1]),
                inference.coefficients().get(1).df(), java.util.Arrays.toString(fit.theta()), fit.sigma(), fit.logLik(),
                fit.optimizer().evaluations(), cpu1 - cpu0));
    }

    /** This JVM's CPU time (all threads: the driver and, in local mode, the executors' tasks). */
    static double cpuSeconds() {
        java.lang.management.OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
        if (os instanceof com.sun.management.OperatingSystemMXBean sun) {
            return sun.getProcessCpuTime() / 1e9;
        }
        return Double.NaN;
    }

    static void resetPeaks() {
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == MemoryType.HEAP) {
                pool.resetPeakUsage();
            }
        }
    }

    static double peakMegabytes() {
        long peak = 0;
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == MemoryType.HEAP && pool.getPeakUsage() != null) {
                peak += pool.getPeakUsage().getUsed();
            }
        }
        return peak / 1048576.0;
    }
}
