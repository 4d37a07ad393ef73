package org.mixedmodels.engine.fit;

import java.util.ArrayList;
import org.mixedmodels.engine.linalg.HyperDual;
import java.util.List;
import org.mixedmodels.engine.MixedModelException;
import org.mixedmodels.engine.design.Design;
import org.mixedmodels.engine.design.RandomEffectTerm;
import org.mixedmodels.engine.design.ResidualDesign;

/**
 * The marginal covariance of a model with a residual covariance term, subject by subject, as a function of
 * the covariance parameters on SAS PROC MIXED's scale: the elements D_ab (a &lt;= b) of each random-effects
 * covariance matrix, then the residual structure's parameters as SAS's Covariance Parameter Estimates list
 * them: UN(i,j) covariances, Toeplitz autocovariances, CS's shared covariance and residual variance, the
 * variances per visit of DIAG, and (sigma^2, rho) for AR(1) and the spatial exponential, (variances, rho) for
 * ARH(1) and CSH, (variances, correlations by lag) for TOEPH, (variances, Rho(j)) for ANTE(1), (sigma^2, rho,
 * gamma) for ARMA(1,1), (sigma^2, range) for SP(GAU), and (spatial variance, phi or range, nugget variance) for
 * SP(EXP) LOCAL and SP(GAU) LOCAL. Kenward-Roger's adjustment depends on this choice where the covariance is not linear in
 * its parameters, so it follows SAS's (Kenward and Roger 1997, sec. 4; SAS/STAT PROC MIXED, DDFM=KR).
 *
 * <p>V_i(psi) = sum_t Z_ti D_t Z_ti' + S_i(psi_residual), with S_i over the subject's own visits. With group-specific
 * parameters (SAS GROUP=) each group has its own block of these, in the group factor's level order, and a subject's
 * S_i is its group's. A varident term alone (independent residuals) has each stratum's residual variance (as SAS's
 * REPEATED / GROUP=, linear); next to a structure it multiplies S_jk by sqrt(c_j c_k), with the variance ratios c of
 * the strata after the first (the first's is 1) appended to psi (SAS has no such combination).
 */
public final class NaturalCovariance {
    private final ResidualDesign residual;
    private final List<RandomEffectTerm> terms;
    private final int[][] rowsBySubject;
    private final String structure;
    private final int visits;
    private final double[] estimates;
    private final int randomCount;
    /** Where each group's structure parameters start in psi. */
    private final int[] groupFrom;
    /** Where the varident variance ratios start in psi (after all groups; none for varident alone). */
    private final int ratioFrom;
    private final int strata;

    public NaturalCovariance(FitResult fit) {
        Design design = fit.design();
        if (fit.residual() == null) {
            throw new IllegalArgumentException("The fit has no residual covariance term.");
        }
        this.residual = design.residual();
        this.terms = design.randomTerms();
        this.rowsBySubject = residual.rowsBySubject();
        this.structure = fit.residual().structure();
        this.visits = fit.residual().visits().size();
        List<Double> psi = new ArrayList<>();
        double sigma2 = fit.sigma() * fit.sigma();
        ThetaLayout thetaLayout = ThetaLayout.of(terms);
        for (int ti = 0; ti < terms.size(); ti++) {
            int k = terms.get(ti).k();
            double[][] d = thetaLayout.termCovariance(fit.theta(), ti);
            for (int a = 0; a < k; a++) {
                for (int b = a; b < k; b++) {
                    psi.add(d[a][b] * sigma2);
                }
            }
        }
        this.randomCount = psi.size();
        ResidualLayout layout = fit.residual().layout();
        double[] a = fit.residual().parameters();
        this.strata = residual.strataCount();
        this.groupFrom = new int[residual.groupCount()];
        java.util.Map<String, Object> top = fit.residual().description();
        for (int g = 0; g < groupFrom.length; g++) {
            // group g's parameters as SAS lists them for GROUP= (each group's own, on its own scale)
            groupFrom[g] = psi.size();
            java.util.Map<?, ?> d = residual.group() == null ? top
                    : (java.util.Map<?, ?>) ((java.util.Map<?, ?>) top.get("groups")).get(residual.group().levels().get(g));
            double groupSigma2 = sigma2 * layout.groupScale(a, g);
            if (structure.equals("id")) {
                // varident alone: each stratum's residual variance (SAS REPEATED / GROUP=), linear
                for (int st = 0; st < strata; st++) {
                    psi.add(groupSigma2 * Math.pow(layout.sdRatio(a, st), 2));
                }
            } else {
                addStructure(d, groupSigma2, psi);
            }
        }
        this.ratioFrom = psi.size();
        if (!structure.equals("id")) {
            // varident next to a structure: the variance ratio of each stratum after the first (nlme's varIdent
            // squared; rows j, k get sqrt(ratio_j ratio_k) times the structure's covariance)
            for (int st = 1; st < strata; st++) {
                psi.add(Math.pow(layout.sdRatio(a, st), 2));
            }
        }
        this.estimates = psi.stream().mapToDouble(Double::doubleValue).toArray();
    }

