package org.mixedmodels.engine.fit;

/** A conditional mode (BLUP) of one random effect, with its conditional SD (lme4's {@code condVar}). */
public record RandomEffect(String group, String term, String level, double value, double condsd) {
}
