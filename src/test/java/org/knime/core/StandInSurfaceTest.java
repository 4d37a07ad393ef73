package org.knime.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;

/**
 * The stand-in (src/knime-stub/java) against the real KNIME API: the signatures of the real types, read by
 * {@link ApiSignatures} from knime-core and knime-shared at AP 5.0.0 (the oldest AP the bundle supports) and at
 * master, are kept in src/test/resources/knime-api/ with the real file each came from. Every stand-in type must be
 * a real type of the same kind, modifiers, type parameters and superclass, implementing only real interfaces; every
 * public or protected member it declares must exist with the same signature (modifiers, generic types, checked
 * exceptions) in both versions, deprecated exactly where master deprecates it. A stand-in member that only one
 * version has (say NodeLogger.warn(Supplier), 5.2+) would let code compile that fails on another version.
 */
class StandInSurfaceTest {
    private static final Path LISTS = Path.of("src/test/resources/knime-api");

    private static Map<String, ApiSignatures.Type> list(final String file) throws Exception {
        return ApiSignatures.parse(Files.readAllLines(LISTS.resolve(file), StandardCharsets.UTF_8), new TreeMap<>());
    }

    private static String undeprecated(final String s) {
        return s.replace(" @Deprecated", "");
    }

    @Test
    void theStandInDeclaresOnlyRealSignatures() throws Exception {
        Map<String, ApiSignatures.Type> v50 = list("knime-5.0.0.signatures");
        Map<String, ApiSignatures.Type> master = list("knime-master.signatures");
        Path root = Path.of("src/knime-stub/java");
        Map<String, ApiSignatures.Type> standIn = ApiSignatures.read(List.of(root), ApiSignatures.typesIn(root));
        assertTrue(standIn.size() > 50, "the stand-in's types are read: " + standIn.keySet());
        List<String> wrong = new ArrayList<>();
        for (ApiSignatures.Type s : standIn.values()) {
            ApiSignatures.Type m = master.get(s.name());
            ApiSignatures.Type o = v50.get(s.name());
            if (m == null || o == null) {
                wrong.add(s.name() + ": not a real type in " + (m == null ? "master" : "5.0.0"));
                continue;
            }
            if (!declarationFits(s.declaration(), m.declaration())) {
                wrong.add(s.name() + ": declared\n      " + s.declaration() + "\n    real (master)\n      "
                    + m.declaration());
            }
            if (!declarationFits(undeprecated(s.declaration()), undeprecated(o.declaration()))) {
                wrong.add(s.name() + ": declared\n      " + s.declaration() + "\n    real (5.0.0)\n      "
                    + o.declaration());
            }
            Set<String> old = o.members().stream().map(StandInSurfaceTest::undeprecated).collect(Collectors.toSet());
            for (String member : s.members()) {
                if (!m.members().contains(member)) {
                    wrong.add(s.name() + ": " + member + " (master has no such member"
                        + (m.members().contains(undeprecated(member)) || m.members().contains(member
                            + " @Deprecated") ? ": it differs in its deprecation)" : ")"));
                } else if (!old.contains(undeprecated(member))) {
                    wrong.add(s.name() + ": " + member + " (not in AP 5.0.0)");
                }
            }
        }
        assertEquals("", String.join("\n", wrong), wrong.size() + " differences from the real API");
    }

    /**
     * Same kind, modifiers, name, type parameters and superclass; the stand-in's interfaces a subset of the real
     * ones (a missing one only makes the stand-in stricter).
     */
    private static boolean declarationFits(final String standIn, final String real) {
        String[] s = split(standIn);
        String[] r = split(real);
        if (!s[0].equals(r[0]) || !s[2].equals(r[2])) {
            return false;
        }
        Set<String> realInterfaces = Set.of(r[1].isEmpty() ? new String[0] : r[1].split(", "));
        for (String i : s[1].isEmpty() ? new String[0] : s[1].split(", ")) {
            if (!realInterfaces.contains(i)) {
                return false;
            }
        }
        return true;
    }

    /** {head (kind, modifiers, name, type parameters, superclass), interfaces, deprecation}. */
    private static String[] split(final String declaration) {
        String d = declaration;
        String dep = d.endsWith(" @Deprecated") ? "@Deprecated" : "";
        d = undeprecated(d);
        int impl = d.indexOf(" implements ");
        String head;
        String ifs;
        if (impl >= 0) {
            head = d.substring(0, impl);
            ifs = d.substring(impl + " implements ".length());
        } else if (d.startsWith("interface ") && d.contains(" extends ")) {
            head = d.substring(0, d.indexOf(" extends "));
            ifs = d.substring(d.indexOf(" extends ") + " extends ".length());
        } else {
            head = d;
            ifs = "";
        }
        return new String[] {head, ifs, dep};
    }

    @Test
    void theListsNameTheRealFileOfEveryType() throws Exception {
        for (String f : List.of("knime-5.0.0.signatures", "knime-master.signatures")) {
            Map<String, String> sources = new TreeMap<>();
            ApiSignatures.parse(Files.readAllLines(LISTS.resolve(f), StandardCharsets.UTF_8), sources);
            for (Map.Entry<String, String> e : sources.entrySet()) {
                assertTrue(e.getValue().endsWith(e.getKey().replace('.', '/') + ".java"), f + ": " + e);
            }
        }
    }
}
