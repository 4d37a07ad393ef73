package org.mixedmodels.spark;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.sql.Row;
import org.mixedmodels.engine.MixedModelException;
import org.mixedmodels.engine.data.NumericColumn;
import org.mixedmodels.engine.design.CrossProducts;
import org.mixedmodels.engine.design.Design;
import org.mixedmodels.engine.design.VisitPatterns;
import org.mixedmodels.engine.fit.FitOptions;
import org.mixedmodels.engine.fit.FitResult;
import org.mixedmodels.engine.fit.RandomEffect;
import org.mixedmodels.engine.fit.ResidualCovarianceModel;
import org.mixedmodels.engine.formula.Formula;
import org.mixedmodels.engine.formula.ResidualTerm;
import scala.Tuple2;

/**
 * The statistics of a model with a residual covariance term ({@code ar1(visit | subject)}, {@code us}, {@code cs},
 * random effects by the same subject optional), aggregated by visit pattern ({@link VisitPatterns}): the rows coded
 * by the engine's encoder are reduced by subject ({@code reduceByKey}), each subject's rows in visit order become
 * one stacked row [x_t y_t] and its Z rows, and those are reduced by pattern ({@code reduceByKey} on the pattern's
 * key). The driver receives one (m (p + 1))^2 sum per pattern.
 */
final class ByVisitPattern {
    private ByVisitPattern() {
    }

    /** A subject's coded rows: per row its visit position, stratum, group, Z row and [x y] row, as doubles. */
    static final class SubjectRows implements Serializable {
        private static final long serialVersionUID = 1L;
        final List<double[]> rows = new ArrayList<>();

        SubjectRows merged(SubjectRows o) {
            SubjectRows out = new SubjectRows();
            out.rows.addAll(rows);
            out.rows.addAll(o.rows);
            return out;
        }
    }

