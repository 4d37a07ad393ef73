package org.mixedmodels.cli;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The commands' options: {@code --flag value} or {@code --flag=value}, repeatable, and value-less switches.
 * Mistakes are {@link Main.UsageException}s (exit code 2, the one wrong option and a pointer to --help).
 */
final class CommandLineOptions {
    private CommandLineOptions() {
    }

    /** Parses the arguments of one command against its table of options. */
    static Map<String, List<String>> parse(String[] args, Commands.Command command) {
        return parse(args, command.name(), command.flags(), command.switches());
    }

    /**
     * @param args the arguments; a leading {@code command} (the command's own name) is skipped
     * @param flags the options the command takes
     * @param switches the options among them that take no value
     */
    static Map<String, List<String>> parse(String[] args, String command, Set<String> flags, Set<String> switches) {
        Map<String, List<String>> options = new LinkedHashMap<>();
        int start = args.length > 0 && args[0].equals(command) ? 1 : 0;
        for (int i = start; i < args.length; i++) {
            String a = args[i];
            String flag = a;
            String value;
            int eq = a.indexOf('=');
            if (a.startsWith("--") && eq > 0 && flags.contains(a.substring(0, eq))) {
                flag = a.substring(0, eq);
                value = a.substring(eq + 1);
            } else if (switches.contains(a) && flags.contains(a)) {
                value = "true";
            } else {
                if (!flags.contains(a)) {
                    String near = a.startsWith("-") ? Commands.closest(a.contains("=") ? a.substring(0, a.indexOf('='))
                            : a, flags) : null;
                    throw new Main.UsageException((a.startsWith("-") ? "unknown option '" + a + "' for " + command
                            : "unexpected argument '" + a + "' for " + command + " (options start with --)")
                            + (near != null ? "; did you mean " + near + "?" : "."));
                }
                if (i + 1 >= args.length) {
                    throw new Main.UsageException("Option " + a + " needs a value.");
                }
                value = args[++i];
            }
            options.computeIfAbsent(flag, f -> new ArrayList<>()).add(value);
        }
        return options;
    }

    /** The option's single value; null when it is absent and not required. */
    static String single(Map<String, List<String>> options, String flag, boolean required) {
        List<String> values = options.get(flag);
        if (values == null) {
            if (required) {
                throw new Main.UsageException("Missing " + flag + ".");
            }
            return null;
        }
        if (values.size() > 1) {
            throw new Main.UsageException(flag + " is given " + values.size() + " times; give it once.");
        }
        if (values.get(0).isBlank()) {
            throw new Main.UsageException(flag + " needs a value, not an empty string.");
        }
        return values.get(0);
    }

    /** --format text|json, in any case; true for json. */
    static boolean isJson(Map<String, List<String>> options) {
        String format = single(options, "--format", false);
        if (format != null && !format.equalsIgnoreCase("text") && !format.equalsIgnoreCase("json")) {
            throw new Main.UsageException("--format must be text or json, not '" + format + "'.");
        }
        return "json".equalsIgnoreCase(format);
    }
}
