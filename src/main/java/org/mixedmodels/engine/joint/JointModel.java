package org.mixedmodels.engine.joint;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.commons.math3.special.Erf;
import org.mixedmodels.engine.MixedModelException;
import org.mixedmodels.engine.data.DataFrame;
import org.mixedmodels.engine.fit.Bfgs;
import org.mixedmodels.engine.fit.FitMonitor;
import org.mixedmodels.engine.linalg.SmallMatrices;

/**
 * Fits the joint model of a longitudinal marker and the time to an event with shared random effects (Rizopoulos
 * 2010, "JM: An R package for the joint modelling of longitudinal and time-to-event data", J. Stat. Softw. 35(9);
 * the reference implementation is JM 1.5's {@code jointModel} with method {@code weibull-PH-aGH} or
 * {@code piecewise-PH-aGH} and the current-value parameterisation).
 *
 * <p>Steps, each following JM so that the numbers agree with it:
 * <ol>
 * <li>the separate linear mixed model (REML by default, as the {@code lme} fit JM is usually given) supplies the
 * starting values of beta, sigma and D and, through its conditional modes and covariances, the fixed centring and
 * scaling of the pseudo-adaptive Gauss-Hermite rule ({@link JointLikelihood});</li>
 * <li>the event parameters are started by maximising the joint likelihood over them alone with the longitudinal
 * parameters held at the separate fit (a two-stage start in place of JM's EM phase);</li>
 * <li>all parameters are then estimated by BFGS ({@link Bfgs}) on the exact gradient of the quadrature
 * log-likelihood, polished by Newton steps on its numerical Hessian;</li>
 * <li>standard errors come from the inverse of that Hessian (central differences of the gradient; JM uses
 * forward differences), over beta, log sigma, gamma, alpha, the log baseline parameters and the Cholesky factor
 * of D: the standard errors reported (beta, gamma, alpha, log shape, log xi) do not depend on how sigma and D are
 * parameterised, since at the maximum the inverse Hessian's block of the other parameters is invariant.</li>
 * </ol>
 *
 * <p>Dynamic predictions: for subject i with last measurement at t, P(T_i > u | T_i > t, y_i(s), s <= t) is
 * estimated by the first-order (plug-in) estimate of Rizopoulos (2011, Biometrics 67, 819-829, eq. 3), JM's
 * {@code survfitJM(..., simulate = FALSE)}: S_i(u | bhat) / S_i(t | bhat) = exp(-integral from t to u of
 * h_i(s | bhat) ds) at the maximum likelihood estimates, with bhat the mode of p(b | T_i > t, y_i; theta), the
 * posterior given the measurements and survival up to t. The
 * Monte Carlo version that also averages over the posterior of b and theta is not implemented; the first-order
 * estimate is close to it when the subject has several measurements.
 */
public final class JointModel {
    private JointModel() {
    }

    public static JointFitResult fit(DataFrame longitudinal, DataFrame survival, JointModelSpec spec) {
        return fit(longitudinal, survival, spec, FitMonitor.NONE);
    }

