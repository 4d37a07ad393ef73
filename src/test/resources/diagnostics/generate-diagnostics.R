# Reference residuals for org.mixedmodels.engine.diagnostics (DiagnosticsReferenceTest).
# Run from this folder: Rscript generate-diagnostics.R  (R 4.2.2, lme4 1.1-31, nlme 3.1-162, jsonlite; Debian 12).
# Data: ../reference/data/*.csv as the engine reads them (strings as factors in alphabetical order).
#
# For each model and every row, in data order:
#   pearson           conditional Pearson residuals, (y - X beta - Z b) / sqrt(R_ii)
#   normalized        nlme's residuals(type = "normalized"): R_i^{-1/2} (y - X beta - Z b) by the Cholesky factor
#   marginal          y - X beta
#   marginal_pearson  (y - X beta) / sqrt(V_ii), V = Z G Z' + R (SAS PROC MIXED's marginal Pearson residual)
#   scaled            L_i^{-1} (y_i - X_i beta) with V_i = L_i L_i' lower Cholesky, rows in data order within
#                     subject (SAS PROC MIXED's VCIRY scaled residuals)
suppressMessages({library(lme4); library(nlme); library(jsonlite)})
read <- function(f) read.csv(file.path("../reference/data", f), stringsAsFactors = TRUE)
scaled <- function(rm, V, groups) {
  out <- numeric(length(rm))
  for (g in unique(groups)) {
    i <- which(groups == g)
    out[i] <- forwardsolve(t(chol(V[[as.character(g)]])), rm[i])
  }
  out
}
cases <- list()

# sleepstudy: lme4, random intercept and slope
d <- read("sleepstudy.csv"); d$Subject <- factor(d$Subject)
m <- lmer(Reaction ~ Days + (Days | Subject), d, REML = TRUE)
s <- sigma(m); Z <- as.matrix(getME(m, "Z")); L <- as.matrix(getME(m, "Lambda"))
Vfull <- s^2 * (Z %*% L %*% t(L) %*% t(Z) + diag(nrow(d)))
rm <- d$Reaction - as.vector(model.matrix(m) %*% fixef(m))
V <- lapply(split(seq_len(nrow(d)), d$Subject), function(i) Vfull[i, i, drop = FALSE])
cases$sleepstudy <- list(data = "data/sleepstudy.csv", formula = "Reaction ~ Days + (Days | Subject)",
  call = "lmer(Reaction ~ Days + (Days | Subject), REML = TRUE)",
  # lme4's residuals(type = "pearson") of an LMM is the raw residual times sqrt(prior weight), not over sigma;
  # nlme's and SAS's Pearson residual is over the residual SD, which is what the engine gives.
  pearson = unname(residuals(m) / s), normalized = unname(residuals(m) / s),
  marginal = rm, marginal_pearson = rm / sqrt(diag(Vfull)), scaled = scaled(rm, V, d$Subject))

# qtcf: nlme lme, random intercept + AR(1) within animal
d <- read("qtcf.csv")
m <- lme(QTcF ~ dose * time_h, random = ~ 1 | animal, correlation = corAR1(form = ~ visit | animal), data = d,
  method = "REML")
V <- list(); for (a in levels(d$animal)) V[[a]] <- unclass(getVarCov(m, individuals = a, type = "marginal"))[[1]]
rm <- unname(residuals(m, level = 0)); vii <- numeric(nrow(d))
for (a in levels(d$animal)) vii[d$animal == a] <- diag(V[[a]])
cases$qtcf_ri_ar1 <- list(data = "data/qtcf.csv", formula = "QTcF ~ dose * time_h + (1 | animal) + ar1(visit | animal)",
  call = "lme(QTcF ~ dose * time_h, random = ~1 | animal, correlation = corAR1(form = ~ visit | animal), method = 'REML')",
  pearson = unname(residuals(m, level = 1, type = "pearson")),
  normalized = unname(residuals(m, level = 1, type = "normalized")),
  marginal = rm, marginal_pearson = rm / sqrt(vii), scaled = scaled(rm, V, d$animal))

# MMRM: nlme gls, unstructured over four visits (corSymm + varIdent); V = R
d <- read("mmrm_trial.csv"); d$visit <- factor(d$visit, levels = c("WEEK2", "WEEK4", "WEEK8", "WEEK12"))
m <- gls(change ~ baseline + arm * visit, correlation = corSymm(form = ~ visit_index | subject),
  weights = varIdent(form = ~ 1 | visit), data = d, method = "REML")
V <- list(); for (sub in levels(d$subject)) V[[sub]] <- unclass(getVarCov(m, individual = sub))
rm <- unname(residuals(m)); vii <- numeric(nrow(d))
for (sub in levels(d$subject)) vii[d$subject == sub] <- diag(V[[sub]])
cases$mmrm_us <- list(data = "data/mmrm_trial.csv", formula = "change ~ baseline + arm * visit + us(visit | subject)",
  call = "gls(change ~ baseline + arm * visit, correlation = corSymm(form = ~ visit_index | subject), weights = varIdent(form = ~ 1 | visit), method = 'REML')",
  level_order = c("WEEK2", "WEEK4", "WEEK8", "WEEK12"),
  pearson = unname(residuals(m, type = "pearson")), normalized = unname(residuals(m, type = "normalized")),
  marginal = rm, marginal_pearson = rm / sqrt(vii), scaled = scaled(rm, V, d$subject))

writeLines(toJSON(cases, auto_unbox = TRUE, digits = 15, pretty = FALSE), "residual-references.json")
