package org.knime.core;

import java.io.File;
import java.io.IOException;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import javax.lang.model.element.Element;
import javax.lang.model.element.ElementKind;
import javax.lang.model.element.ExecutableElement;
import javax.lang.model.element.Modifier;
import javax.lang.model.element.TypeElement;
import javax.lang.model.element.TypeParameterElement;
import javax.lang.model.element.VariableElement;
import javax.lang.model.type.TypeMirror;
import javax.lang.model.util.Elements;
import javax.tools.JavaCompiler;
import javax.tools.StandardJavaFileManager;
import javax.tools.ToolProvider;

import com.sun.source.util.JavacTask;

/**
 * The public surface of Java types as javac sees it in their sources: per type its declaration (kind, modifiers,
 * type parameters with bounds, superclass, interfaces, deprecation) and every public or protected member
 * (constructors, methods, fields, nested types) with modifiers, type parameters, generic parameter and return
 * types, checked exceptions and deprecation. The same function reads KNIME's real sources (to write the list in
 * src/test/resources/knime-api/, {@link #main}) and the stand-in's (in {@code StandInSurfaceTest}), so both sides are
 * printed alike.
 */
public final class ApiSignatures {
    private ApiSignatures() {
    }

    /** One type: its declaration line and its members' lines. */
    public record Type(String name, String declaration, Set<String> members) {
    }

    /**
     * Reads the named top-level types from the source roots (other types they refer to are resolved from the same
     * roots; unresolvable ones print as javac's error types, which affects only members the stand-in does not have).
     */
    public static Map<String, Type> read(final List<Path> sourceRoots, final Set<String> typeNames)
        throws IOException {
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        try (StandardJavaFileManager fm = javac.getStandardFileManager(null, null, StandardCharsets.UTF_8)) {
            List<File> files = new ArrayList<>();
            for (String t : typeNames) {
                for (Path root : sourceRoots) {
                    Path f = root.resolve(t.replace('.', '/') + ".java");
                    if (Files.isRegularFile(f)) {
                        files.add(f.toFile());
                        break;
                    }
                }
            }
            String sp = sourceRoots.stream().map(Path::toString).collect(Collectors.joining(File.pathSeparator));
            JavacTask task = (JavacTask)javac.getTask(new StringWriter(), fm, d -> {
            }, List.of("-proc:none", "-implicit:none", "-sourcepath", sp, "-nowarn", "-Xlint:none"), null,
                fm.getJavaFileObjectsFromFiles(files));
            task.parse();
            Elements el = task.getElements();
            Map<String, Type> out = new TreeMap<>();
            for (String t : typeNames) {
                TypeElement te = el.getTypeElement(t);
                if (te != null) {
                    out.put(t, describe(te, el));
                }
            }
            return out;
        }
    }

    static Type describe(final TypeElement te, final Elements el) {
        StringBuilder d = new StringBuilder();
        d.append(te.getKind().name().toLowerCase()).append(' ').append(modifiers(te)).append(te.getQualifiedName())
            .append(typeParameters(te.getTypeParameters()));
        if (te.getKind() == ElementKind.CLASS) {
            d.append(" extends ").append(te.getSuperclass());
        }
        List<String> ifs = te.getInterfaces().stream().map(TypeMirror::toString).sorted().toList();
        if (!ifs.isEmpty()) {
            d.append(te.getKind() == ElementKind.INTERFACE ? " extends " : " implements ").append(String.join(", ",
                ifs));
        }
        if (el.isDeprecated(te)) {
            d.append(" @Deprecated");
        }
        Set<String> members = new TreeSet<>();
        for (Element e : te.getEnclosedElements()) {
            Set<Modifier> m = e.getModifiers();
            boolean visible = m.contains(Modifier.PUBLIC) || m.contains(Modifier.PROTECTED)
                || te.getKind() == ElementKind.INTERFACE && e.getKind() != ElementKind.CONSTRUCTOR;
            if (!visible || e.getKind() == ElementKind.STATIC_INIT || e.getKind() == ElementKind.INSTANCE_INIT) {
                continue;
            }
            String dep = el.isDeprecated(e) ? " @Deprecated" : "";
            switch (e.getKind()) {
                case CONSTRUCTOR, METHOD -> members.add(executable((ExecutableElement)e, te) + dep);
                case FIELD, ENUM_CONSTANT -> members.add("field " + modifiers(e) + ((VariableElement)e).asType()
                    + " " + e.getSimpleName() + dep);
                case CLASS, INTERFACE, ENUM, RECORD, ANNOTATION_TYPE -> members.add("nested " + e.getKind().name()
                    .toLowerCase() + " " + modifiers(e) + e.getSimpleName() + dep);
                default -> {
                }
            }
        }
        return new Type(te.getQualifiedName().toString(), d.toString(), members);
    }

