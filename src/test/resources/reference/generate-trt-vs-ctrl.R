# Reference for issue 19: emmeans' treatment-versus-control contrasts (contrast(emm, "trt.vs.ctrl"): each level minus
# the first, emmeans' default dunnettx adjustment, and adjust = "none") on lmerTest fits, Satterthwaite and
# Kenward-Roger df. Run in this folder: Rscript generate-trt-vs-ctrl.R   (R 4.2, lme4, lmerTest, emmeans 1.8.4-1)
suppressPackageStartupMessages({library(lmerTest); library(emmeans); library(jsonlite)})
num <- function(x) unname(as.numeric(x))
rows <- function(s, by = NULL) {
  s <- as.data.frame(s)
  lapply(seq_len(nrow(s)), function(i) {
    r <- list(contrast = as.character(s$contrast[i]), estimate = num(s$estimate[i]), se = num(s$SE[i]),
      df = num(s$df[i]), t = num(s$t.ratio[i]), p = num(s$p.value[i]))
    if (!is.null(by)) r$by <- as.character(s[[by]][i])
    r
  })
}
cases <- list()
nf1 <- read.csv("data/nf1_lesions.csv")
nf1$subtype <- factor(nf1$subtype)
m1 <- lmer(log_volume ~ age + subtype + (1 | patient), data = nf1, REML = TRUE)
for (ddf in c("satterthwaite", "kenward-roger")) {
  emm <- emmeans(m1, ~ subtype, lmer.df = ddf)
  cases[[length(cases) + 1]] <- list(data = "data/nf1_lesions.csv",
    formula = "log_volume ~ age + subtype + (1 | patient)", specs = "subtype", by = NULL, ddf = ddf,
    dunnettx = rows(summary(contrast(emm, "trt.vs.ctrl"))),
    none = rows(summary(contrast(emm, "trt.vs.ctrl", adjust = "none"))))
}
cake <- read.csv("data/cake_numeric_temperature.csv")
cake$recipe <- factor(cake$recipe)
m2 <- lmer(angle ~ recipe * factor(temperature) + (1 | recipe:replicate), data = cake, REML = TRUE)
emm <- emmeans(m2, ~ temperature | recipe, lmer.df = "satterthwaite")
cases[[length(cases) + 1]] <- list(data = "data/cake_numeric_temperature.csv",
  formula = "angle ~ recipe * factor(temperature) + (1 | recipe:replicate)", specs = "factor(temperature)",
  by = "recipe", ddf = "satterthwaite",
  dunnettx = rows(summary(contrast(emm, "trt.vs.ctrl")), "recipe"),
  none = rows(summary(contrast(emm, "trt.vs.ctrl", adjust = "none")), "recipe"))
obj <- list(case = "trt_vs_ctrl_emmeans", engine = paste("emmeans", packageVersion("emmeans"), "on lmerTest",
  packageVersion("lmerTest"), "/ lme4", packageVersion("lme4")), cases = cases,
  note = paste("contrast(emmeans(m, ~ specs | by, lmer.df = ddf), 'trt.vs.ctrl'): each level minus the first;",
    "p adjusted by dunnettx within each by group (emmeans' default) and unadjusted (adjust = 'none')"))
writeLines(toJSON(obj, auto_unbox = TRUE, digits = NA, pretty = TRUE, null = "null"), "cases/trt_vs_ctrl_emmeans.json")