    /** Appends one group's structure parameters on SAS's scale. */
    private void addStructure(java.util.Map<?, ?> d, double sigma2, List<Double> psi) {
        double[][] cov = (double[][]) d.get("covariance");
        switch (structure) {
            case "us" -> {
                for (int r = 0; r < visits; r++) {
                    for (int c = 0; c <= r; c++) {
                        psi.add(cov[r][c]);
                    }
                }
            }
            case "toep" -> {
                for (int lag = 0; lag < visits; lag++) {
                    psi.add(cov[0][lag]);
                }
            }
            case "cs" -> {
                double shared = visits > 1 ? cov[0][1] : 0;
                psi.add(shared);
                psi.add(cov[0][0] - shared);
            }
            case "diag" -> {
                for (int v = 0; v < visits; v++) {
                    psi.add(cov[v][v]);
                }
            }
            case "ar1", "sp_exp" -> {
                psi.add(sigma2);
                psi.add((Double) d.get("phi"));
            }
            case "ar1h", "csh" -> {
                for (int v = 0; v < visits; v++) {
                    psi.add(cov[v][v]);
                }
                psi.add((Double) d.get(structure.equals("ar1h") ? "phi" : "rho"));
            }
            case "toeph", "adh" -> {
                // SAS TOEPH: Var(j) and the correlation per lag; ANTE(1): Var(j) and Rho(j) of adjacent visits
                for (int v = 0; v < visits; v++) {
                    psi.add(cov[v][v]);
                }
                for (int l = 0; l < visits - 1; l++) {
                    psi.add(structure.equals("toeph") ? cov[0][l + 1] / Math.sqrt(cov[0][0] * cov[l + 1][l + 1])
                            : ((double[]) d.get("rho"))[l]);
                }
            }
            case "arma11" -> {
                // SAS ARMA(1,1): sigma^2 [gamma rho^(|i-j| - 1)]
                psi.add(sigma2);
                psi.add((Double) d.get("phi"));
                psi.add((Double) d.get("gamma"));
            }
            case "sp_gau" -> {
                // SAS SP(GAU): sigma^2 exp(-d^2 / rho^2), rho = sqrt(-1 / log phi)
                psi.add(sigma2);
                psi.add(Math.sqrt(-1 / Math.log((Double) d.get("phi"))));
            }
            case "sp_exp_nugget", "sp_gau_nugget" -> {
                // SAS SP(...) LOCAL: the spatial variance, phi (exp) or the range rho (gau), the nugget variance
                double nugget = (Double) d.get("nugget");
                psi.add(sigma2 * (1 - nugget));
                psi.add(structure.equals("sp_exp_nugget") ? (Double) d.get("phi")
                        : Math.sqrt(-1 / Math.log((Double) d.get("phi"))));
                psi.add(sigma2 * nugget);
            }
            default -> throw new MixedModelException("Unknown residual structure '" + structure + "'.");
        }
    }