    /** A fit that reports every log-likelihood evaluation to {@code monitor} (progress; cancel by throwing). */
    public static JointFitResult fit(DataFrame longitudinal, DataFrame survival, JointModelSpec spec,
            FitMonitor monitor) {
        long start = System.nanoTime();
        JointData data = JointData.build(longitudinal, survival, spec);
        int gh = spec.ghPoints() > 0 ? spec.ghPoints() : (data.q <= 3 && data.nobs < 2000 ? 5 : 3);
        JointLikelihood lik = new JointLikelihood(data, gh);
        lik.monitor(monitor);
        List<String> warnings = new ArrayList<>(data.warnings);

        double[] theta = startingValues(lik);
        // stage 1: event parameters alone
        int[] eventIdx = range(lik.oGamma, lik.oD);
        theta = optimize(lik, theta, eventIdx).x();
        // stage 2: everything
        Bfgs.Result r = optimize(lik, theta, range(0, lik.size));
        theta = r.x();
        boolean converged = r.converged();
        // Newton polish with the numerical Hessian at the BFGS optimum (then recomputed for the standard errors)
        double[][] hessian = hessian(lik, theta);
        for (int it = 0; it < 5; it++) {
            double[] g = new double[lik.size];
            double ll = lik.logLik(theta, g, null);
            double[][] neg = negate(hessian);
            double[] step = SmallMatrices.solveSpd(neg, g);
            if (step == null) {
                break;
            }
            double[] next = theta.clone();
            for (int j = 0; j < next.length; j++) {
                next[j] += step[j];
            }
            double llNext = lik.logLik(next, null, null);
            if (!(llNext >= ll)) {
                break;
            }
            theta = next;
            if (llNext - ll < 1e-10) {
                break;
            }
        }
        hessian = hessian(lik, theta);
        double[] grad = new double[lik.size];
        double logLik = lik.logLik(theta, grad, null);
        if (maxAbs(grad) < 1e-3) {
            converged = true;
        }
        if (!converged) {
            warnings.add("the quasi-Newton iterations did not converge (largest score component "
                    + String.format(java.util.Locale.ROOT, "%.3g", maxAbs(grad)) + "); the estimates may be inaccurate.");
        }
        double[][] covariance = SmallMatrices.inverseSpd(negate(hessian));
        if (covariance == null) {
            warnings.add("the Hessian of the log-likelihood at the estimates is not negative definite; standard errors"
                    + " are not available (the model may be overparameterised for these data).");
            covariance = new double[lik.size][lik.size];
            for (double[] row : covariance) {
                Arrays.fill(row, Double.NaN);
            }
        }

        // coefficient tables
        List<JointCoefficient> longCoefs = new ArrayList<>();
        for (int c = 0; c < lik.p; c++) {
            longCoefs.add(coefficient(data.fixedNames.get(c), theta[c], covariance[c][c]));
        }
        List<String> eventNames = new ArrayList<>();
        if (data.baseline == Baseline.WEIBULL) {
            eventNames.add("(Intercept)");
        }
        eventNames.addAll(data.wNames);
        List<JointCoefficient> eventCoefs = new ArrayList<>();
        for (int c = 0; c < lik.ng; c++) {
            int j = lik.oGamma + c;
            eventCoefs.add(coefficient(eventNames.get(c), theta[j], covariance[j][j]));
        }
        eventCoefs.add(coefficient("Assoct", theta[lik.oAlpha], covariance[lik.oAlpha][lik.oAlpha]));
        for (int c = 0; c < lik.nb; c++) {
            int j = lik.oBase + c;
            String name = data.baseline == Baseline.WEIBULL ? "log(shape)" : "log(xi." + (c + 1) + ")";
            eventCoefs.add(coefficient(name, theta[j], covariance[j][j]));
        }
        int k = lik.size;
        double aic = -2 * logLik + 2 * k;
        double bic = -2 * logLik + Math.log(data.n) * k;

        // random effects
        EmpiricalBayes eb = new EmpiricalBayes(lik, theta);
        double[][] postMean = new double[data.n][];
        lik.logLik(theta, null, postMean);
        int[] all = range(0, data.n);
        double[][] zAtT = data.designAt(all, data.time)[1];
        List<SubjectRandomEffects> ranef = new ArrayList<>();
        for (int i = 0; i < data.n; i++) {
            double[] mode = eb.mode(i, lik.surv[i], data.event[i] == 1 ? zAtT[i] : null, postMean[i]);
            ranef.add(new SubjectRandomEffects(data.subjects.get(i), mode, postMean[i]));
        }
        List<SurvivalPrediction> predictions = predictions(lik, eb, spec.horizons());

        int events = Arrays.stream(data.event).sum();
        double[] knots = data.boundaries == null ? new double[0]
                : Arrays.copyOfRange(data.boundaries, 1, data.boundaries.length - 1);
        double seconds = (System.nanoTime() - start) / 1e9;
        double sigma = Math.exp(theta[lik.oSigma]);
        return new JointFitResult(data.baseline, List.copyOf(longCoefs), List.copyOf(eventCoefs), data.randomNames,
                lik.covariance(theta), sigma, logLik, aic, bic, k, data.n, data.nobs, events, knots, List.copyOf(ranef),
                predictions, lik.parameterNames(), theta, covariance, r.iterations(), converged, gh, seconds,
                List.copyOf(warnings));
    }

