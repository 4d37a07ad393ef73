package org.mixedmodels.engine.data;

/** One named column of a {@link DataFrame}: numeric or categorical, with missing values. */
public sealed interface Column permits NumericColumn, CategoricalColumn {
    String name();

    int size();

    boolean isMissing(int row);

    /** The cell as text (for level labels and messages); null when missing. */
    String label(int row);
}