    private static String executable(final ExecutableElement e, final TypeElement owner) {
        StringBuilder b = new StringBuilder();
        boolean ctor = e.getKind() == ElementKind.CONSTRUCTOR;
        b.append(ctor ? "constructor " : "method ").append(modifiers(e));
        String tp = typeParameters(e.getTypeParameters());
        if (!tp.isEmpty()) {
            b.append(tp).append(' ');
        }
        if (!ctor) {
            b.append(e.getReturnType()).append(' ');
        }
        b.append(ctor ? owner.getSimpleName() : e.getSimpleName()).append('(');
        List<String> params = new ArrayList<>();
        for (int i = 0; i < e.getParameters().size(); i++) {
            String p = e.getParameters().get(i).asType().toString();
            if (e.isVarArgs() && i == e.getParameters().size() - 1) {
                p = p.substring(0, p.length() - 2) + "...";
            }
            params.add(p);
        }
        b.append(String.join(", ", params)).append(')');
        List<String> thrown = e.getThrownTypes().stream().map(TypeMirror::toString).sorted().toList();
        if (!thrown.isEmpty()) {
            b.append(" throws ").append(String.join(", ", thrown));
        }
        return b.toString();
    }

    private static String modifiers(final Element e) {
        StringBuilder b = new StringBuilder();
        for (Modifier m : new Modifier[] {Modifier.PUBLIC, Modifier.PROTECTED, Modifier.ABSTRACT, Modifier.STATIC,
            Modifier.FINAL, Modifier.DEFAULT}) {
            if (e.getModifiers().contains(m)) {
                b.append(m).append(' ');
            }
        }
        return b.toString();
    }

    private static String typeParameters(final List<? extends TypeParameterElement> tps) {
        if (tps.isEmpty()) {
            return "";
        }
        return tps.stream().map(t -> {
            String bounds = t.getBounds().stream().map(TypeMirror::toString).filter(s -> !s.equals(
                "java.lang.Object")).collect(Collectors.joining(" & "));
            return t.getSimpleName() + (bounds.isEmpty() ? "" : " extends " + bounds);
        }).collect(Collectors.joining(", ", "<", ">"));
    }

    /** The top-level types of a source root (the stand-in's). */
    public static Set<String> typesIn(final Path root) throws IOException {
        try (Stream<Path> s = Files.walk(root)) {
            return s.filter(p -> p.toString().endsWith(".java")).map(p -> root.relativize(p).toString()
                .replace(File.separatorChar, '.').replaceAll("\\.java$", "")).collect(Collectors.toCollection(
                    TreeSet::new));
        }
    }

    /** Writes the list, one block per type: {@code type <name> <source file>}, the declaration, the members. */
    static String format(final Map<String, Type> types, final Map<String, String> sources) {
        StringBuilder b = new StringBuilder();
        for (Type t : types.values()) {
            b.append("type ").append(t.name()).append("  ").append(sources.get(t.name())).append('\n');
            b.append("  ").append(t.declaration()).append('\n');
            for (String m : t.members()) {
                b.append("    ").append(m).append('\n');
            }
        }
        return b.toString();
    }

    /** Parses what {@link #format} writes (lines starting with '#' are comments). */
    public static Map<String, Type> parse(final List<String> lines, final Map<String, String> sources) {
        Map<String, Type> out = new TreeMap<>();
        String name = null;
        String decl = null;
        Set<String> members = null;
        for (String line : lines) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            if (line.startsWith("type ")) {
                if (name != null) {
                    out.put(name, new Type(name, decl, members));
                }
                String[] p = line.substring(5).split("  ", 2);
                name = p[0];
                sources.put(name, p.length > 1 ? p[1] : "");
                decl = null;
                members = new TreeSet<>();
            } else if (line.startsWith("    ")) {
                members.add(line.substring(4));
            } else {
                decl = line.substring(2);
            }
        }
        if (name != null) {
            out.put(name, new Type(name, decl, members));
        }
        return out;
    }

    /**
     * Writes the real signatures of the stand-in's types: {@code main(standInRoot, outFile, label, baseDir, sourceRoot...)},
     * e.g. for knime-core and knime-shared checked out at a tag.
     */
    public static void main(final String[] args) throws IOException {
        Path standIn = Path.of(args[0]);
        Path base = Path.of(args[3]);
        List<Path> roots = Stream.of(args).skip(4).map(Path::of).toList();
        Set<String> names = typesIn(standIn);
        Map<String, Type> real = read(roots, names);
        Map<String, String> sources = new TreeMap<>();
        for (String n : real.keySet()) {
            for (Path r : roots) {
                Path f = r.resolve(n.replace('.', '/') + ".java");
                if (Files.isRegularFile(f)) {
                    sources.put(n, args[2] + " " + base.relativize(f).toString().replace(File.separatorChar, '/'));
                    break;
                }
            }
        }
        Files.writeString(Path.of(args[1]), format(real, sources), StandardCharsets.UTF_8);
    }
}
