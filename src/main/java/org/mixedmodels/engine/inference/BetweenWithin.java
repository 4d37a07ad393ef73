package org.mixedmodels.engine.inference;

import java.util.List;
import org.mixedmodels.engine.MixedModelException;
import org.mixedmodels.engine.design.Design;
import org.mixedmodels.engine.design.Factor;
import org.mixedmodels.engine.design.RandomEffectTerm;

/**
 * Between/within degrees of freedom as nlme's {@code lme} assigns them (Pinheiro and Bates 2000,
 * Mixed-Effects Models in S and S-PLUS, section 2.4.2) and SAS's DDFM=BW: with grouping levels
 * nested from the outermost (1) to the innermost (Q), a coefficient is estimated at the outermost
 * level within whose groups its column is not constant; level i has
 * {@code (groups_i - groups_{i-1}) - (coefficients estimated at i)} df, the residual level
 * {@code n - groups_Q - (coefficients estimated there)}. The intercept counts against the outermost
 * level but is reported with the innermost level's df, as nlme does (e.g. 24 animals, a between-animal
 * dose: dose has 24 - 1 - 1 = 22 df).
 */
final class BetweenWithin {
    private BetweenWithin() {
    }

    static double[] df(Design design) {
        List<RandomEffectTerm> terms = design.randomTerms();
        // Distinct grouping factors, coarsest first (fewest levels); each must be nested in the one before.
        List<Factor> levels = terms.stream().map(RandomEffectTerm::grouping)
                .collect(java.util.stream.Collectors.toMap(Factor::name, f -> f, (a, b) -> a, java.util.LinkedHashMap::new))
                .values().stream().sorted(java.util.Comparator.comparingInt(Factor::levelCount)).toList();
        for (int i = 1; i < levels.size(); i++) {
            if (!nested(levels.get(i), levels.get(i - 1))) {
                throw new MixedModelException("Between-within degrees of freedom need nested grouping factors, but '"
                        + levels.get(i).name() + "' is not nested in '" + levels.get(i - 1).name()
                        + "'; use satterthwaite or kenward-roger.");
            }
        }
        double[][] x = design.fixed().columns();
        int p = x.length;
        int q = levels.size();
        int[] at = new int[p];
        int[] count = new int[q + 1];
        int interceptIndex = design.fixed().names().indexOf(org.mixedmodels.engine.design.ModelMatrix.INTERCEPT);
        for (int j = 0; j < p; j++) {
            if (j == interceptIndex) {
                continue;
            }
            // The coarsest level within whose groups the column is constant (constancy within a coarse
            // level implies it within every finer, nested one); none: the residual level.
            int level = q;
            for (int i = q - 1; i >= 0; i--) {
                if (levels.get(i).isConstantWithinLevels(x[j], 0)) {
                    level = i;
                } else {
                    break;
                }
            }
            at[j] = level;
            count[level]++;
        }
        if (interceptIndex >= 0) {
            count[0]++;
            at[interceptIndex] = q;
        }
        double[] levelDf = new double[q + 1];
        int previous = 0;
        for (int i = 0; i < q; i++) {
            levelDf[i] = levels.get(i).levelCount() - previous - count[i];
            previous = levels.get(i).levelCount();
        }
        levelDf[q] = design.nobs() - previous - count[q];
        double[] df = new double[p];
        for (int j = 0; j < p; j++) {
            df[j] = levelDf[at[j]];
        }
        return df;
    }

    private static boolean nested(Factor inner, Factor outer) {
        int[] parent = new int[inner.levelCount()];
        java.util.Arrays.fill(parent, -1);
        for (int i = 0; i < inner.size(); i++) {
            int g = inner.code(i);
            if (parent[g] < 0) {
                parent[g] = outer.code(i);
            } else if (parent[g] != outer.code(i)) {
                return false;
            }
        }
        return true;
    }
}