    /** The parameters at the estimates. */
    public double[] estimates() {
        return estimates.clone();
    }

    /** Whether V is linear in the parameters (then Kenward-Roger's second-derivative term vanishes). */
    public boolean linear() {
        return List.of("us", "toep", "cs", "diag", "id").contains(structure) && (strata == 1 || structure.equals("id"));
    }

    public int subjects() {
        return rowsBySubject.length;
    }

    /** The model-frame rows of subject s, in visit order. */
    public int[] rows(int s) {
        return rowsBySubject[s].clone();
    }

    /** V_s(psi), the marginal covariance of subject s's rows. */
    public double[][] covariance(int s, double[] psi) {
        HyperDual[][] v = covariance(s, seeded(psi, -1, -1));
        double[][] out = new double[v.length][v.length];
        for (int j = 0; j < v.length; j++) {
            for (int l = 0; l < v.length; l++) {
                out[j][l] = v[j][l].value();
            }
        }
        return out;
    }

    /**
     * dV_s / dpsi_r, dV_s / dpsi_t and d^2 V_s / dpsi_r dpsi_t at psi, analytic (hyper-dual arithmetic, exact to
     * rounding), as {@code [3][m][m]}.
     */
    public double[][][] derivatives(int s, double[] psi, int r, int t) {
        HyperDual[][] v = covariance(s, seeded(psi, r, t));
        int m = v.length;
        double[][][] out = new double[3][m][m];
        for (int j = 0; j < m; j++) {
            for (int l = 0; l < m; l++) {
                out[0][j][l] = v[j][l].d1();
                out[1][j][l] = v[j][l].d2();
                out[2][j][l] = v[j][l].d12();
            }
        }
        return out;
    }

    /** Whether V_s depends on psi_r at all (another group's parameters, a stratum the subject lacks: no). */
    public boolean affects(int s, int r) {
        if (r < randomCount) {
            return true;
        }
        int[] rows = rowsBySubject[s];
        if (r >= ratioFrom) {
            for (int row : rows) {
                if (residual.stratum()[row] - 1 == r - ratioFrom) {
                    return true;
                }
            }
            return false;
        }
        int g = residual.group() == null ? 0 : residual.group().code(rows[0]);
        int end = g + 1 < groupFrom.length ? groupFrom[g + 1] : ratioFrom;
        return r >= groupFrom[g] && r < end;
    }

    private static HyperDual[] seeded(double[] psi, int r, int t) {
        HyperDual[] x = new HyperDual[psi.length];
        for (int i = 0; i < psi.length; i++) {
            x[i] = HyperDual.variable(psi[i], i == r, i == t);
        }
        return x;
    }

