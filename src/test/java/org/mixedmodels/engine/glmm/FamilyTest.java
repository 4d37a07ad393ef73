package org.mixedmodels.engine.glmm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import org.junit.jupiter.api.Test;
import org.mixedmodels.engine.testing.ReferenceCase;

/**
 * The families and links against R's family objects (cases/glmm_families.json, from generate-glmm-slice.R):
 * linkfun, linkinv, mu.eta, variance, dev.resids and aic, including R's guards at extreme eta (+-35). Tolerance
 * 1e-12 relative: closed forms, only rounding (probit's qnorm/pnorm: commons-math against R's algorithms, 1e-9).
 */
class FamilyTest {

    private static double[] arr(JsonObject o, String f) {
        JsonArray a = o.getAsJsonArray(f);
        double[] out = new double[a.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = a.get(i).getAsDouble();
        }
        return out;
    }

    private static void close(double expected, double actual, double tol, String what) {
        assertEquals(expected, actual, tol * Math.max(Math.abs(expected), Double.MIN_NORMAL), what);
    }

    @Test
    void linksAsR() {
        ReferenceCase c = ReferenceCase.load("glmm_families");
        int checked = 0;
        for (JsonObject l : c.objects("links")) {
            GlmFamily f = new GlmFamily(Family.of(l.get("family").getAsString()), Link.of(l.get("link").getAsString()));
            double tol = f.link() == Link.PROBIT ? 1e-9 : 1e-12;
            double[] mu = arr(l, "mu");
            double[] eta = arr(l, "eta");
            double[] linkfun = arr(l, "linkfun");
            double[] variance = arr(l, "variance");
            for (int i = 0; i < mu.length; i++) {
                close(linkfun[i], f.linkfun(mu[i]), tol, f + " linkfun(" + mu[i] + ")");
                close(variance[i], f.variance(mu[i]), 1e-14, f + " variance(" + mu[i] + ")");
            }
            double[] linkinv = arr(l, "linkinv");
            double[] muEta = arr(l, "mu_eta");
            for (int i = 0; i < eta.length; i++) {
                close(linkinv[i], f.linkinv(eta[i]), tol, f + " linkinv(" + eta[i] + ")");
                close(muEta[i], f.muEta(eta[i]), tol, f + " mu.eta(" + eta[i] + ")");
                checked++;
            }
        }
        assertEquals(3 * 7 + 5, checked);
    }

    @Test
    void devianceResidualsAndAicAsR() {
        ReferenceCase c = ReferenceCase.load("glmm_families");
        JsonObject dev = c.json().getAsJsonObject("dev");
        for (String k : new String[] {"binomial", "binary", "poisson"}) {
            JsonObject o = dev.getAsJsonObject(k);
            Family fam = k.equals("poisson") ? Family.POISSON : Family.BINOMIAL;
            double[] y = arr(o, "y");
            double[] wt = arr(o, "wt");
            double[] mu = arr(o, "mu");
            double[] d = arr(o, "dev_resids");
            for (int i = 0; i < y.length; i++) {
                close(d[i], fam.devResid(y[i], mu[i], wt[i]), 1e-12, k + " dev.resids row " + i);
            }
            close(o.get("aic").getAsDouble(), fam.aic(y, mu, wt), 1e-12, k + " aic");
        }
    }

    @Test
    void linksBelongToTheirFamilies() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new GlmFamily(Family.POISSON, Link.LOGIT));
        assertTrue(e.getMessage().contains("poisson") && e.getMessage().contains("use log"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Link.of("identity"));
        assertEquals(Link.CLOGLOG, Link.of("cloglog"));
        assertEquals(Link.LOGIT, Family.BINOMIAL.defaultLink());
        assertEquals(Link.LOG, Family.POISSON.defaultLink());
    }
}
