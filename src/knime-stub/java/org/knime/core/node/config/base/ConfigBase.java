package org.knime.core.node.config.base;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Enumeration;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

import javax.swing.tree.TreeNode;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.parsers.ParserConfigurationException;

import org.knime.core.node.InvalidSettingsException;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.xml.sax.SAXException;

/**
 * Stand-in for KNIME's settings tree (bundle org.knime.core.util): ordered typed entries and child configs,
 * written and read in KNIME's settings XML format ({@code config} and {@code entry} elements, arrays as a
 * config with {@code array-size}, control characters as {@code %%} plus five decimal digits).
 */
public abstract class ConfigBase extends AbstractConfigEntry implements ConfigBaseRO, ConfigBaseWO {
    private static final String NAMESPACE = "http://www.knime.org/2008/09/XMLConfig";
    private static final String ARRAY_SIZE = "array-size";

    /** One typed value: KNIME's type name (xstring, xdouble, ...) and its text (null for a null string). */
    private record Entry(String type, String value) {
    }

    private final Map<String, Object> entries = new LinkedHashMap<>();

    public ConfigBase(final String key) {
        super(key);
    }

    /** A child of this config's class. */
    public abstract ConfigBase getInstance(String key);

    @Override
    public Set<String> keySet() {
        return Collections.unmodifiableSet(new LinkedHashSet<>(entries.keySet()));
    }

    @Override
    public boolean containsKey(final String k) {
        return entries.containsKey(k);
    }

    @Override
    public final Iterator<String> iterator() {
        return keySet().iterator();
    }

    // ---- children

    @Override
    public final ConfigBase addConfigBase(final String k) {
        ConfigBase child = getInstance(k);
        child.parent = this;
        entries.put(k, child);
        return child;
    }

    @Override
    public final ConfigBase getConfigBase(final String k) throws InvalidSettingsException {
        Object o = entries.get(k);
        if (!(o instanceof ConfigBase)) {
            throw new InvalidSettingsException(o == null ? "Config for key \"" + k + "\" not found."
                : "Entry for key \"" + k + "\" is not a config.");
        }
        return (ConfigBase)o;
    }

    // ---- typed entries

    private void put(final String k, final String type, final String value) {
        entries.put(k, new Entry(type, value));
    }

    private String get(final String k, final String type) throws InvalidSettingsException {
        Object o = entries.get(k);
        if (o == null) {
            throw new InvalidSettingsException("Config for key \"" + k + "\" not found.");
        }
        if (!(o instanceof Entry) || !((Entry)o).type().equals(type)) {
            throw new InvalidSettingsException("Entry for key \"" + k + "\" is not of type " + type.substring(1) + ".");
        }
        return ((Entry)o).value();
    }

    private <T> T parse(final String k, final String type, final Function<String, T> parser)
        throws InvalidSettingsException {
        String v = get(k, type);
        try {
            return parser.apply(v);
        } catch (RuntimeException e) {
            throw new InvalidSettingsException("Entry for key \"" + k + "\" holds \"" + v + "\", not a " + type, e);
        }
    }

    private ConfigBase putArray(final String k, final int size) {
        ConfigBase a = addConfigBase(k);
        a.addInt(ARRAY_SIZE, size);
        return a;
    }

    private int arraySize(final ConfigBase a, final String k) throws InvalidSettingsException {
        if (!a.containsKey(ARRAY_SIZE)) {
            throw new InvalidSettingsException("Config for key \"" + k + "\" is not an array.");
        }
        return a.getInt(ARRAY_SIZE);
    }

    @Override
    public void addString(final String k, final String value) {
        put(k, "xstring", value);
    }

    @Override
    public String getString(final String k) throws InvalidSettingsException {
        return get(k, "xstring");
    }

    @Override
    public String getString(final String k, final String def) {
        try {
            return getString(k);
        } catch (InvalidSettingsException e) {
            return def;
        }
    }

    @Override
    public void addDouble(final String k, final double value) {
        put(k, "xdouble", Double.toString(value));
    }

    @Override
    public double getDouble(final String k) throws InvalidSettingsException {
        return parse(k, "xdouble", Double::parseDouble);
    }

    @Override
    public double getDouble(final String k, final double def) {
        try {
            return getDouble(k);
        } catch (InvalidSettingsException e) {
            return def;
        }
    }

    @Override
    public void addInt(final String k, final int value) {
        put(k, "xint", Integer.toString(value));
    }

    @Override
    public int getInt(final String k) throws InvalidSettingsException {
        return parse(k, "xint", Integer::parseInt);
    }

    @Override
    public int getInt(final String k, final int def) {
        try {
            return getInt(k);
        } catch (InvalidSettingsException e) {
            return def;
        }
    }

    @Override
    public void addLong(final String k, final long value) {
        put(k, "xlong", Long.toString(value));
    }

    @Override
    public long getLong(final String k) throws InvalidSettingsException {
        return parse(k, "xlong", Long::parseLong);
    }

