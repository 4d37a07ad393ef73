package org.mixedmodels.engine.inference;

import org.mixedmodels.engine.fit.ThetaLayout;
import java.util.ArrayList;
import java.util.List;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;
import org.ejml.dense.row.factory.LinearSolverFactory_DDRM;
import org.ejml.interfaces.linsol.LinearSolverDense;
import org.mixedmodels.engine.MixedModelException;
import org.mixedmodels.engine.design.Design;
import org.mixedmodels.engine.design.Factor;
import org.mixedmodels.engine.design.RandomEffectTerm;
import org.mixedmodels.engine.fit.FitOptions;
import org.mixedmodels.engine.fit.FitResult;
import org.mixedmodels.engine.fit.NaturalCovariance;

/**
 * Kenward and Roger's (1997, Biometrics 53: 983-997) small-sample adjustment: the adjusted covariance
 * of beta and the scaled F test with its denominator df, as pbkrtest computes them (Halekoh and
 * Hojsgaard 2014, J. Stat. Softw. 59(9)) and SAS's DDFM=KR.
 *
 * <p>The marginal covariance of y is written as a linear combination Sigma = sum_r gamma_r G_r of
 * known matrices: for each random-effects term and each element (a, b), a &lt;= b, of its covariance
 * matrix, G = Z_a Z_b' + Z_b Z_a' (Z_a Z_a' on the diagonal), and the identity for the residual
 * variance. With P_r = -X' Sigma^-1 G_r Sigma^-1 X, Q_rs = X' Sigma^-1 G_r Sigma^-1 G_s Sigma^-1 X and
 * the expected information of gamma, I_rs = tr(Sigma^-1 G_r Sigma^-1 G_s) - 2 tr(Phi Q_rs)
 * + tr(Phi P_r Phi P_s), W = 2 I^-1 (pbkrtest's scaling), the adjusted covariance is
 *
 * <pre>
 *   Phi_A = Phi + 2 Phi (sum_rs W_rs (Q_rs - P_r Phi P_s)) Phi
 * </pre>
 *
 * (the second-derivative term vanishes because Sigma is linear in gamma). Where every grouping factor is
 * nested in one (a random intercept or slopes by subject, {@code (1 | school/class)}), Sigma is block diagonal
 * by that factor's levels and every term is a sum over the blocks: memory and time grow linearly in the rows
 * (100,000 rows of a random intercept take seconds). Crossed factors take V^-1 from the Woodbury identity
 * ({@link WoodburyKenwardRoger}): q x q, q x p and n x p pieces, memory linear in the rows. The dense n x n
 * formulas below remain as the tests' reference ({@link #denseForTest}).
 */
public final class KenwardRoger {
    /** Below this smallest |eigenvalue| the information matrix is pseudo-inverted (pbkrtest's rule). */
    private static final double INFORMATION_CONDITION = 1e-10;
    /**
     * A difference of order-one terms below this fraction of their size is a rounded zero: pbkrtest's 1e-10 and
     * 1e-14 guards, made relative (a few hundred ulps of 1 and above them).
     */
    static final double ZERO_GUARD = 1e-10;

    private final double[][] phi;
    private final double[][] adjusted;
    private final double[] beta;
    /** P_r, p x p each. */
    private final List<DMatrixRMaj> p = new ArrayList<>();
    private final double[][] w;

    public KenwardRoger(FitResult fit) {
        this(fit, false);
    }

    /**
     * @param linear leave out the second derivatives of V (R_rs), as mmrm's "Kenward-Roger-Linear"; changes
     *     nothing where V is linear in its parameters
     */
    public KenwardRoger(FitResult fit, boolean linear) {
        this(fit, linear, InferenceMonitor.NONE);
    }

