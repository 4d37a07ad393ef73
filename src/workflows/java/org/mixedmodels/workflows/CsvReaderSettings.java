package org.mixedmodels.workflows;

import java.nio.file.Files;
import java.nio.file.Path;

import org.knime.core.node.InvalidSettingsException;
import org.knime.core.node.NodeSettingsRO;

/**
 * What KNIME does with a CSV Reader's saved model settings before it reads a file: the validation of AP 5.0 (every
 * key it reads without a default; knime-base {@code CSVMultiTableReadConfigSerializer.validate} at
 * analytics-platform/5.0.0, knime-filehandling-core {@code FileSystemConfiguration.validateSettingsForModel}) and
 * the resolution of the file's path (knime-filehandling-core {@code FSLocation}, {@code RelativeTo},
 * {@code LocalRelativeToWorkflowDataFSConnection}, {@code LocalWorkflowAwareFileSystem.isPartOfWorkflow}).
 */
final class CsvReaderSettings {
    private CsvReaderSettings() {
    }

    /** Fails as KNIME's validation fails on a missing or mistyped key (KNIME then resets an IDLE reader). */
    static void validate(final NodeSettingsRO model) throws InvalidSettingsException {
        NodeSettingsRO settings = model.getNodeSettings("settings");
        for (String k : new String[] {"support_short_data_rows", "has_column_header", "has_row_id",
            "skip_empty_data_rows"}) {
            settings.getBoolean(k);
        }
        settings.getInt("autodetect_buffer_size");
        for (String k : new String[] {"column_delimiter", "row_delimiter", "quote_char", "quote_escape_char",
            "comment_char"}) {
            settings.getString(k);
        }
        NodeSettingsRO selection = settings.getNodeSettings("file_selection");
        NodeSettingsRO internals = selection.getNodeSettings("file_system_chooser__Internals");
        internals.getBoolean("has_fs_port");
        NodeSettingsRO path = selection.getNodeSettings("path");
        String type = path.getString("file_system_type");
        // the check of the active file system's own internal key (RelativeToSpecificConfig etc.)
        if (type.equals("RELATIVE")) {
            String relativeTo = internals.getString("relative_to");
            if (!relativeTo.equals(path.getString("file_system_specifier"))) {
                throw new InvalidSettingsException("The CSV Reader's file is relative to '"
                    + path.getString("file_system_specifier") + "' but its chooser says '" + relativeTo + "'.");
            }
        }
        NodeSettingsRO advanced = model.getNodeSettings("advanced_settings");
        advanced.getBoolean("limit_data_rows_scanned");
        advanced.getLong("max_data_rows_scanned");
        advanced.getBoolean("replace_empty_quotes_with_missing");
        String quote = advanced.getString("quote_option");
        if (!java.util.List.of("KEEP_QUOTES", "REMOVE_QUOTES_AND_TRIM", "REMOVE_QUOTES").contains(quote)) {
            throw new InvalidSettingsException("Unknown quote option '" + quote + "' of the CSV Reader.");
        }
        advanced.getBoolean("limit_memory_per_column");
        advanced.getInt("maximum_number_of_columns");
        NodeSettingsRO limit = model.getNodeSettings("limit_rows");
        limit.getBoolean("skip_data_rows");
        limit.getLong("number_of_rows_to_skip");
        limit.getBoolean("limit_data_rows");
        limit.getLong("max_rows");
        limit.getBoolean("skip_lines");
        limit.getLong("number_of_lines_to_skip");
        model.getNodeSettings("encoding").getString("charset");
    }

    /** The local file the reader's path denotes, or the error KNIME gives for it. */
    static Path resolve(final Path workflowDir, final NodeSettingsRO model) throws InvalidSettingsException {
        NodeSettingsRO path = model.getNodeSettings("settings").getNodeSettings("file_selection")
            .getNodeSettings("path");
        if (!path.getBoolean("location_present")) {
            throw new InvalidSettingsException("The CSV Reader has no file selected.");
        }
        String type = path.getString("file_system_type");
        String location = path.getString("path");
        Path wf = workflowDir.toAbsolutePath().normalize();
        switch (type) {
            case "RELATIVE" -> {
                String specifier = path.getString("file_system_specifier");
                if (specifier.equals(WorkflowRunner.WORKFLOW_DATA_AREA)) {
                    Path data = wf.resolve("data");
                    Path file = data.resolve(stripRoot(location)).normalize();
                    if (!file.startsWith(data)) {
                        throw new InvalidSettingsException(location + " leaves the workflow data area.");
                    }
                    return file;
                }
                if (specifier.equals(WorkflowRunner.WORKFLOW_RELATIVE)) {
                    Path file = wf.resolve(stripRoot(location)).normalize();
                    if (isPartOfWorkflow(file)) {
                        throw new InvalidSettingsException(location + " points to/into a workflow. Workflows "
                            + "cannot be opened for reading/writing (read files in the workflow's data folder "
                            + "relative to the workflow data area, " + WorkflowRunner.WORKFLOW_DATA_AREA + ").");
                    }
                    return file;
                }
                throw new InvalidSettingsException("The CSV Reader's file is relative to " + specifier
                    + ", which the headless runner cannot resolve; use " + WorkflowRunner.WORKFLOW_DATA_AREA + ".");
            }
            case "LOCAL" -> {
                return Path.of(location);
            }
            default -> throw new InvalidSettingsException("The CSV Reader's file system " + type
                + " cannot be read headless; use a path relative to the workflow data area.");
        }
    }

    /** KNIME's relative paths may start with '/' (the root of the relative file system). */
    private static String stripRoot(final String location) {
        String s = location;
        while (s.startsWith("/")) {
            s = s.substring(1);
        }
        return s;
    }

    /** A path at or below a workflow folder (one holding workflow.knime), as KNIME's isPartOfWorkflow. */
    static boolean isPartOfWorkflow(final Path file) {
        for (Path p = file; p != null; p = p.getParent()) {
            if (Files.isRegularFile(p.resolve("workflow.knime"))) {
                return true;
            }
        }
        return false;
    }
}
