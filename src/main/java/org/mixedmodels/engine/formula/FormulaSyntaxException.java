package org.mixedmodels.engine.formula;

import org.mixedmodels.engine.MixedModelException;

/** A formula that does not parse; names the 0-based character position and what was expected there. */
public class FormulaSyntaxException extends MixedModelException {
    private static final long serialVersionUID = 1L;
    private final int position;

    public FormulaSyntaxException(String formula, int position, String problem) {
        super(message(formula, position, problem));
        this.position = position;
    }

    public int position() {
        return position;
    }

    private static String message(String formula, int position, String problem) {
        return "Formula syntax error at position " + (position + 1) + ": " + problem + "\n  " + formula
                + "\n  " + " ".repeat(Math.max(0, Math.min(position, formula.length()))) + "^";
    }
}