    /** As above, telling {@code monitor} of each parameter or batch of subjects (which may stop the computation). */
    public KenwardRoger(FitResult fit, boolean linear, InferenceMonitor monitor) {
        if (fit.method() != FitOptions.Method.REML) {
            throw new MixedModelException("Kenward-Roger degrees of freedom are defined for REML fits only; refit"
                    + " with REML or choose satterthwaite.");
        }
        if (fit.fixedEffects().isEmpty()) {
            // no fixed effects (y ~ 0 + (1 | g)): nothing to adjust or test
            this.phi = new double[0][0];
            this.beta = new double[0];
            this.w = new double[0][0];
            this.adjusted = new double[0][0];
            return;
        }
        if (fit.residual() != null) {
            this.phi = fit.fixedCovariance();
            this.beta = fit.beta();
            BlockParts parts = blockParts(fit, phi, new ResidualBlocks(new NaturalCovariance(fit)), linear, monitor);
            p.addAll(parts.p());
            this.w = parts.w();
            this.adjusted = parts.adjusted();
            return;
        }
        Design design = fit.design();
        int n = design.nobs();
        List<Generator> generators = generators(design);
        int m = generators.size() + 1;
        Factor clusters = denseForTest || woodburyForTest ? null : clusters(design);
        if (clusters != null) {
            // V is block diagonal by the levels of a grouping factor that every other one is nested in
            this.phi = fit.fixedCovariance();
            this.beta = fit.beta();
            BlockParts parts = blockParts(fit, phi, new ClusterCovariance(generators,
                covarianceParameters(fit, design), fit.sigma() * fit.sigma(), membersByLevel(clusters)), true, monitor);
            p.addAll(parts.p());
            this.w = parts.w();
            this.adjusted = parts.adjusted();
            return;
        }
        if (!denseForTest) {
            // crossed grouping factors (or a cluster too large for one dense block): V^-1 by the Woodbury identity,
            // from q x q, q x p and n x p pieces, no n x n matrix
            this.phi = fit.fixedCovariance();
            this.beta = fit.beta();
            WoodburyKenwardRoger parts = new WoodburyKenwardRoger(fit, monitor);
            BlockParts assembled = assemble(phi, parts.pr, parts.qrs, null, parts.traces);
            p.addAll(assembled.p());
            this.w = assembled.w();
            this.adjusted = assembled.adjusted();
            return;
        }
        long bytes = 8L * n * n * (m + 3);
        long available = Runtime.getRuntime().maxMemory() - (Runtime.getRuntime().totalMemory()
                - Runtime.getRuntime().freeMemory());
        if (bytes > available * 0.8) {
            throw new MixedModelException(String.format("Kenward-Roger needs %d dense %d x %d matrices (%.1f GB) for"
                    + " %d rows, more than the memory available; use satterthwaite degrees of freedom instead.",
                    m + 3, n, n, bytes / 1e9, n));
        }
        this.phi = fit.fixedCovariance();
        this.beta = fit.beta();
        int pc = phi.length;
        DMatrixRMaj phiM = new DMatrixRMaj(phi);

        double[] gamma = covarianceParameters(fit, design);
        DMatrixRMaj sigmaInv = marginalCovarianceInverse(design, generators, gamma, fit.sigma() * fit.sigma());

        double[][] xCols = design.fixed().columns();
        DMatrixRMaj x = new DMatrixRMaj(n, pc);
        for (int j = 0; j < pc; j++) {
            for (int i = 0; i < n; i++) {
                x.set(i, j, xCols[j][i]);
            }
        }
        DMatrixRMaj tt = new DMatrixRMaj(n, pc);
        CommonOps_DDRM.mult(sigmaInv, x, tt);

        // H_r = G_r Sigma^-1, O_r = H_r X, and Sigma^-1 O_r.
        List<DMatrixRMaj> h = new ArrayList<>();
        List<DMatrixRMaj> o = new ArrayList<>();
        List<DMatrixRMaj> so = new ArrayList<>();
        for (int r = 0; r < m; r++) {
            monitor.step(InferenceMonitor.KENWARD_ROGER, "parameter", r + 1, 2 * m);
            DMatrixRMaj hr = r < generators.size() ? generators.get(r).timesLeft(sigmaInv) : sigmaInv;
            DMatrixRMaj or = new DMatrixRMaj(n, pc);
            CommonOps_DDRM.mult(hr, x, or);
            DMatrixRMaj sor = new DMatrixRMaj(n, pc);
            CommonOps_DDRM.mult(sigmaInv, or, sor);
            DMatrixRMaj pr = new DMatrixRMaj(pc, pc);
            CommonOps_DDRM.multTransA(or, tt, pr);
            CommonOps_DDRM.scale(-1, pr);
            symmetrize(pr);
            h.add(hr);
            o.add(or);
            so.add(sor);
            p.add(pr);
        }
        DMatrixRMaj[][] q = new DMatrixRMaj[m][m];
        double[][] information = new double[m][m];
        for (int r = 0; r < m; r++) {
            monitor.step(InferenceMonitor.KENWARD_ROGER, "parameter", m + r + 1, 2 * m);
            for (int s = r; s < m; s++) {
                DMatrixRMaj qrs = new DMatrixRMaj(pc, pc);
                CommonOps_DDRM.multTransA(o.get(r), so.get(s), qrs);
                q[r][s] = qrs;
                double ktrace = traceOfProduct(h.get(r), h.get(s));
                DMatrixRMaj phiPr = mult(phiM, p.get(r));
                DMatrixRMaj psPhi = mult(p.get(s), phiM);
                information[r][s] = ktrace - 2 * elementSum(phiM, qrs) + elementSum(phiPr, psPhi);
                information[s][r] = information[r][s];
            }
        }
        w = twiceInverse(information);

        DMatrixRMaj u = new DMatrixRMaj(pc, pc);
        for (int r = 0; r < m; r++) {
            for (int s = r; s < m; s++) {
                DMatrixRMaj term = q[r][s].copy();
                CommonOps_DDRM.subtractEquals(term, mult(mult(p.get(r), phiM), p.get(s)));
                CommonOps_DDRM.addEquals(u, w[r][s], term);
                if (r != s) {
                    DMatrixRMaj transposed = CommonOps_DDRM.transpose(term, null);
                    CommonOps_DDRM.addEquals(u, w[r][s], transposed);
                }
            }
        }
        DMatrixRMaj adj = mult(mult(phiM, u), phiM);
        CommonOps_DDRM.scale(2, adj);
        CommonOps_DDRM.addEquals(adj, phiM);
        symmetrize(adj);
        adjusted = toArray(adj);
    }