    private static List<SurvivalPrediction> predictions(JointLikelihood lik, EmpiricalBayes eb, List<Double> horizons) {
        if (horizons.isEmpty()) {
            return List.of();
        }
        JointData data = lik.data;
        for (double u : horizons) {
            if (!(u > 0) || !Double.isFinite(u)) {
                throw new MixedModelException("A prediction horizon must be a positive time, not " + u + ".");
            }
        }
        double[] sorted = horizons.stream().mapToDouble(Double::doubleValue).sorted().distinct().toArray();
        int n = data.n;
        int[] all = range(0, n);
        double[] last = new double[n];
        for (int i = 0; i < n; i++) {
            last[i] = Arrays.stream(data.measurementTimes[i]).max().orElse(0);
        }
        SurvivalNodes[] atLast = SurvivalNodes.build(data, all, last);
        double[][] modes = new double[n][];
        for (int i = 0; i < n; i++) {
            modes[i] = eb.mode(i, atLast[i], null, data.lmmRanef[i]);
        }
        double[][] prob = new double[n][sorted.length];
        for (int h = 0; h < sorted.length; h++) {
            List<Integer> who = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                if (sorted[h] > last[i]) {
                    who.add(i);
                }
            }
            int[] subj = who.stream().mapToInt(Integer::intValue).toArray();
            double[] lower = new double[subj.length];
            double[] upper = new double[subj.length];
            for (int r = 0; r < subj.length; r++) {
                lower[r] = last[subj[r]];
                upper[r] = sorted[h];
            }
            SurvivalNodes[] nodes = SurvivalNodes.build(data, subj, lower, upper);
            for (int r = 0; r < subj.length; r++) {
                int i = subj[r];
                prob[i][h] = Math.exp(-eb.cumulativeHazard(i, nodes[r], modes[i]));
            }
        }
        List<SurvivalPrediction> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            for (int h = 0; h < sorted.length; h++) {
                if (sorted[h] > last[i]) {
                    out.add(new SurvivalPrediction(data.subjects.get(i), last[i], sorted[h], prob[i][h]));
                }
            }
        }
        return List.copyOf(out);
    }

    private static JointCoefficient coefficient(String term, double estimate, double variance) {
        double se = Math.sqrt(variance);
        double z = estimate / se;
        double p = Double.isFinite(z) ? Erf.erfc(Math.abs(z) / Math.sqrt(2)) : Double.NaN;
        return new JointCoefficient(term, estimate, se, z, p);
    }

    /** Starting values: the separate LMM for beta, sigma and D; a constant hazard and no association for the rest. */
    private static double[] startingValues(JointLikelihood lik) {
        JointData data = lik.data;
        double[] theta = new double[lik.size];
        double[] beta = data.lmm.beta();
        System.arraycopy(beta, 0, theta, 0, lik.p);
        theta[lik.oSigma] = Math.log(data.lmmSigma);
        double events = Arrays.stream(data.event).sum();
        double exposure = Arrays.stream(data.time).sum();
        double logRate = Math.log(events / exposure);
        if (data.baseline == Baseline.WEIBULL) {
            theta[lik.oGamma] = logRate;
            theta[lik.oBase] = 0;
        } else {
            double[] bounds = data.boundaries;
            for (int qi = 0; qi + 1 < bounds.length; qi++) {
                double e = 0;
                double ex = 0;
                for (int i = 0; i < data.n; i++) {
                    ex += Math.max(0, Math.min(data.time[i], bounds[qi + 1]) - bounds[qi]);
                    if (data.event[i] == 1 && data.interval(data.time[i]) == qi) {
                        e++;
                    }
                }
                theta[lik.oBase + qi] = e > 0 && ex > 0 ? Math.log(e / ex) : logRate;
            }
        }
        System.arraycopy(lik.cholParameters(data.lmmD), 0, theta, lik.oD, lik.nd);
        return theta;
    }

    /** BFGS over the parameters {@code free}, the others held, from the inverse numerical Hessian. */
    private static Bfgs.Result optimize(JointLikelihood lik, double[] theta, int[] free) {
        double[] base = theta.clone();
        int m = free.length;
        Bfgs.Objective f = (x, g) -> {
            double[] full = base.clone();
            for (int j = 0; j < m; j++) {
                full[free[j]] = x[j];
            }
            double[] gf = new double[lik.size];
            double v = lik.logLik(full, gf, null);
            for (int j = 0; j < m; j++) {
                g[j] = -gf[free[j]];
            }
            return -v;
        };
        double[] x0 = new double[m];
        for (int j = 0; j < m; j++) {
            x0[j] = theta[free[j]];
        }
        double[][] h = new double[m][m];
        for (int j = 0; j < m; j++) {
            double step = 1e-4 * Math.max(1, Math.abs(x0[j]));
            double[] xp = x0.clone();
            double[] xm = x0.clone();
            xp[j] += step;
            xm[j] -= step;
            double[] gp = new double[m];
            double[] gm = new double[m];
            f.valueAndGradient(xp, gp);
            f.valueAndGradient(xm, gm);
            for (int c = 0; c < m; c++) {
                h[j][c] = (gp[c] - gm[c]) / (2 * step);
            }
        }
        symmetrize(h);
        double[][] h0 = SmallMatrices.inverseSpd(h);
        Bfgs.Result r = Bfgs.minimize(f, x0, h0, 1e-2, 500, 1e-6, 1e-15);
        double[] full = base.clone();
        for (int j = 0; j < m; j++) {
            full[free[j]] = r.x()[j];
        }
        return new Bfgs.Result(full, r.value(), r.gradient(), r.iterations(), r.evaluations(), r.converged(),
                r.message());
    }

    /** The Hessian of the log-likelihood by central differences of its exact gradient. */
    static double[][] hessian(JointLikelihood lik, double[] theta) {
        int n = theta.length;
        double[][] h = new double[n][n];
        for (int j = 0; j < n; j++) {
            double step = 1e-4 * Math.max(1, Math.abs(theta[j]));
            double[] tp = theta.clone();
            double[] tm = theta.clone();
            tp[j] += step;
            tm[j] -= step;
            double[] gp = new double[n];
            double[] gm = new double[n];
            lik.logLik(tp, gp, null);
            lik.logLik(tm, gm, null);
            for (int c = 0; c < n; c++) {
                h[j][c] = (gp[c] - gm[c]) / (2 * step);
            }
        }
        symmetrize(h);
        return h;
    }

    private static void symmetrize(double[][] h) {
        for (int a = 0; a < h.length; a++) {
            for (int b = a + 1; b < h.length; b++) {
                double v = 0.5 * (h[a][b] + h[b][a]);
                h[a][b] = v;
                h[b][a] = v;
            }
        }
    }

    private static double[][] negate(double[][] a) {
        double[][] out = new double[a.length][];
        for (int i = 0; i < a.length; i++) {
            out[i] = new double[a[i].length];
            for (int j = 0; j < a[i].length; j++) {
                out[i][j] = -a[i][j];
            }
        }
        return out;
    }

    private static int[] range(int from, int to) {
        int[] r = new int[to - from];
        for (int i = 0; i < r.length; i++) {
            r[i] = from + i;
        }
        return r;
    }

    private static double maxAbs(double[] v) {
        double m = 0;
        for (double d : v) {
            m = Math.max(m, Math.abs(d));
        }
        return m;
    }
}
