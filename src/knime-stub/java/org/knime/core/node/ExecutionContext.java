package org.knime.core.node;

import java.util.ArrayList;
import java.util.List;

import org.knime.core.data.DataRow;
import org.knime.core.data.DataTable;
import org.knime.core.data.DataTableSpec;

/** Stand-in for KNIME's execution context: progress, cancellation and table creation. */
public class ExecutionContext extends ExecutionMonitor {

    ExecutionContext() {
        super();
    }

    private ExecutionContext(final State state, final double offset, final double fraction) {
        super(state, offset, fraction);
    }

    public BufferedDataContainer createDataContainer(final DataTableSpec spec) {
        return new BufferedDataContainer(spec);
    }

    public BufferedDataContainer createDataContainer(final DataTableSpec spec, final boolean initDomain) {
        return new BufferedDataContainer(spec);
    }

    public BufferedDataTable createBufferedDataTable(final DataTable table, final ExecutionMonitor exec)
        throws CanceledExecutionException {
        List<DataRow> rows = new ArrayList<>();
        for (DataRow r : table) {
            exec.checkCanceled();
            rows.add(r);
        }
        return new BufferedDataTable(table.getDataTableSpec(), rows);
    }

    public BufferedDataTable createSpecReplacerTable(final BufferedDataTable in, final DataTableSpec newSpec) {
        List<DataRow> rows = new ArrayList<>();
        in.forEach(rows::add);
        return new BufferedDataTable(newSpec, rows);
    }

    public ExecutionContext createSubExecutionContext(final double maxProg) {
        return new ExecutionContext(state, state.progress, maxProg);
    }

    public ExecutionContext createSilentSubExecutionContext(final double maxProg) {
        return createSubExecutionContext(maxProg);
    }

    /** Stand-in only: lets the test harness press the cancel button. */
    void cancel() {
        state.canceled = true;
    }

    void cancelAfterChecks(final int checks) {
        state.checksBeforeCancel = checks;
    }

    void cancelWhen(final java.util.function.Predicate<String> message) {
        state.cancelWhen = message;
    }

    List<String> messages() {
        synchronized (state.messages) {
            return new ArrayList<>(state.messages);
        }
    }

    double progress() {
        return state.progress;
    }

    String message() {
        return state.message;
    }
}