    /** The Kenward-Roger adjusted covariance matrix of the fixed effects (pbkrtest's vcovAdj). */
    public double[][] adjustedCovariance() {
        double[][] out = new double[adjusted.length][];
        for (int i = 0; i < out.length; i++) {
            out[i] = adjusted[i].clone();
        }
        return out;
    }

    /**
     * The scaled F test of L beta = 0 with Kenward-Roger's denominator df (pbkrtest's KR_adjust): the
     * Wald statistic uses the adjusted covariance and is multiplied by the scaling factor lambda.
     */
    public ContrastTest fTest(double[][] contrast) {
        if (beta.length == 0 || contrast.length == 0) {
            throw new MixedModelException("The model has no fixed effects, so there is nothing to test.");
        }
        int qRows = contrast.length;
        DMatrixRMaj l = new DMatrixRMaj(contrast);
        DMatrixRMaj phiM = new DMatrixRMaj(phi);
        DMatrixRMaj lPhiLt = mult(mult(l, phiM), CommonOps_DDRM.transpose(l, null));
        DMatrixRMaj inner = lPhiLt.copy();
        if (!CommonOps_DDRM.invert(inner)) {
            throw new MixedModelException("The hypothesis matrix of the Kenward-Roger test is singular.");
        }
        // Theta = L' (L Phi L')^-1 L
        DMatrixRMaj theta = mult(mult(CommonOps_DDRM.transpose(l, null), inner), l);
        DMatrixRMaj thetaPhi = mult(theta, phiM);
        int m = p.size();
        double a1 = 0;
        double a2 = 0;
        DMatrixRMaj[] ui = new DMatrixRMaj[m];
        for (int r = 0; r < m; r++) {
            ui[r] = mult(mult(thetaPhi, p.get(r)), phiM);
        }
        for (int r = 0; r < m; r++) {
            for (int s = r; s < m; s++) {
                double e = r == s ? 1 : 2;
                a1 += e * w[r][s] * CommonOps_DDRM.trace(ui[r]) * CommonOps_DDRM.trace(ui[s]);
                a2 += e * w[r][s] * elementSum(ui[r], CommonOps_DDRM.transpose(ui[s], null));
            }
        }
        double qd = qRows;
        double b = (a1 + 6 * a2) / (2 * qd);
        double g = ((qd + 1) * a1 - (qd + 4) * a2) / ((qd + 2) * a2);
        double denom = 3 * qd + 2 * (1 - g);
        double c1 = g / denom;
        double c2 = (qd - g) / denom;
        double c3 = (qd + 2 - g) / denom;
        double v0 = 1 + c1 * b;
        double v1 = 1 - c2 * b;
        double v2 = 1 - c3 * b;
        // pbkrtest sets |V0| < 1e-10 to 0 and takes 0/0 as 1 (.divZero, |x|, |y| < 1e-14). The quantities are
        // differences of terms of order 1 and c b, so the guards are relative to those terms: in a balanced
        // design A2 = q exactly and rounding leaves some 1e-14 where pbkrtest's arithmetic gives 0.
        if (Math.abs(v0) < ZERO_GUARD * (1 + Math.abs(c1 * b))) {
            v0 = 0;
        }
        double ratio = divideOrOne(1 - a2 / qd, 1 + Math.abs(a2 / qd), v1, 1 + Math.abs(c2 * b));
        double rho = ratio * ratio * v0 / (qd * v2);
        double df2 = 4 + (qd + 2) / (qd * rho - 1);
        double scaling = Math.abs(df2 - 2) < 0.01 ? 1 : df2 * (1 - a2 / qd) / (df2 - 2);

        double[] lb = new double[qRows];
        for (int i = 0; i < qRows; i++) {
            for (int j = 0; j < beta.length; j++) {
                lb[i] += contrast[i][j] * beta[j];
            }
        }
        DMatrixRMaj lAdjLt = mult(mult(l, new DMatrixRMaj(adjusted)), CommonOps_DDRM.transpose(l, null));
        if (!CommonOps_DDRM.invert(lAdjLt)) {
            throw new MixedModelException("The adjusted covariance of the Kenward-Roger test is singular.");
        }
        double wald = 0;
        for (int i = 0; i < qRows; i++) {
            for (int j = 0; j < qRows; j++) {
                wald += lb[i] * lAdjLt.get(i, j) * lb[j];
            }
        }
        double f = scaling * wald / qd;
        return new ContrastTest(f, qd, df2, Satterthwaite.upperTailF(f, qd, df2));
    }

