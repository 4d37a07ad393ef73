package org.knime.core.data;

import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

/** Stand-in for KNIME's column type: the cell class, compatible with every value interface it implements. */
public final class DataType {
    private static final Map<Class<? extends DataCell>, DataType> TYPES = new ConcurrentHashMap<>();
    static final DataType MISSING = new DataType(MissingCell.class);
    private static final DataCell MISSING_CELL = new MissingCell(null);

    private final Class<? extends DataCell> cellClass;

    private DataType(final Class<? extends DataCell> cellClass) {
        this.cellClass = cellClass;
    }

    public static DataCell getMissingCell() {
        return MISSING_CELL;
    }

    public static DataType getType(final Class<? extends DataCell> cell) {
        return TYPES.computeIfAbsent(Objects.requireNonNull(cell), DataType::new);
    }

    public boolean isCompatible(final Class<? extends DataValue> valueClass) {
        return valueClass.isAssignableFrom(cellClass);
    }

    public Class<? extends DataCell> getCellClass() {
        return cellClass;
    }

    /**
     * The type's icon, as KNIME shows it next to a column name: a small square with the type's letter (D double,
     * I integer, L long, S string, B boolean; KNIME draws its own images for these).
     */
    public javax.swing.Icon getIcon() {
        String letter = isCompatible(StringValue.class) ? "S" : isCompatible(BooleanValue.class) ? "B"
            : cellClass.getSimpleName().startsWith("Int") ? "I" : cellClass.getSimpleName().startsWith("Long") ? "L"
            : isCompatible(DoubleValue.class) ? "D" : "?";
        java.awt.Color colour = letter.equals("S") ? new java.awt.Color(0x2E7D32) : letter.equals("B")
            ? new java.awt.Color(0x6A1B9A) : new java.awt.Color(0x1565C0);
        return new javax.swing.Icon() {
            @Override
            public void paintIcon(final java.awt.Component c, final java.awt.Graphics g, final int x, final int y) {
                java.awt.Graphics2D g2 = (java.awt.Graphics2D)g.create();
                g2.setRenderingHint(java.awt.RenderingHints.KEY_ANTIALIASING, java.awt.RenderingHints.VALUE_ANTIALIAS_ON);
                g2.setColor(colour);
                g2.fillRoundRect(x, y, 15, 15, 4, 4);
                g2.setColor(java.awt.Color.WHITE);
                g2.setFont(g2.getFont().deriveFont(java.awt.Font.BOLD, 11f));
                java.awt.FontMetrics m = g2.getFontMetrics();
                g2.drawString(letter, x + (15 - m.stringWidth(letter)) / 2, y + (15 + m.getAscent() - m.getDescent()) / 2);
                g2.dispose();
            }

            @Override
            public int getIconWidth() {
                return 16;
            }

            @Override
            public int getIconHeight() {
                return 16;
            }
        };
    }

    @Override
    public String toString() {
        return cellClass.getSimpleName().replace("Cell", "");
    }
}