    @Override
    public long getLong(final String k, final long def) {
        try {
            return getLong(k);
        } catch (InvalidSettingsException e) {
            return def;
        }
    }

    @Override
    public void addBoolean(final String k, final boolean value) {
        put(k, "xboolean", Boolean.toString(value));
    }

    @Override
    public boolean getBoolean(final String k) throws InvalidSettingsException {
        return parse(k, "xboolean", s -> {
            if (!s.equals("true") && !s.equals("false")) {
                throw new IllegalArgumentException(s);
            }
            return Boolean.parseBoolean(s);
        });
    }

    @Override
    public boolean getBoolean(final String k, final boolean def) {
        try {
            return getBoolean(k);
        } catch (InvalidSettingsException e) {
            return def;
        }
    }

    @Override
    public void addStringArray(final String k, final String... values) {
        if (values == null) {
            addConfigBase(k); // KNIME: a null array is a config without array-size
            return;
        }
        ConfigBase a = putArray(k, values.length);
        for (int i = 0; i < values.length; i++) {
            a.addString(Integer.toString(i), values[i]);
        }
    }

    @Override
    public String[] getStringArray(final String k) throws InvalidSettingsException {
        ConfigBase a = getConfigBase(k);
        if (!a.containsKey(ARRAY_SIZE)) {
            return null;
        }
        String[] v = new String[arraySize(a, k)];
        for (int i = 0; i < v.length; i++) {
            v[i] = a.getString(Integer.toString(i));
        }
        return v;
    }

    @Override
    public String[] getStringArray(final String k, final String... def) {
        try {
            return getStringArray(k);
        } catch (InvalidSettingsException e) {
            return def;
        }
    }

    @Override
    public void addDoubleArray(final String k, final double... values) {
        ConfigBase a = putArray(k, values.length);
        for (int i = 0; i < values.length; i++) {
            a.addDouble(Integer.toString(i), values[i]);
        }
    }

    @Override
    public double[] getDoubleArray(final String k) throws InvalidSettingsException {
        ConfigBase a = getConfigBase(k);
        double[] v = new double[arraySize(a, k)];
        for (int i = 0; i < v.length; i++) {
            v[i] = a.getDouble(Integer.toString(i));
        }
        return v;
    }

    @Override
    public double[] getDoubleArray(final String k, final double... def) {
        try {
            return getDoubleArray(k);
        } catch (InvalidSettingsException e) {
            return def;
        }
    }

    @Override
    public void addIntArray(final String k, final int... values) {
        ConfigBase a = putArray(k, values.length);
        for (int i = 0; i < values.length; i++) {
            a.addInt(Integer.toString(i), values[i]);
        }
    }

    @Override
    public int[] getIntArray(final String k) throws InvalidSettingsException {
        ConfigBase a = getConfigBase(k);
        int[] v = new int[arraySize(a, k)];
        for (int i = 0; i < v.length; i++) {
            v[i] = a.getInt(Integer.toString(i));
        }
        return v;
    }

    @Override
    public int[] getIntArray(final String k, final int... def) {
        try {
            return getIntArray(k);
        } catch (InvalidSettingsException e) {
            return def;
        }
    }

    @Override
    public void addLongArray(final String k, final long... values) {
        ConfigBase a = putArray(k, values.length);
        for (int i = 0; i < values.length; i++) {
            a.addLong(Integer.toString(i), values[i]);
        }
    }

    @Override
    public long[] getLongArray(final String k) throws InvalidSettingsException {
        ConfigBase a = getConfigBase(k);
        long[] v = new long[arraySize(a, k)];
        for (int i = 0; i < v.length; i++) {
            v[i] = a.getLong(Integer.toString(i));
        }
        return v;
    }

    @Override
    public long[] getLongArray(final String k, final long... def) {
        try {
            return getLongArray(k);
        } catch (InvalidSettingsException e) {
            return def;
        }
    }

    @Override
    public void addBooleanArray(final String k, final boolean... values) {
        ConfigBase a = putArray(k, values.length);
        for (int i = 0; i < values.length; i++) {
            a.addBoolean(Integer.toString(i), values[i]);
        }
    }

    @Override
    public boolean[] getBooleanArray(final String k) throws InvalidSettingsException {
        ConfigBase a = getConfigBase(k);
        boolean[] v = new boolean[arraySize(a, k)];
        for (int i = 0; i < v.length; i++) {
            v[i] = a.getBoolean(Integer.toString(i));
        }
        return v;
    }

    @Override
    public boolean[] getBooleanArray(final String k, final boolean... def) {
        try {
            return getBooleanArray(k);
        } catch (InvalidSettingsException e) {
            return def;
        }
    }

    // ---- XML