    /** What the F test needs: P_r, W = 2 I^-1 and the adjusted covariance. */
    private record BlockParts(List<DMatrixRMaj> p, double[][] w, double[][] adjusted) {
    }

    /**
     * V block by block: a model with a residual covariance term (by subject) or a random-effects model whose
     * grouping factors are all nested in one (by its levels). Derivatives are in the parameters the blocks are
     * linear or not in.
     */
    private interface BlockCovariance {
        int parameters();

        int blocks();

        int[] rows(int block);

        DMatrixRMaj covariance(int block);

        /** dV/dpsi_r of the block. */
        DMatrixRMaj derivative(int block, int r);

        /** d2V/dpsi_r dpsi_s of the block; asked only when {@link #linear()} is false. */
        DMatrixRMaj secondDerivative(int block, int r, int s);

        boolean linear();

        /** Whether psi_r enters the block's V at all (another group's parameters do not). */
        boolean affects(int block, int r);
    }

    /**
     * Residual structures by subject in SAS's parametrization ({@link NaturalCovariance}), with analytic
     * derivatives (hyper-dual arithmetic on V_i(psi)); zero for the parameters of another group and the variance
     * ratios of strata a subject lacks.
     */
    private static final class ResidualBlocks implements BlockCovariance {
        private final NaturalCovariance cov;
        private final double[] psi;

        ResidualBlocks(NaturalCovariance cov) {
            this.cov = cov;
            this.psi = cov.estimates();
        }

        @Override
        public int parameters() {
            return psi.length;
        }

        @Override
        public int blocks() {
            return cov.subjects();
        }

        @Override
        public int[] rows(int block) {
            return cov.rows(block);
        }

        @Override
        public DMatrixRMaj covariance(int block) {
            return new DMatrixRMaj(cov.covariance(block, psi));
        }

        @Override
        public DMatrixRMaj derivative(int block, int r) {
            return new DMatrixRMaj(cov.derivatives(block, psi, r, r)[0]);
        }

        @Override
        public DMatrixRMaj secondDerivative(int block, int r, int s) {
            return new DMatrixRMaj(cov.derivatives(block, psi, r, s)[2]);
        }

        @Override
        public boolean linear() {
            return cov.linear();
        }

        @Override
        public boolean affects(int block, int r) {
            return cov.affects(block, r);
        }
    }

    /**
     * A random-effects model's V = sum_r gamma_r G_r + sigma^2 I by cluster (the levels of the grouping factor the
     * others are nested in): G_r restricted to a cluster's rows, exact derivatives (V is linear in gamma), the
     * residual variance last, as in the dense formulas.
     */
    private static final class ClusterCovariance implements BlockCovariance {
        private final List<Generator> generators;
        private final double[] gamma;
        private final double sigma2;
        private final List<int[]> clusters;

        ClusterCovariance(List<Generator> generators, double[] gamma, double sigma2, List<int[]> clusters) {
            this.generators = generators;
            this.gamma = gamma;
            this.sigma2 = sigma2;
            this.clusters = clusters;
        }

        @Override
        public int parameters() {
            return generators.size() + 1;
        }

        @Override
        public int blocks() {
            return clusters.size();
        }

        @Override
        public int[] rows(int block) {
            return clusters.get(block);
        }

        @Override
        public DMatrixRMaj covariance(int block) {
            int[] rows = clusters.get(block);
            DMatrixRMaj v = new DMatrixRMaj(rows.length, rows.length);
            for (int i = 0; i < rows.length; i++) {
                v.set(i, i, sigma2);
            }
            for (int r = 0; r < generators.size(); r++) {
                generators.get(r).addBlockTo(v, gamma[r], rows);
            }
            return v;
        }

