package org.knime.core.node.util.filter;

/** Stand-in for KNIME's include/exclude configuration of a name filter (here: only the lists and the policy). */
public class NameFilterConfiguration implements Cloneable {
    /** Which list takes names that appear later (new columns). */
    public enum EnforceOption {
        EnforceInclusion, EnforceExclusion
    }

    private final String configRootName;
    private String[] includes = new String[0];
    private String[] excludes = new String[0];
    private EnforceOption enforceOption = EnforceOption.EnforceExclusion;

    public NameFilterConfiguration(final String configRootName) {
        this.configRootName = configRootName;
    }

    public void loadDefaults(final String[] includes, final String[] excludes, final EnforceOption enforceOption) {
        this.includes = includes.clone();
        this.excludes = excludes.clone();
        this.enforceOption = enforceOption;
    }

    protected String[] getIncludeList() {
        return includes.clone();
    }

    protected EnforceOption getEnforceOption() {
        return enforceOption;
    }

    protected void setEnforceOption(final EnforceOption option) {
        enforceOption = option;
    }

    String[] includes() {
        return includes;
    }

    String[] excludes() {
        return excludes;
    }

    void setLists(final String[] in, final String[] ex) {
        includes = in.clone();
        excludes = ex.clone();
    }

    String root() {
        return configRootName;
    }
}
