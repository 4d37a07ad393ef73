package org.knime.core.node;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;

/** The stand-in's settings tree writes KNIME's settings XML and reads it back exactly. */
class NodeSettingsXmlTest {

    @Test
    void everyTypeRoundTrips() throws Exception {
        NodeSettings s = new NodeSettings("model");
        s.addString("text", "a \"quoted\" <tag> & new\nline, 100%% sure, \u00e9\u4e2d");
        s.addString("null", null);
        s.addDouble("tenth", 0.1);
        s.addDoubleArray("doubles", -0.0, 1e-300, Double.NaN, Double.POSITIVE_INFINITY, Math.PI);
        s.addInt("int", -7);
        s.addLong("long", Long.MIN_VALUE);
        s.addBoolean("flag", true);
        s.addStringArray("strings", "x", "", "y");
        s.addIntArray("ints", 1, 2);
        s.addBooleanArray("flags", true, false);
        s.addNodeSettings("child").addNodeSettings("grandchild");
        ModelContent m = new ModelContent("content");
        m.addModelContent("inner").addDouble("v", 2.5);

        ByteArrayOutputStream out = new ByteArrayOutputStream();
        s.saveToXML(out);
        String xml = out.toString(StandardCharsets.UTF_8);
        assertTrue(xml.contains("xmlns=\"http://www.knime.org/2008/09/XMLConfig\""), xml);
        assertTrue(xml.contains("<entry key=\"tenth\" type=\"xdouble\" value=\"0.1\"/>"), xml);
        assertTrue(xml.contains("<entry key=\"array-size\" type=\"xint\" value=\"3\"/>"), xml);
        assertTrue(xml.contains("%%00010"), "newline escaped as KNIME does: " + xml);
        assertTrue(xml.contains("isnull=\"true\""), xml);

        NodeSettingsRO r = NodeSettings.loadFromXML(new ByteArrayInputStream(out.toByteArray()));
        assertEquals(s, r);
        assertEquals("a \"quoted\" <tag> & new\nline, 100%% sure, \u00e9\u4e2d", r.getString("text"));
        assertNull(r.getString("null"));
        assertEquals(0.1, r.getDouble("tenth"));
        double[] d = r.getDoubleArray("doubles");
        assertEquals(Double.doubleToRawLongBits(-0.0), Double.doubleToRawLongBits(d[0]));
        assertEquals(1e-300, d[1]);
        assertTrue(Double.isNaN(d[2]));
        assertEquals(Double.POSITIVE_INFINITY, d[3]);
        assertEquals(Math.PI, d[4]);
        assertEquals(-7, r.getInt("int"));
        assertEquals(Long.MIN_VALUE, r.getLong("long"));
        assertTrue(r.getBoolean("flag"));
        assertArrayEquals(new String[] {"x", "", "y"}, r.getStringArray("strings"));
        assertArrayEquals(new int[] {1, 2}, r.getIntArray("ints"));
        assertArrayEquals(new boolean[] {true, false}, r.getBooleanArray("flags"));
        assertTrue(r.getNodeSettings("child").containsKey("grandchild"));

        ByteArrayOutputStream mout = new ByteArrayOutputStream();
        m.saveToXML(mout);
        ModelContentRO mr = ModelContent.loadFromXML(new ByteArrayInputStream(mout.toByteArray()));
        assertEquals(2.5, mr.getModelContent("inner").getDouble("v"));
    }

    @Test
    void missingOrMistypedKeysThrowAndDefaultsApply() {
        NodeSettings s = new NodeSettings("model");
        s.addString("name", "x");
        InvalidSettingsException missing = assertThrows(InvalidSettingsException.class, () -> s.getInt("count"));
        assertTrue(missing.getMessage().contains("\"count\""), missing.getMessage());
        assertThrows(InvalidSettingsException.class, () -> s.getDouble("name"));
        assertEquals(3, s.getInt("count", 3));
        assertEquals("d", s.getString("other", "d"));
        assertArrayEquals(new double[] {1}, s.getDoubleArray("none", 1));
    }
}