        @Override
        public DMatrixRMaj derivative(int block, int r) {
            int[] rows = clusters.get(block);
            DMatrixRMaj d = new DMatrixRMaj(rows.length, rows.length);
            if (r == generators.size()) {
                for (int i = 0; i < rows.length; i++) {
                    d.set(i, i, 1);
                }
            } else {
                generators.get(r).addBlockTo(d, 1, rows);
            }
            return d;
        }

        @Override
        public DMatrixRMaj secondDerivative(int block, int r, int s) {
            throw new IllegalStateException("V is linear in its parameters");
        }

        @Override
        public boolean linear() {
            return true;
        }

        @Override
        public boolean affects(int block, int r) {
            return true;
        }
    }

    /**
     * The grouping factor of the random-effects terms that every other term's grouping is nested in (each of
     * their levels within one of its levels), or null (crossed factors, or a cluster too large for its dense
     * block: the dense formulas then decide).
     */
    private static Factor clusters(Design design) {
        List<RandomEffectTerm> terms = design.randomTerms();
        if (terms.isEmpty()) {
            return null;
        }
        Factor outer = terms.get(0).grouping();
        for (RandomEffectTerm t : terms) {
            if (t.grouping().levelCount() < outer.levelCount()) {
                outer = t.grouping();
            }
        }
        for (RandomEffectTerm t : terms) {
            Factor inner = t.grouping();
            int[] outerOf = new int[inner.levelCount()];
            java.util.Arrays.fill(outerOf, -1);
            for (int i = 0; i < inner.size(); i++) {
                int l = inner.code(i);
                if (outerOf[l] < 0) {
                    outerOf[l] = outer.code(i);
                } else if (outerOf[l] != outer.code(i)) {
                    return null;
                }
            }
        }
        int[] sizes = new int[outer.levelCount()];
        int largest = 0;
        for (int i = 0; i < outer.size(); i++) {
            largest = Math.max(largest, ++sizes[outer.code(i)]);
        }
        return largest <= MAX_CLUSTER_ROWS ? outer : null;
    }

    /** Largest cluster factored as one dense block (a 4,000 x 4,000 block is 128 MB). */
    private static final int MAX_CLUSTER_ROWS = 4000;

    /** The dense n x n formulas even where V is block diagonal or crossed (tests compare them). */
    static boolean denseForTest;
    /** The Woodbury formulas even where V is block diagonal (tests compare them with the dense ones). */
    static boolean woodburyForTest;

    /**
     * The same quantities block by block, where V is block diagonal ({@link BlockCovariance}: by subject for a
     * residual covariance term, possibly non-linear in its parameters psi, SAS's parametrization; by cluster for
     * nested random effects): with V_r = dV/dpsi_r and V_rs = d2V/dpsi_r dpsi_s,
     * P_r = -sum_i X_i' V_i^-1 V_ir V_i^-1 X_i, Q_rs = sum_i X_i' V_i^-1 V_ir V_i^-1 V_is V_i^-1 X_i,
     * R_rs = sum_i X_i' V_i^-1 V_irs V_i^-1 X_i, and Phi_A = Phi + 2 Phi (sum_rs W_rs (Q_rs - P_r Phi P_s
     * - R_rs / 4)) Phi (Kenward and Roger 1997, eq. 2-5). Memory and time grow linearly in the blocks.
     */
    private static BlockParts blockParts(FitResult fit, double[][] phi, BlockCovariance cov, boolean linear,
            InferenceMonitor monitor) {
        int m = cov.parameters();
        int pc = phi.length;
        double[][] xCols = fit.design().fixed().columns();
        DMatrixRMaj[] pr = new DMatrixRMaj[m];
        DMatrixRMaj[][] q = new DMatrixRMaj[m][m];
        DMatrixRMaj[][] rr = new DMatrixRMaj[m][m];
        for (int r = 0; r < m; r++) {
            pr[r] = new DMatrixRMaj(pc, pc);
            for (int s = 0; s < m; s++) {
                q[r][s] = new DMatrixRMaj(pc, pc);
                rr[r][s] = new DMatrixRMaj(pc, pc);
            }
        }
        double[][] traces = new double[m][m];
        // the monitor hears of about a hundred batches of subjects
        int batch = Math.max(1, cov.blocks() / 100);
        for (int subject = 0; subject < cov.blocks(); subject++) {
            if (subject % batch == 0) {
                monitor.step(InferenceMonitor.KENWARD_ROGER, "subject", subject + 1, cov.blocks());
            }
            int[] rows = cov.rows(subject);
            int ni = rows.length;
            DMatrixRMaj vInv = cov.covariance(subject);
            if (!CommonOps_DDRM.invert(vInv)) {
                throw new MixedModelException("The marginal covariance of a subject is singular; Kenward-Roger cannot"
                        + " be computed for this fit.");
            }
            DMatrixRMaj x = new DMatrixRMaj(ni, pc);
            for (int j = 0; j < ni; j++) {
                for (int c = 0; c < pc; c++) {
                    x.set(j, c, xCols[c][rows[j]]);
                }
            }
            DMatrixRMaj vx = mult(vInv, x);
            DMatrixRMaj[] dv = new DMatrixRMaj[m];
            DMatrixRMaj[] hv = new DMatrixRMaj[m];
            DMatrixRMaj[] hvx = new DMatrixRMaj[m];
            for (int r = 0; r < m; r++) {
                if (!cov.affects(subject, r)) {
                    continue; // another group's parameter, a stratum the subject lacks: dV_r = 0
                }
                dv[r] = cov.derivative(subject, r);
                hv[r] = mult(vInv, dv[r]);
                hvx[r] = mult(hv[r], vx);
                DMatrixRMaj t = new DMatrixRMaj(pc, pc);
                CommonOps_DDRM.multTransA(vx, mult(dv[r], vx), t);
                CommonOps_DDRM.subtractEquals(pr[r], t);
            }
            for (int r = 0; r < m; r++) {
                for (int s = r; s < m; s++) {
                    if (dv[r] == null || dv[s] == null) {
                        continue;
                    }
                    traces[r][s] += traceOfProduct(hv[r], hv[s]);
                    DMatrixRMaj t = new DMatrixRMaj(pc, pc);
                    CommonOps_DDRM.multTransA(vx, mult(dv[r], hvx[s]), t);
                    CommonOps_DDRM.addEquals(q[r][s], t);
                    if (!cov.linear() && !linear) {
                        DMatrixRMaj second = cov.secondDerivative(subject, r, s);
                        DMatrixRMaj u = new DMatrixRMaj(pc, pc);
                        CommonOps_DDRM.multTransA(vx, mult(second, vx), u);
                        CommonOps_DDRM.addEquals(rr[r][s], u);
                    }
                }
            }
        }
        return assemble(phi, pr, q, rr, traces);
    }

