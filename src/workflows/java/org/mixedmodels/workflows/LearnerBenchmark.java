package org.mixedmodels.workflows;

import java.io.PrintStream;

import org.knime.core.node.BufferedDataTable;
import org.knime.core.node.NodeSettings;
import org.knime.core.node.StandInNodeContainer;
import org.knime.core.node.port.PortObject;
import org.mixedmodels.cli.SimulatedData;
import org.mixedmodels.engine.data.DataFrame;
import org.mixedmodels.engine.fit.FitOptions;
import org.mixedmodels.engine.fit.LinearMixedModel;
import org.mixedmodels.knime.learner.MixedModelLearnerNodeFactory;

/**
 * What the Mixed Model Learner node adds over the engine: the same generated longitudinal table fitted by the engine
 * alone and by the node (table conversion, fit, Satterthwaite df and the output tables), with the heap each needed.
 * {@code mvn -B -q compile exec:java -Dexec.mainClass=org.mixedmodels.workflows.LearnerBenchmark
 * [-Dexec.args="subjects visits"]}.
 */
public final class LearnerBenchmark {
    private LearnerBenchmark() {
    }

    public static void main(final String[] args) throws Exception {
        int subjects = args.length > 0 ? Integer.parseInt(args[0]) : 20_000;
        int visits = args.length > 1 ? Integer.parseInt(args[1]) : 10;
        run(subjects, visits, System.out);
    }

    static void run(final int subjects, final int visits, final PrintStream out) throws Exception {
        DataFrame frame = SimulatedData.longitudinal(subjects, visits, 20261124L);
        BufferedDataTable table = Tables.of(frame);
        String formula = "y ~ time * arm + (time | subject)";
        // warm-up of both paths, then the measured runs
        LinearMixedModel.fit(formula, frame, FitOptions.reml());
        node(formula).execute(new PortObject[] {table});
        long t0 = System.nanoTime();
        LinearMixedModel.fit(formula, frame, FitOptions.reml());
        double engine = (System.nanoTime() - t0) / 1e9;
        long t1 = System.nanoTime();
        node(formula).execute(new PortObject[] {table});
        double learner = (System.nanoTime() - t1) / 1e9;
        out.printf(java.util.Locale.ROOT, "%-28s %9s %9s %9s%n", "path", "rows", "seconds", "peak_MB");
        out.printf(java.util.Locale.ROOT, "%-28s %9d %9.3f%n", "engine fit", frame.rowCount(), engine);
        out.printf(java.util.Locale.ROOT, "%-28s %9d %9.3f %9.0f%n", "Learner node (incl. df)", frame.rowCount(),
            learner, org.mixedmodels.cli.HeapUse.peakMegabytes());
    }

    private static StandInNodeContainer node(final String formula) throws Exception {
        StandInNodeContainer node = new StandInNodeContainer(new MixedModelLearnerNodeFactory());
        NodeSettings s = new NodeSettings("model");
        s.addString("formula", formula);
        s.addBoolean("use_typed_formula", true);
        s.addString("response", "");
        s.addStringArray("fixed_columns");
        s.addString("interactions", "");
        s.addStringArray("grouping_columns");
        s.addBoolean("nested", false);
        s.addStringArray("random_slopes");
        s.addBoolean("correlated_slopes", true);
        s.addString("method", "REML");
        s.addString("df_method", "satterthwaite");
        s.addDouble("confidence_level", 0.95);
        s.addStringArray("reference_levels");
        node.loadSettings(s);
        return node;
    }
}
