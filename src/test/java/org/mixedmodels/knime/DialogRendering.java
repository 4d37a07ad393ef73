package org.mixedmodels.knime;

import java.awt.Color;
import java.awt.Component;
import java.awt.Container;
import java.awt.Dimension;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.File;
import java.io.IOException;
import java.util.Map;

import javax.imageio.ImageIO;

import org.knime.core.node.NodeDialogPane;
import org.knime.core.node.NodeHarness;

/** Paints a dialog's tabs into PNG files under {@code target/dialogs/}, headless, for a look at the layout. */
public final class DialogRendering {
    private DialogRendering() {
    }

    /** Writes {@code target/dialogs/<name>-<tab>.png} per tab and returns how many were written. */
    public static int render(final NodeDialogPane dialog, final String name) throws IOException {
        File dir = new File("target/dialogs");
        dir.mkdirs();
        int n = 0;
        for (Map.Entry<String, Component> tab : NodeHarness.dialogTabs(dialog).entrySet()) {
            Component c = tab.getValue();
            Dimension size = c.getPreferredSize();
            size = new Dimension(Math.max(size.width, 520), Math.max(size.height, 200));
            c.setSize(size);
            layout(c);
            BufferedImage img = new BufferedImage(size.width, size.height, BufferedImage.TYPE_INT_RGB);
            Graphics2D g = img.createGraphics();
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, size.width, size.height);
            c.printAll(g);
            g.dispose();
            ImageIO.write(img, "png", new File(dir, name + "-" + tab.getKey().toLowerCase().replace(' ', '-')
                + ".png"));
            n++;
        }
        return n;
    }

    private static void layout(final Component c) {
        if (c instanceof Container container) {
            container.doLayout();
            for (Component child : container.getComponents()) {
                layout(child);
            }
        }
    }
}