    /**
     * The information matrix, W = 2 I^-1 and the adjusted covariance from P_r, Q_rs (r &lt;= s), R_rs (or null
     * where V is linear) and tr(V^-1 V_r V^-1 V_s) (r &lt;= s): Phi_A = Phi + 2 Phi (sum_rs W_rs (Q_rs - P_r Phi P_s
     * - R_rs / 4)) Phi (Kenward and Roger 1997, eq. 2-5).
     */
    private static BlockParts assemble(double[][] phi, DMatrixRMaj[] pr, DMatrixRMaj[][] q, DMatrixRMaj[][] rr,
            double[][] traces) {
        int m = pr.length;
        int pc = phi.length;
        DMatrixRMaj phiM = new DMatrixRMaj(phi);
        double[][] information = new double[m][m];
        for (int r = 0; r < m; r++) {
            symmetrize(pr[r]);
        }
        for (int r = 0; r < m; r++) {
            for (int s = r; s < m; s++) {
                information[r][s] = traces[r][s] - 2 * elementSum(phiM, q[r][s])
                        + elementSum(mult(phiM, pr[r]), mult(pr[s], phiM));
                information[s][r] = information[r][s];
            }
        }
        double[][] w = twiceInverse(information);
        DMatrixRMaj u = new DMatrixRMaj(pc, pc);
        for (int r = 0; r < m; r++) {
            for (int s = r; s < m; s++) {
                DMatrixRMaj term = q[r][s].copy();
                CommonOps_DDRM.subtractEquals(term, mult(mult(pr[r], phiM), pr[s]));
                if (rr != null) {
                    CommonOps_DDRM.addEquals(term, -0.25, rr[r][s]);
                }
                CommonOps_DDRM.addEquals(u, w[r][s], term);
                if (r != s) {
                    CommonOps_DDRM.addEquals(u, w[r][s], CommonOps_DDRM.transpose(term, null));
                }
            }
        }
        DMatrixRMaj adj = mult(mult(phiM, u), phiM);
        CommonOps_DDRM.scale(2, adj);
        CommonOps_DDRM.addEquals(adj, phiM);
        symmetrize(adj);
        return new BlockParts(List.of(pr), w, toArray(adj));
    }

    /**
     * pbkrtest's .divZero: x / y, or 1 when both are zero, each to within {@link #ZERO_GUARD} of the size of the
     * terms it is the difference of ({@code xSize}, {@code ySize}).
     */
    static double divideOrOne(double x, double xSize, double y, double ySize) {
        return Math.abs(x) < ZERO_GUARD * xSize && Math.abs(y) < ZERO_GUARD * ySize ? 1 : x / y;
    }

    // ---- the G matrices ----