    @Override
    public final void saveToXML(final OutputStream os) throws IOException {
        Writer w = new OutputStreamWriter(os, StandardCharsets.UTF_8);
        w.write("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
        w.write("<config xmlns=\"" + NAMESPACE + "\" xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\""
            + " xsi:schemaLocation=\"" + NAMESPACE + " http://www.knime.org/XMLConfig_2008_09.xsd\" key=\""
            + xml(getKey()) + "\">\n");
        writeEntries(w, "    ");
        w.write("</config>\n");
        w.flush();
    }

    private void writeEntries(final Writer w, final String indent) throws IOException {
        for (Map.Entry<String, Object> e : entries.entrySet()) {
            if (e.getValue() instanceof ConfigBase) {
                w.write(indent + "<config key=\"" + xml(e.getKey()) + "\">\n");
                ((ConfigBase)e.getValue()).writeEntries(w, indent + "    ");
                w.write(indent + "</config>\n");
            } else {
                Entry v = (Entry)e.getValue();
                w.write(indent + "<entry key=\"" + xml(e.getKey()) + "\" type=\"" + v.type() + "\" value=\""
                    + (v.value() == null ? "\" isnull=\"true" : xml(v.value())) + "\"/>\n");
            }
        }
    }

    /** XML attribute text with KNIME's escape of control characters (and of a "%%" that would look like one). */
    private static String xml(final String s) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x20 || (c == '%' && i + 1 < s.length() && s.charAt(i + 1) == '%')) {
                b.append(String.format("%%%%%05d", (int)c));
            } else if (c == '&') {
                b.append("&amp;");
            } else if (c == '<') {
                b.append("&lt;");
            } else if (c == '>') {
                b.append("&gt;");
            } else if (c == '"') {
                b.append("&quot;");
            } else {
                b.append(c);
            }
        }
        return b.toString();
    }

    private static String unescape(final String s) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < s.length(); i++) {
            if (s.startsWith("%%", i) && i + 7 <= s.length() && s.substring(i + 2, i + 7).chars()
                .allMatch(Character::isDigit)) {
                b.append((char)Integer.parseInt(s.substring(i + 2, i + 7)));
                i += 6;
            } else {
                b.append(s.charAt(i));
            }
        }
        return b.toString();
    }

    /**
     * Reads KNIME settings XML into a new config of {@code config}'s class, keyed as the file's root (used by
     * NodeSettings/ModelContent.loadFromXML).
     */
    protected static ConfigBase loadFromXML(final ConfigBase config, final InputStream in) throws IOException {
        try {
            DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
            f.setNamespaceAware(true);
            Element root = f.newDocumentBuilder().parse(in).getDocumentElement();
            if (!"config".equals(root.getLocalName())) {
                throw new IOException("Not a KNIME settings file: root element <" + root.getTagName() + ">");
            }
            ConfigBase loaded = config.getInstance(unescape(root.getAttribute("key")));
            loaded.readEntries(root);
            return loaded;
        } catch (ParserConfigurationException | SAXException e) {
            throw new IOException("Malformed settings XML: " + e.getMessage(), e);
        }
    }

    private void readEntries(final Element element) throws IOException {
        for (Node n = element.getFirstChild(); n != null; n = n.getNextSibling()) {
            if (!(n instanceof Element)) {
                continue;
            }
            Element e = (Element)n;
            String k = unescape(e.getAttribute("key"));
            if ("config".equals(e.getLocalName())) {
                addConfigBase(k).readEntries(e);
            } else if ("entry".equals(e.getLocalName())) {
                boolean isNull = "true".equals(e.getAttribute("isnull"));
                put(k, e.getAttribute("type"), isNull ? null : unescape(e.getAttribute("value")));
            } else {
                throw new IOException("Unexpected element <" + e.getTagName() + "> in settings XML");
            }
        }
    }

    // ---- equality (KNIME compares configs by content; AbstractConfigEntry.equals)

    @Override
    boolean sameContent(final AbstractConfigEntry o) {
        return o instanceof ConfigBase c && c.entries.equals(entries);
    }

    @Override
    int contentHash() {
        return entries.hashCode();
    }

    @Override
    public final String toStringValue() {
        return getKey();
    }

    @Override
    public String toString() {
        return getKey() + entries;
    }

    // ---- TreeNode: the child configs

    private List<ConfigBase> childConfigs() {
        List<ConfigBase> c = new ArrayList<>();
        entries.values().forEach(v -> {
            if (v instanceof ConfigBase) {
                c.add((ConfigBase)v);
            }
        });
        return c;
    }

    @Override
    public TreeNode getChildAt(final int childIndex) {
        return childConfigs().get(childIndex);
    }

    @Override
    public int getChildCount() {
        return childConfigs().size();
    }

    @Override
    public int getIndex(final TreeNode node) {
        return childConfigs().indexOf(node);
    }

    @Override
    public final boolean isLeaf() {
        return getChildCount() == 0;
    }

    @Override
    public final Enumeration<TreeNode> children() {
        return Collections.enumeration(new ArrayList<TreeNode>(childConfigs()));
    }
}
