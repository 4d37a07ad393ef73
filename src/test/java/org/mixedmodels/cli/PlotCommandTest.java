package org.mixedmodels.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mixedmodels.engine.testing.ReferenceCase;

/** The plot command: files written and their paths printed, formats, sizes, and its errors. */
class PlotCommandTest {
    private static final String SLEEP = "Reaction ~ Days + (Days | Subject)";

    private static String data(String name) {
        return ReferenceCase.root().resolve("data").resolve(name).toString();
    }

    @Test
    void writesEveryPlotTheModelHasAndPrintsThePaths(@TempDir Path dir) throws Exception {
        MainTest.Run r = MainTest.run("plot", "--data", data("sleepstudy.csv"), "--formula", SLEEP, "--out",
                dir.toString(), "--width", "640", "--height", "400", "--subjects", "308,309,310");
        assertEquals(0, r.code(), r.err());
        List<String> paths = r.out().lines().toList();
        assertEquals(List.of("residuals", "qq", "caterpillar", "trajectories").stream()
                .map(k -> dir.resolve(k + ".png").toString()).toList(), paths);
        for (String p : paths) {
            BufferedImage img = ImageIO.read(Path.of(p).toFile());
            assertEquals(640, img.getWidth(), p);
            assertEquals(400, img.getHeight(), p);
        }
        // the two plots the sleep study has nothing for are named, with the reason, on stderr
        assertTrue(r.err().contains("Not drawn: lsmeans: The model has no categorical fixed effect"), r.err());
        assertTrue(r.err().contains("Not drawn: correlation"), r.err());
    }

    @Test
    void svgOnRequestAndAPlotThatDoesNotApplyIsAnError(@TempDir Path dir) throws Exception {
        MainTest.Run r = MainTest.run("plot", "--data", data("sleepstudy.csv"), "--formula", SLEEP, "--out",
                dir.toString(), "--what", "caterpillar", "--format", "svg");
        assertEquals(0, r.code(), r.err());
        Path svg = dir.resolve("caterpillar.svg");
        assertEquals(svg.toString(), r.out().strip());
        String text = Files.readString(svg);
        assertTrue(text.contains("<svg") && text.contains("BLUP of Days"), "an SVG with its axis labels as text");

        MainTest.Run notApplicable = MainTest.run("plot", "--data", data("sleepstudy.csv"), "--formula", SLEEP,
                "--out", dir.toString(), "--what", "residuals,correlation");
        assertEquals(1, notApplicable.code());
        assertTrue(notApplicable.err().contains("'correlation' does not apply to this model"), notApplicable.err());

        MainTest.Run unknown = MainTest.run("plot", "--data", data("sleepstudy.csv"), "--formula", SLEEP, "--out",
                dir.toString(), "--what", "histogram");
        assertEquals(2, unknown.code());
        assertTrue(unknown.err().contains("Unknown plot 'histogram'; the plots are: residuals, qq"), unknown.err());

        MainTest.Run format = MainTest.run("plot", "--data", data("sleepstudy.csv"), "--formula", SLEEP, "--out",
                dir.toString(), "--format", "jpeg");
        assertEquals(2, format.code());
        assertTrue(format.err().contains("png or svg, not 'jpeg'"), format.err());

        MainTest.Run size = MainTest.run("plot", "--data", data("sleepstudy.csv"), "--formula", SLEEP, "--out",
                dir.toString(), "--what", "qq", "--width", "20");
        assertEquals(1, size.code());
        assertTrue(size.err().contains("between 200 and 8000 pixels"), size.err());
    }
}