    /** One G_r = Z_a Z_b' + Z_b Z_a' (or Z_a Z_a') of one random-effects term, never formed densely. */
    private record Generator(Factor grouping, double[] za, double[] zb, boolean diagonal) {
        /** G Sigma^-1, using that Z_a Z_b' only links rows of the same level. */
        DMatrixRMaj timesLeft(DMatrixRMaj sigmaInv) {
            int n = sigmaInv.numRows;
            int levels = grouping.levelCount();
            double[][] wa = new double[levels][n];
            double[][] wb = diagonal ? wa : new double[levels][n];
            for (int j = 0; j < n; j++) {
                int level = grouping.code(j);
                addScaledRow(wa[level], sigmaInv, j, za[j]);
                if (!diagonal) {
                    addScaledRow(wb[level], sigmaInv, j, zb[j]);
                }
            }
            DMatrixRMaj out = new DMatrixRMaj(n, n);
            for (int i = 0; i < n; i++) {
                int level = grouping.code(i);
                int base = i * n;
                // row i of Z_a Z_b' S is za[i] * sum_{j in level} zb[j] S[j, :]
                double[] rowB = wb[level];
                double[] rowA = wa[level];
                for (int c = 0; c < n; c++) {
                    out.data[base + c] = diagonal ? za[i] * rowA[c] : za[i] * rowB[c] + zb[i] * rowA[c];
                }
            }
            return out;
        }

        /** Adds scale * G restricted to the rows given (a cluster) into the dense matrix of those rows. */
        void addBlockTo(DMatrixRMaj block, double scale, int[] rows) {
            int k = rows.length;
            for (int a = 0; a < k; a++) {
                int i = rows[a];
                for (int b = 0; b < k; b++) {
                    int j = rows[b];
                    if (grouping.code(i) != grouping.code(j)) {
                        continue;
                    }
                    double v = diagonal ? za[i] * za[j] : za[i] * zb[j] + zb[i] * za[j];
                    block.data[a * k + b] += scale * v;
                }
            }
        }

        /** Adds scale * G into the dense matrix (row-major n x n). */
        void addTo(DMatrixRMaj sigma, double scale, List<int[]> members) {
            for (int[] rows : members) {
                for (int i : rows) {
                    for (int j : rows) {
                        double v = diagonal ? za[i] * za[j] : za[i] * zb[j] + zb[i] * za[j];
                        sigma.data[i * sigma.numCols + j] += scale * v;
                    }
                }
            }
        }

        private static void addScaledRow(double[] target, DMatrixRMaj m, int row, double scale) {
            if (scale == 0) {
                return;
            }
            int base = row * m.numCols;
            for (int c = 0; c < target.length; c++) {
                target[c] += scale * m.data[base + c];
            }
        }
    }

    /** One generator per free covariance element: per term, (a, b) with a >= b in column-major order. */
    private static List<Generator> generators(Design design) {
        List<Generator> out = new ArrayList<>();
        for (RandomEffectTerm term : design.randomTerms()) {
            double[][] z = term.model().columns();
            for (int b = 0; b < term.k(); b++) {
                for (int a = b; a < term.k(); a++) {
                    out.add(new Generator(term.grouping(), z[a], z[b], a == b));
                }
            }
        }
        return out;
    }

    /** gamma: the elements of each term's covariance sigma^2 Lambda Lambda', in the generators' order. */
    private static double[] covarianceParameters(FitResult fit, Design design) {
        double sigma2 = fit.sigma() * fit.sigma();
        double[] theta = fit.theta();
        List<Double> gamma = new ArrayList<>();
        ThetaLayout layout = ThetaLayout.of(design.randomTerms());
        for (int t = 0; t < design.randomTerms().size(); t++) {
            int k = design.randomTerms().get(t).k();
            double[][] d = layout.termCovariance(theta, t);
            for (int b = 0; b < k; b++) {
                for (int a = b; a < k; a++) {
                    gamma.add(sigma2 * d[a][b]);
                }
            }
        }
        return gamma.stream().mapToDouble(Double::doubleValue).toArray();
    }

    private static DMatrixRMaj marginalCovarianceInverse(Design design, List<Generator> generators, double[] gamma,
            double sigma2) {
        int n = design.nobs();
        DMatrixRMaj sigma = new DMatrixRMaj(n, n);
        for (int i = 0; i < n; i++) {
            sigma.set(i, i, sigma2);
        }
        for (int r = 0; r < generators.size(); r++) {
            Generator g = generators.get(r);
            g.addTo(sigma, gamma[r], membersByLevel(g.grouping()));
        }
        LinearSolverDense<DMatrixRMaj> chol = LinearSolverFactory_DDRM.symmPosDef(n);
        if (!chol.setA(sigma)) {
            throw new MixedModelException("The marginal covariance matrix of the response is not positive definite;"
                    + " Kenward-Roger cannot be computed for this fit.");
        }
        DMatrixRMaj inv = new DMatrixRMaj(n, n);
        chol.invert(inv);
        symmetrize(inv);
        return inv;
    }