    private HyperDual[][] covariance(int s, HyperDual[] psi) {
        int[] rows = rowsBySubject[s];
        int m = rows.length;
        HyperDual[][] v = new HyperDual[m][m];
        for (HyperDual[] row : v) {
            java.util.Arrays.fill(row, HyperDual.ZERO);
        }
        int at = 0;
        for (RandomEffectTerm t : terms) {
            int k = t.k();
            HyperDual[][] dm = new HyperDual[k][k];
            for (int a = 0; a < k; a++) {
                for (int b = a; b < k; b++) {
                    dm[a][b] = psi[at];
                    dm[b][a] = psi[at++];
                }
            }
            double[][] z = t.model().columns();
            for (int j = 0; j < m; j++) {
                for (int l = 0; l < m; l++) {
                    HyperDual sum = v[j][l];
                    for (int a = 0; a < k; a++) {
                        for (int b = 0; b < k; b++) {
                            double zz = z[a][rows[j]] * z[b][rows[l]];
                            if (zz != 0) {
                                sum = sum.plus(dm[a][b].times(zz));
                            }
                        }
                    }
                    v[j][l] = sum;
                }
            }
        }
        int from = groupFrom[residual.group() == null ? 0 : residual.group().code(rows[0])];
        int[] stratum = residual.stratum();
        for (int j = 0; j < m; j++) {
            int pj = residual.position()[rows[j]];
            if (structure.equals("id")) {
                v[j][j] = v[j][j].plus(psi[from + stratum[rows[j]]]);
                continue;
            }
            HyperDual rj = stratum == null || stratum[rows[j]] == 0 ? HyperDual.ONE : psi[ratioFrom + stratum[rows[j]] - 1];
            for (int l = 0; l < m; l++) {
                int pl = residual.position()[rows[l]];
                HyperDual rl = stratum == null || stratum[rows[l]] == 0 ? HyperDual.ONE
                        : psi[ratioFrom + stratum[rows[l]] - 1];
                HyperDual c = residualCovariance(psi, from, j == l, pj, pl, residual.time()[rows[j]],
                        residual.time()[rows[l]]);
                v[j][l] = v[j][l].plus(stratum == null ? c : rj.times(rl).sqrt().times(c));
            }
        }
        return v;
    }

    private HyperDual residualCovariance(HyperDual[] psi, int from, boolean same, int pj, int pl, double tj,
            double tl) {
        int lo = Math.min(pj, pl);
        int hi = Math.max(pj, pl);
        return switch (structure) {
            case "us" -> psi[from + hi * (hi + 1) / 2 + lo];
            case "toep" -> psi[from + hi - lo];
            case "cs" -> same ? psi[from].plus(psi[from + 1]) : psi[from];
            case "diag" -> same ? psi[from + pj] : HyperDual.ZERO;
            case "ar1" -> psi[from].times(psi[from + 1].pow(hi - lo));
            case "sp_exp" -> psi[from].times(psi[from + 1].pow(Math.abs(tj - tl)));
            case "ar1h" -> sd(psi, from, pj, pl).times(psi[from + visits].pow(hi - lo));
            case "csh" -> same ? psi[from + pj] : sd(psi, from, pj, pl).times(psi[from + visits]);
            case "toeph" -> same ? psi[from + pj] : sd(psi, from, pj, pl).times(psi[from + visits + hi - lo - 1]);
            case "adh" -> {
                if (same) {
                    yield psi[from + pj];
                }
                HyperDual r = HyperDual.ONE;
                for (int l = lo; l < hi; l++) {
                    r = r.times(psi[from + visits + l]);
                }
                yield sd(psi, from, pj, pl).times(r);
            }
            case "arma11" -> same ? psi[from] : psi[from].times(psi[from + 2]).times(psi[from + 1].pow(hi - lo - 1));
            case "sp_gau" -> psi[from].times(gaussian(psi[from + 1], tj - tl));
            case "sp_exp_nugget" -> {
                HyperDual c = psi[from].times(psi[from + 1].pow(Math.abs(tj - tl)));
                yield same ? c.plus(psi[from + 2]) : c;
            }
            case "sp_gau_nugget" -> {
                HyperDual c = psi[from].times(gaussian(psi[from + 1], tj - tl));
                yield same ? c.plus(psi[from + 2]) : c;
            }
            default -> throw new MixedModelException("Unknown residual structure '" + structure + "'.");
        };
    }

    /** sqrt(Var(j) Var(l)) of the heterogeneous structures (Var(j) itself on the diagonal). */
    private static HyperDual sd(HyperDual[] psi, int from, int pj, int pl) {
        return pj == pl ? psi[from + pj] : psi[from + pj].times(psi[from + pl]).sqrt();
    }

    /** SAS SP(GAU)'s exp(-d^2 / rho^2). */
    private static HyperDual gaussian(HyperDual range, double d) {
        return range.pow(-2).times(-d * d).exp();
    }
}