    static SparkStatistics.Result compute(Formula formula, String formulaText, FitOptions options,
            SparkStatistics.LevelPass levels, SparkStatistics.Cells cells, JavaRDD<Row> rows, String[] selected,
            SparkStatistics.ShuffleMeter meter, long t0) {
        ResidualTerm structure = null;
        ResidualTerm varIdent = null;
        for (ResidualTerm t : formula.residualTerms()) {
            if (t.isVarIdent()) {
                varIdent = t;
            } else {
                structure = t;
            }
        }
        if (structure == null) {
            throw new MixedModelException("varident(...) without a correlation structure orders visits by their rows "
                    + "within subject, which statistics by visit pattern do not see; add a structure such as "
                    + "cs(visit | subject), or fit in memory.");
        }
        String refusal = VisitPatterns.refusal(structure.structure());
        if (refusal != null) {
            throw new MixedModelException(refusal);
        }
        CrossProducts.Encoder encoder = CrossProducts.Encoder.forVisitPatterns(formulaText, levels.categoricalLevels(),
                levels.tuples, options.referenceLevels(), options.levelOrders());
        boolean[] isCategorical = levels.categoricalFlags();
        String timeVar = structure.time();
        String subjectVar = structure.subject();
        String groupVar = structure.group();
        String stratumVar = varIdent == null ? null : varIdent.time();
        if (stratumVar != null && !encoder.levels().containsKey(stratumVar)) {
            throw new MixedModelException("varident(" + stratumVar + " | " + varIdent.subject() + ") needs a "
                    + "categorical column whose levels have their own residual variance, but '" + stratumVar
                    + "' is numeric; use a categorical column (or factor(" + stratumVar + ")).");
        }
        boolean categoricalTime = encoder.levels().containsKey(timeVar);
        long t1 = System.nanoTime();
        // the visits: a categorical visit's levels in the engine's order, or a numeric time's distinct values over
        // the rows used, ascending (as ResidualDesign orders them)
        List<String> visits = new ArrayList<>();
        double[] times;
        if (categoricalTime) {
            visits.addAll(encoder.levels().get(timeVar));
            times = null;
        } else {
            TreeSet<Double> distinct = rows.mapPartitions((Iterator<Row> it) -> {
                TreeSet<Double> part = new TreeSet<>();
                SparkStatistics.Batches.forEachCoded(it, cells, selected, isCategorical, encoder, (b, c, x) -> {
                    for (double v : x.get(timeVar)) {
                        part.add(v);
                    }
                });
                return List.of(part).iterator();
            }).treeReduce((a, b) -> {
                a.addAll(b);
                return a;
            });
            times = distinct.stream().mapToDouble(Double::doubleValue).toArray();
            for (double v : times) {
                visits.add(NumericColumn.format(v));
            }
        }
        long t2 = System.nanoTime();
        JavaPairRDD<Integer, SubjectRows> bySubjectRdd = rows.mapPartitionsToPair((Iterator<Row> it) -> {
            Map<Integer, SubjectRows> bySubject = new HashMap<>();
            SparkStatistics.Batches.forEachCoded(it, cells, selected, isCategorical, encoder, (b, c, x) -> {
                int[] subject = c.get(subjectVar);
                int[] visit = categoricalTime ? c.get(timeVar) : null;
                double[] time = categoricalTime ? null : x.get(timeVar);
                int[] stratum = stratumVar == null ? null : c.get(stratumVar);
                int[] group = groupVar == null ? null : c.get(groupVar);
                int p = b.x().length;
                int q = 0;
                for (double[][] zt : b.z()) {
                    q += zt.length;
                }
                for (int i = 0; i < b.size(); i++) {
                    double[] row = new double[3 + q + p + 1];
                    row[0] = categoricalTime ? visit[i] : java.util.Arrays.binarySearch(times, time[i]);
                    row[1] = stratum == null ? 0 : stratum[i];
                    row[2] = group == null ? 0 : group[i];
                    int at = 3;
                    for (double[][] zt : b.z()) {
                        for (double[] col : zt) {
                            row[at++] = col[i];
                        }
                    }
                    for (double[] col : b.x()) {
                        row[at++] = col[i];
                    }
                    row[at] = b.y()[i];
                    bySubject.computeIfAbsent(subject[i], k -> new SubjectRows()).rows.add(row);
                }
            });
            List<Tuple2<Integer, SubjectRows>> out = new ArrayList<>(bySubject.size());
            bySubject.forEach((k, v) -> out.add(new Tuple2<>(k, v)));
            return out.iterator();
        }).reduceByKey(SubjectRows::merged);
        List<Tuple2<String, VisitPatterns.Pattern>> reduced = bySubjectRdd.mapPartitionsToPair(it -> {
            VisitPatterns part = null;
            while (it.hasNext()) {
                Tuple2<Integer, SubjectRows> s = it.next();
                List<double[]> r = new ArrayList<>(s._2().rows);
                r.sort((u, v) -> Double.compare(u[0], v[0]));
                int m = r.size();
                int p = encoder.fixedColumnCount();
                int q = encoder.randomColumnCount();
                if (part == null) {
                    part = new VisitPatterns(p, q);
                }
                int[] position = new int[m];
                int[] stratum = stratumVar == null ? null : new int[m];
                double[][] z = new double[m][q];
                double[][] xy = new double[m][p + 1];
                for (int j = 0; j < m; j++) {
                    double[] row = r.get(j);
                    position[j] = (int) row[0];
                    if (j > 0 && position[j] == position[j - 1]) {
                        throw new MixedModelException("Subject '" + encoder.levels().get(subjectVar).get(s._1())
                                + "' has visit '" + visits.get(position[j]) + "' of '" + timeVar + "' more than once; "
                                + "a residual covariance term needs at most one row per subject and visit.");
                    }
                    if (row[2] != r.get(0)[2]) {
                        throw new MixedModelException("Subject '" + encoder.levels().get(subjectVar).get(s._1())
                                + "' has rows in more than one level of '" + groupVar + "'; each subject belongs to "
                                + "one group.");
                    }
                    if (stratum != null) {
                        stratum[j] = (int) row[1];
                    }
                    System.arraycopy(row, 3, z[j], 0, q);
                    System.arraycopy(row, 3 + q, xy[j], 0, p + 1);
                }
                part.addSubject(position, stratum, (int) r.get(0)[2], z, xy);
            }
            List<Tuple2<String, VisitPatterns.Pattern>> out = new ArrayList<>();
            if (part != null) {
                part.byKey().forEach((k, v) -> out.add(new Tuple2<>(k, v)));
            }
            return out.iterator();
        }).reduceByKey(VisitPatterns::merged).collect();
        List<VisitPatterns.Pattern> patterns = new ArrayList<>(reduced.size());
        for (Tuple2<String, VisitPatterns.Pattern> t : reduced) {
            patterns.add(t._2());
        }
        long t3 = System.nanoTime();
        VisitPatterns stats = VisitPatterns.of(encoder.fixedColumnCount(), encoder.randomColumnCount(), patterns);
        Design design = VisitPatterns.rowFreeDesign(encoder, visits, stats, levels.omitted);
        Map<String, Long> missing = new LinkedHashMap<>();
        List<String> vars = formula.variables();
        for (int v = 0; v < vars.size(); v++) {
            if (levels.missing[v] > 0) {
                missing.put(vars.get(v), levels.missing[v]);
            }
        }
        SubjectBlups blups = encoder.randomColumnCount() == 0 ? null : new SubjectBlups(bySubjectRdd, encoder, visits,
                stats, levels.omitted, subjectVar, times, stratumVar != null);
        return new SparkStatistics.Result(null, new SparkStatistics.Passes((t1 - t0) / 1e9, (t2 - t1) / 1e9,
                (t3 - t2) / 1e9, meter.bytes(), levels.rowsRead, levels.omitted, missing), design, stats.bytes(),
                blups);
    }