    private static List<int[]> membersByLevel(Factor grouping) {
        int levels = grouping.levelCount();
        int[] counts = new int[levels];
        for (int i = 0; i < grouping.size(); i++) {
            counts[grouping.code(i)]++;
        }
        int[][] rows = new int[levels][];
        for (int l = 0; l < levels; l++) {
            rows[l] = new int[counts[l]];
        }
        int[] fill = new int[levels];
        for (int i = 0; i < grouping.size(); i++) {
            int l = grouping.code(i);
            rows[l][fill[l]++] = i;
        }
        return List.of(rows);
    }

    // ---- small helpers ----

    /**
     * 2 I^-1, or 2 times the Moore-Penrose inverse when I is near singular (pbkrtest's ginv branch). pbkrtest
     * decides on the smallest singular value of I itself, which has the units of the covariance parameters
     * (1 / variance^2); here I is first scaled to unit diagonal, D I D with D = diag(I_rr^-1/2), which is the same
     * for any units of the response and the predictors, and the inverse is D (D I D)^-1 D.
     */
    private static double[][] twiceInverse(double[][] information) {
        int m = information.length;
        double[] d = new double[m];
        for (int r = 0; r < m; r++) {
            double v = Math.abs(information[r][r]);
            d[r] = v > 0 && Double.isFinite(v) ? 1 / Math.sqrt(v) : 1;
        }
        double[][] scaled = new double[m][m];
        for (int r = 0; r < m; r++) {
            for (int c = 0; c < m; c++) {
                scaled[r][c] = d[r] * information[r][c] * d[c];
            }
        }
        org.apache.commons.math3.linear.EigenDecomposition eig = new org.apache.commons.math3.linear.EigenDecomposition(
                org.apache.commons.math3.linear.MatrixUtils.createRealMatrix(scaled));
        double[] values = eig.getRealEigenvalues();
        double smallest = Double.POSITIVE_INFINITY;
        double largest = 0;
        for (double v : values) {
            smallest = Math.min(smallest, Math.abs(v));
            largest = Math.max(largest, Math.abs(v));
        }
        double[][] out = new double[m][m];
        // Moore-Penrose cut-off as MASS::ginv: sqrt(machine epsilon) relative to the largest singular value.
        double cutoff = smallest > INFORMATION_CONDITION * largest ? 0 : Math.sqrt(Math.ulp(1.0)) * largest;
        for (int e = 0; e < m; e++) {
            double v = values[e];
            if (Math.abs(v) <= cutoff) {
                continue;
            }
            double[] vec = eig.getEigenvector(e).toArray();
            for (int r = 0; r < m; r++) {
                for (int c = 0; c < m; c++) {
                    out[r][c] += 2 * d[r] * vec[r] * vec[c] * d[c] / v;
                }
            }
        }
        return out;
    }

    private static DMatrixRMaj mult(DMatrixRMaj a, DMatrixRMaj b) {
        DMatrixRMaj out = new DMatrixRMaj(a.numRows, b.numCols);
        CommonOps_DDRM.mult(a, b, out);
        return out;
    }

    /** sum_ij A_ij B_ij. */
    private static double elementSum(DMatrixRMaj a, DMatrixRMaj b) {
        double s = 0;
        for (int i = 0; i < a.getNumElements(); i++) {
            s += a.data[i] * b.data[i];
        }
        return s;
    }

    /** tr(A B) = sum_ij A_ji B_ij, without forming the product. */
    private static double traceOfProduct(DMatrixRMaj a, DMatrixRMaj b) {
        int n = a.numRows;
        double s = 0;
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                s += a.data[j * n + i] * b.data[i * n + j];
            }
        }
        return s;
    }

    private static void symmetrize(DMatrixRMaj a) {
        int n = a.numRows;
        for (int i = 0; i < n; i++) {
            for (int j = i + 1; j < n; j++) {
                double v = 0.5 * (a.get(i, j) + a.get(j, i));
                a.set(i, j, v);
                a.set(j, i, v);
            }
        }
    }

    private static double[][] toArray(DMatrixRMaj a) {
        double[][] out = new double[a.numRows][a.numCols];
        for (int i = 0; i < a.numRows; i++) {
            for (int j = 0; j < a.numCols; j++) {
                out[i][j] = a.get(i, j);
            }
        }
        return out;
    }
}
