package org.knime.core.node.config.base;

import java.io.Serializable;
import java.util.Collections;
import java.util.Enumeration;

import javax.swing.tree.TreeNode;

/**
 * Stand-in for KNIME's entry of a settings tree (bundle org.knime.core.util): a key, a parent, and as a tree node
 * a leaf unless it is a config.
 */
public abstract class AbstractConfigEntry implements Serializable, TreeNode {
    private static final long serialVersionUID = 1L;

    private final String key;
    /** The config this entry is in (set by ConfigBase). */
    transient ConfigBase parent;

    AbstractConfigEntry(final String key) {
        this.key = key;
    }

    public final String getKey() {
        return key;
    }

    /** The value as text. */
    public abstract String toStringValue();

    /** Content equality, as KNIME's entries compare. */
    abstract boolean sameContent(AbstractConfigEntry o);

    abstract int contentHash();

    @Override
    public boolean equals(final Object o) {
        return o instanceof AbstractConfigEntry e && o.getClass() == getClass() && e.key.equals(key)
            && sameContent(e);
    }

    @Override
    public int hashCode() {
        return key.hashCode() * 31 + contentHash();
    }

    @Override
    public String toString() {
        return key + "=" + toStringValue();
    }

    @Override
    public final TreeNode getParent() {
        return parent;
    }

    @Override
    public final boolean getAllowsChildren() {
        return !isLeaf();
    }

    @Override
    public boolean isLeaf() {
        return true;
    }

    @Override
    public int getChildCount() {
        return 0;
    }

    @Override
    public int getIndex(final TreeNode node) {
        return -1;
    }

    @Override
    public TreeNode getChildAt(final int childIndex) {
        throw new IndexOutOfBoundsException(childIndex);
    }

    @Override
    public Enumeration<TreeNode> children() {
        return Collections.emptyEnumeration();
    }
}
