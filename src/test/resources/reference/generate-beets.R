# Reference for issue 15: Kenward-Roger at pbkrtest's 0/0 point (balanced split-plot, A2 = q exactly).
# Run in this folder with the shared reference tooling: Rscript generate-beets.R /work/shared/reference/common.R
args <- commandArgs(trailingOnly = TRUE)
source(if (length(args) > 0) args[1] else "common.R")
data(beets, package = "pbkrtest")
write_data(".", "beets", beets)
m <- lmer_case(".", "beets_split_plot", "beets", NULL, "sugpct ~ block + sow + harvest + (1 | block:harvest)",
  note = paste("pbkrtest::beets; in this balanced split-plot A2 = q exactly, pbkrtest's 0/0 point of the KR scaling;",
    "krmodcomp is pbkrtest's documented example KRmodcomp(m, update(m, . ~ . - harvest)): F = 15.21, ddf = 2, p = 0.0599"))
kr <- KRmodcomp(m, update(m, . ~ . - harvest))
obj <- jsonlite::fromJSON("cases/beets_split_plot.json", simplifyVector = FALSE)
obj$krmodcomp <- list(F = num(kr$test["Ftest", "stat"]), numdf = num(kr$test["Ftest", "ndf"]),
  dendf = num(kr$test["Ftest", "ddf"]), F_scaling = num(kr$test["Ftest", "F.scaling"]), p = num(kr$test["Ftest", "p.value"]))
write_case(".", "beets_split_plot", obj)
