package org.mixedmodels.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Map;
import com.fasterxml.jackson.core.io.NumberOutput;

/**
 * A minimal JSON writer for the command line's output: maps (insertion-ordered), lists, strings,
 * numbers, booleans and null. Non-finite numbers are written as null, since JSON has no NaN.
 */
public final class Json {
    /** Characters gathered before they are handed to the output (a fit's JSON can be 100 MB of BLUPs). */
    private static final int CHUNK = 1 << 16;
    /** Doubles whose text is remembered: BLUPs' conditional SDs repeat across groups of one size. */
    private static final int CACHE = 1 << 12;
    /** Numbers formatted in one block of a long array (see {@link #writeInBlocks}). */
    static final int BLOCK = 1 << 13;

    private final StringBuilder out = new StringBuilder();
    private final Appendable sink;
    private final String[] indents = new String[64];
    private final long[] cachedBits = new long[CACHE];
    private final String[] cachedText = new String[CACHE];

    private Json(Appendable sink) {
        this.sink = sink;
    }

    public static String write(Object value) {
        Json json = new Json(null);
        json.write(value, 0);
        return json.out.append('\n').toString();
    }

    /** Writes the value (and a line end) to the output in chunks, the same characters as {@link #write(Object)}. */
    static void write(Object value, Appendable output) throws IOException {
        Json json = new Json(output);
        try {
            json.write(value, 0);
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
        json.out.append('\n');
        output.append(json.out);
    }

    private void flushChunk() {
        if (sink != null && out.length() >= CHUNK) {
            try {
                sink.append(out);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            out.setLength(0);
        }
    }

    private String indent(int level) {
        if (level >= indents.length) {
            return "  ".repeat(level);
        }
        String s = indents[level];
        if (s == null) {
            s = indents[level] = "  ".repeat(level);
        }
        return s;
    }

    private void write(Object value, int indent) {
        if (value == null) {
            out.append("null");
        } else if (value instanceof String s) {
            string(s, out);
        } else if (value instanceof Double d) {
            out.append(Double.isFinite(d) ? number(d) : "null");
        } else if (value instanceof Number || value instanceof Boolean) {
            out.append(value);
        } else if (value instanceof double[][] rows) {
            write(java.util.Arrays.asList(rows), indent);
        } else if (value instanceof double[] a && sink != null && a.length >= 2 * BLOCK
                && java.util.concurrent.ForkJoinPool.getCommonPoolParallelism() > 1) {
            writeInBlocks(a);
        } else if (value instanceof double[] a) {
            out.append('[');
            for (int i = 0; i < a.length; i++) {
                out.append(i == 0 ? "" : ", ").append(Double.isFinite(a[i]) ? number(a[i]) : "null");
            }
            out.append(']');
        } else if (value instanceof Map<?, ?> map) {
            if (map.isEmpty()) {
                out.append("{}");
                return;
            }
            out.append("{\n");
            int i = 0;
            for (Map.Entry<?, ?> e : map.entrySet()) {
                out.append(indent(indent + 1));
                string(String.valueOf(e.getKey()), out);
                out.append(": ");
                write(e.getValue(), indent + 1);
                out.append(++i < map.size() ? ",\n" : "\n");
            }
            out.append(indent(indent)).append('}');
        } else if (value instanceof List<?> list) {
            if (list.isEmpty()) {
                out.append("[]");
                return;
            }
            out.append("[\n");
            for (int i = 0; i < list.size(); i++) {
                out.append(indent(indent + 1));
                write(list.get(i), indent + 1);
                out.append(i + 1 < list.size() ? ",\n" : "\n");
                flushChunk();
            }
            out.append(indent(indent)).append(']');
        } else {
            throw new IllegalArgumentException("cannot write " + value.getClass() + " as JSON");
        }
    }

    /**
     * A long array of numbers (fitted values: one per row) in blocks of {@link #BLOCK}, two at a time: this thread
     * formats the first while a thread of the common pool formats the second, whichever starts it first (this
     * thread takes the second itself when no pool thread has begun it, so it never waits for a task that has
     * not started). The blocks are appended in order: the same characters as one pass. Formatting the numbers
     * ({@link #shortest}) is most of the time of writing a fit of a million rows.
     */
    private void writeInBlocks(double[] a) {
        out.append('[');
        for (int b = 0; b * BLOCK < a.length; b += 2) {
            int second = (b + 1) * BLOCK;
            Block other = second < a.length ? new Block(a, second) : null;
            if (other != null) {
                java.util.concurrent.ForkJoinPool.commonPool().execute(other::run);
            }
            out.append(block(a, b * BLOCK));
            flushChunk();
            if (other != null) {
                other.run();
                out.append(other.text());
                flushChunk();
            }
        }
        out.append(']');
    }

    /** One block's text, formatted by whichever thread claims it first. */
    private static final class Block {
        private final double[] values;
        private final int from;
        private final java.util.concurrent.atomic.AtomicBoolean claimed = new java.util.concurrent.atomic.AtomicBoolean();
        private final java.util.concurrent.CompletableFuture<String> text = new java.util.concurrent.CompletableFuture<>();

        Block(double[] values, int from) {
            this.values = values;
            this.from = from;
        }

        void run() {
            if (claimed.compareAndSet(false, true)) {
                try {
                    text.complete(block(values, from));
                } catch (RuntimeException | Error e) {
                    text.completeExceptionally(e);
                }
            }
        }

        String text() {
            return text.join();
        }
    }

    /** Numbers from..from+BLOCK of the array (fewer at its end), each after ", " but the array's first. */
    private static String block(double[] a, int from) {
        int to = Math.min(a.length, from + BLOCK);
        StringBuilder s = new StringBuilder((to - from) * 21);
        for (int i = from; i < to; i++) {
            s.append(i == 0 ? "" : ", ").append(Double.isFinite(a[i]) ? text(a[i]) : "null");
        }
        return s.toString();
    }

    /** What {@link #number} writes, without its cache (which belongs to one thread). */
    private static String text(double d) {
        return d == Math.rint(d) && Math.abs(d) < 1e15 ? Long.toString((long) d) : shortest(d);
    }

    /**
     * The shortest decimal that reads back as the same double, in Double.toString's layout (Schubfach, Giulietti
     * 2020, as jackson-core implements it and Java 19's Double.toString does): Java 17's Double.toString round-trips
     * too, but sometimes with a digit more (-1.16296247292687411E18 for -1.162962472926874E18), and takes 5-10
     * times as long, which was most of the time of writing a large fit's JSON.
     */
    static String shortest(double d) {
        return NumberOutput.toString(d, true);
    }

    /** Shortest text that reads back as the same double ({@link #shortest}; whole numbers as integers). */
    private String number(double d) {
        if (d == Math.rint(d) && Math.abs(d) < 1e15) {
            return Long.toString((long) d);
        }
        long bits = Double.doubleToRawLongBits(d);
        int slot = (int) (bits ^ bits >>> 29 ^ bits >>> 47) & CACHE - 1;
        if (cachedText[slot] != null && cachedBits[slot] == bits) {
            return cachedText[slot];
        }
        String text = shortest(d);
        cachedBits[slot] = bits;
        cachedText[slot] = text;
        return text;
    }

    private static void string(String s, StringBuilder out) {
        out.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> {
                    if (c < 0x20) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        out.append('"');
    }
}