    /**
     * The second pass at the optimum: per subject (its rows grouped again by subject) the BLUP and conditional SD,
     * computed on the executors by the engine's own per-subject code
     * ({@link ResidualCovarianceModel#subjectBlup}) and collected to the driver, one q-vector pair per subject.
     */
    static final class SubjectBlups implements SparkStatistics.BlupPass {
        private final JavaPairRDD<Integer, SubjectRows> bySubject;
        private final CrossProducts.Encoder encoder;
        private final List<String> visits;
        private final VisitPatterns stats;
        private final long omitted;
        private final String subjectVar;
        private final double[] times;
        private final boolean hasStrata;

        SubjectBlups(JavaPairRDD<Integer, SubjectRows> bySubject, CrossProducts.Encoder encoder, List<String> visits,
                VisitPatterns stats, long omitted, String subjectVar, double[] times, boolean hasStrata) {
            this.bySubject = bySubject;
            this.encoder = encoder;
            this.visits = visits;
            this.stats = stats;
            this.omitted = omitted;
            this.subjectVar = subjectVar;
            this.times = times;
            this.hasStrata = hasStrata;
        }

        @Override
        public List<RandomEffect> blups(FitResult fit) {
            int p = encoder.fixedColumnCount();
            int q = encoder.randomColumnCount();
            if (fit.fixedEffects().size() != p) {
                throw new MixedModelException("The fit has " + fit.fixedEffects().size() + " fixed effects but the "
                        + "statistics " + p + " columns; its BLUPs cannot be computed from the rows' coding.");
            }
            double[] beta = new double[p];
            for (int j = 0; j < p; j++) {
                beta[j] = fit.fixedEffects().get(j).estimate();
            }
            double[] theta = fit.theta();
            double[] a = fit.residual().parameters();
            double sigma = fit.sigma();
            boolean reml = fit.method() == FitOptions.Method.REML;
            CrossProducts.Encoder enc = encoder;
            List<String> vis = visits;
            VisitPatterns st = stats;
            long om = omitted;
            double[] tm = times;
            boolean strata = hasStrata;
            List<Tuple2<Integer, double[][]>> collected = bySubject.mapPartitionsToPair(it -> {
                // the engine's model of the row-free design, built once per partition: the covariance's layout
                ResidualCovarianceModel model = new ResidualCovarianceModel(
                        VisitPatterns.rowFreeDesign(enc, vis, st, om), reml);
                List<Tuple2<Integer, double[][]>> out = new ArrayList<>();
                while (it.hasNext()) {
                    Tuple2<Integer, SubjectRows> s = it.next();
                    List<double[]> r = new ArrayList<>(s._2().rows);
                    r.sort((u, v) -> Double.compare(u[0], v[0]));
                    int m = r.size();
                    int[] position = new int[m];
                    double[] time = new double[m];
                    int[] stratum = strata ? new int[m] : null;
                    double[][] z = new double[m][q];
                    double[] res = new double[m];
                    for (int j = 0; j < m; j++) {
                        double[] row = r.get(j);
                        position[j] = (int) row[0];
                        time[j] = tm == null ? Double.NaN : tm[position[j]];
                        if (stratum != null) {
                            stratum[j] = (int) row[1];
                        }
                        System.arraycopy(row, 3, z[j], 0, q);
                        double e = row[3 + q + p];
                        for (int k = 0; k < p; k++) {
                            e -= row[3 + q + k] * beta[k];
                        }
                        res[j] = e;
                    }
                    out.add(new Tuple2<>(s._1(), model.subjectBlup(theta, a, sigma, position, time, stratum,
                            (int) r.get(0)[2], z, res)));
                }
                return out.iterator();
            }).collect();
            List<Tuple2<Integer, double[][]>> sorted = new ArrayList<>(collected);
            sorted.sort((u, v) -> Integer.compare(u._1(), v._1()));
            List<String> labels = encoder.levels().get(subjectVar);
            // the in-memory fit's order: per term, per column, every subject in the subject factor's order
            List<RandomEffect> out = new ArrayList<>();
            int offset = 0;
            for (org.mixedmodels.engine.design.RandomEffectTerm t : fit.design().randomTerms()) {
                for (int c = 0; c < t.k(); c++) {
                    for (Tuple2<Integer, double[][]> s : sorted) {
                        out.add(new RandomEffect(t.groupName(), t.columnNames().get(c), labels.get(s._1()),
                                s._2()[0][offset + c], s._2()[1][offset + c]));
                    }
                }
                offset += t.k();
            }
            return out;
        }
    }
}
