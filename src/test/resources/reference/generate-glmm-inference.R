# lme4 1.1-31 references for the GLMM output of issue 21: likelihood-ratio tests between nested GLMMs (anova),
# Wald and profile intervals (confint; cbpp and the binary random slope), Pearson and deviance residuals, the overdispersion ratio.
# Run in this folder: Rscript generate-glmm-inference.R (writes cases/glmm_inference.json; the data are the shared references' cbpp.csv, binary_slopes.csv, grouseticks.csv).
suppressMessages({library(lme4); library(jsonlite)})
ctl <- glmerControl(optimizer = "bobyqa", optCtrl = list(rhoend = 1e-10, maxfun = 1e5))
cbpp <- read.csv("data/cbpp.csv", stringsAsFactors = TRUE)
bin <- read.csv("data/binary_slopes.csv", stringsAsFactors = TRUE)
gt <- read.csv("data/grouseticks.csv", stringsAsFactors = TRUE)
gt$INDEX <- factor(gt$INDEX); gt$BROOD <- factor(gt$BROOD); gt$LOCATION <- factor(gt$LOCATION)
lrt <- function(m0, m1, f0, f1) {
  a <- anova(m0, m1)
  list(formulas = c(f0, f1), npar = a$npar, AIC = a$AIC, BIC = a$BIC, logLik = a$logLik, deviance = a$deviance,
       Chisq = a$Chisq, Df = a$Df, p = a[["Pr(>Chisq)"]])
}
f1 <- "response ~ arm * week + (week | subject)"; f0 <- "response ~ arm * week + (1 | subject)"
b1 <- glmer(as.formula(f1), family = binomial, data = bin, control = ctl)
b0 <- glmer(as.formula(f0), family = binomial, data = bin, control = ctl)
g1 <- "TICKS ~ YEAR + HEIGHT_scaled + (1 | BROOD) + (1 | INDEX) + (1 | LOCATION)"
g0 <- "TICKS ~ YEAR + HEIGHT_scaled + (1 | BROOD) + (1 | INDEX)"
t1 <- glmer(as.formula(g1), family = poisson, data = gt, control = ctl)
t0 <- glmer(as.formula(g0), family = poisson, data = gt, control = ctl)
c1 <- glmer(cbind(incidence, size - incidence) ~ period + (1 | herd), family = binomial, data = cbpp, control = ctl)
ci <- function(x) lapply(seq_len(nrow(x)), function(i) list(parameter = rownames(x)[i], lower = x[i, 1], upper = x[i, 2]))
prof <- confint(c1, method = "profile", oldNames = FALSE)
wald <- confint(c1, method = "Wald", oldNames = FALSE)
# the random slope's profile on the sd/cor scale: with the bobyqa control above (and with glmer's default) lme4's
# profile stops with "profiling detected new, lower deviance"; the reference case's nloptwrap control profiles
ctl_slope <- glmerControl(optimizer = "nloptwrap", optCtrl = list(ftol_abs = 1e-14, ftol_rel = 1e-14,
  xtol_abs = 1e-12, xtol_rel = 1e-12, maxeval = 1e5))
b1n <- glmer(as.formula(f1), family = binomial, data = bin, control = ctl_slope)
prof_slope <- suppressWarnings(confint(b1n, method = "profile", oldNames = FALSE))
# lme4 interpolates each profile by a spline through its points (delta = cutoff / 8 apart in zeta); where the
# correlation's profile bends that spline is off by about 1% of the width. A finer grid (delta 0.05) gives its ends
prof_cor_fine <- suppressWarnings(confint(profile(b1n, which = 2, signames = FALSE, delta = 0.05, maxpts = 200)))
pearson <- function(m) sum(residuals(m, type = "pearson")^2)
out <- list(case = "glmm_inference", engine = "lme4 1.1.31 glmer",
  packages = list(R = paste(R.version$major, R.version$minor, sep = "."), lme4 = as.character(packageVersion("lme4"))),
  note = "glmer with bobyqa rhoend 1e-10; anova(m0, m1) and confint(..., oldNames = FALSE) as lme4 prints them",
  lrt_binary_slope = lrt(b0, b1, f0, f1),
  lrt_grouseticks_location = lrt(t0, t1, g0, g1),
  cbpp_confint_profile = ci(prof), cbpp_confint_wald = ci(wald),
  binary_slope_confint_profile = ci(prof_slope),
  binary_slope_cor_profile_fine = list(parameter = rownames(prof_cor_fine)[1], lower = prof_cor_fine[1, 1],
    upper = prof_cor_fine[1, 2], delta = 0.05),
  grouseticks_overdispersion = list(pearson_chisq = pearson(t1), df_resid = df.residual(t1),
    ratio = pearson(t1) / df.residual(t1),
    pearson_first = unname(residuals(t1, type = "pearson")[1:25]),
    deviance_first = unname(residuals(t1, type = "deviance")[1:25])),
  binary_slope_overdispersion = list(pearson_chisq = pearson(b1), df_resid = df.residual(b1), ratio = pearson(b1) / df.residual(b1)))
# lme4's PIRLS stops short on the random-intercept model: R's Laplace with converged modes at lme4's estimates
th <- getME(b0, "theta"); be <- fixef(b0); eta0 <- drop(getME(b0, "X") %*% be); lap <- 0
for (s in levels(bin$subject)) {
  i <- which(bin$subject == s)
  f <- function(u) -2 * sum(dbinom(bin$response[i], 1, plogis(eta0[i] + th * u), log = TRUE)) + u^2
  u <- optimize(f, c(-20, 20), tol = 1e-14)$minimum
  mu <- plogis(eta0[i] + th * u)
  lap <- lap + f(u) + log(1 + th^2 * sum(mu * (1 - mu)))
}
out$binary_intercept_laplace_exact <- list(note = "R's Laplace approximation with converged modes at lme4's estimates",
  theta = unname(th), beta = unname(be), laplace_exact = lap, lme4_deviance = deviance(b0) * 0 - 2 * c(logLik(b0)))
writeLines(toJSON(out, auto_unbox = TRUE, digits = NA, pretty = TRUE), "cases/glmm_inference.json")
