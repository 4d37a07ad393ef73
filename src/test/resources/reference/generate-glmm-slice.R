# References for the GLMM slice of issue 21 (families, probit/cloglog, Poisson with an offset), lme4 1.1-31.
# Run in this folder: Rscript generate-glmm-slice.R. Writes cases/glmm_families.json, data/counts_offset.csv,
# cases/cbpp_probit_agq25.json, cases/cbpp_cloglog_agq25.json, cases/counts_offset_*.json.
suppressMessages(library(lme4))
library(jsonlite)
Sys.setlocale("LC_COLLATE", "C")
num <- function(x) unname(as.numeric(x))

# --- family objects at known points
mu_b <- c(0.001, 0.1, 0.37, 0.5, 0.9, 0.999)
eta <- c(-35, -5, -0.7, 0, 1.3, 5, 35)
fams <- list()
for (l in c("logit", "probit", "cloglog")) {
  f <- binomial(link = l)
  fams[[l]] <- list(family = "binomial", link = l, mu = mu_b, linkfun = f$linkfun(mu_b), eta = eta,
                    linkinv = f$linkinv(eta), mu_eta = f$mu.eta(eta), variance = f$variance(mu_b))
}
f <- poisson()
mu_p <- c(0.01, 0.5, 2, 7.5, 40)
fams[["log"]] <- list(family = "poisson", link = "log", mu = mu_p, linkfun = f$linkfun(mu_p), eta = eta[2:6],
                      linkinv = f$linkinv(eta[2:6]), mu_eta = f$mu.eta(eta[2:6]), variance = f$variance(mu_p))
# dev.resids and aic: binomial as proportions with trials as weights; poisson counts
yb <- c(0, 2, 5, 7) / 7; wb <- c(7, 7, 7, 7); mb <- c(0.2, 0.3, 0.6, 0.95)
yp <- c(0, 1, 3, 12); mp <- c(0.4, 1.5, 2.5, 10)
dev <- list(binomial = list(y = yb, wt = wb, mu = mb, dev_resids = binomial()$dev.resids(yb, mb, wb),
                            aic = binomial()$aic(yb, wb, mb, wb, 0)),
            binary = list(y = c(0, 1, 1, 0), wt = rep(1, 4), mu = mb, dev_resids = binomial()$dev.resids(c(0, 1, 1, 0), mb, rep(1, 4)),
                          aic = binomial()$aic(c(0, 1, 1, 0), rep(1, 4), mb, rep(1, 4), 0)),
            poisson = list(y = yp, wt = rep(1, 4), mu = mp, dev_resids = poisson()$dev.resids(yp, mp, rep(1, 4)),
                           aic = poisson()$aic(yp, 1, mp, rep(1, 4), 0)))
write_json(list(case = "glmm_families", engine = "R 4.2.2 stats family objects", links = unname(fams), dev = dev),
           "cases/glmm_families.json", digits = NA, auto_unbox = TRUE, pretty = TRUE)

ctrl <- glmerControl(optimizer = "bobyqa", optCtrl = list(rhoend = 1e-10, maxfun = 1e5))
glmm_case <- function(name, feature, m, data_file, response, formula_text, call_text, offset = NULL) {
  s <- summary(m)
  cf <- coef(s)
  re <- ranef(m, condVar = TRUE)
  g <- names(re)[1]
  pv <- attr(re[[g]], "postVar")
  sat <- if (m@devcomp$dims[["nAGQ"]] > 1) NA else NA
  out <- list(case = name, feature = feature, engine = "lme4 1.1.31 glmer", data = data_file, call = call_text,
              formula = formula_text, family = family(m)$family, link = family(m)$link, response = response,
              offset = offset, nAGQ = m@devcomp$dims[["nAGQ"]], nobs = nobs(m), theta = num(getME(m, "theta")),
              logLik = num(logLik(m)), deviance = num(-2 * logLik(m)), AIC = AIC(m), BIC = BIC(m),
              deviance_conditional_relative = deviance(m),
              fixed = lapply(seq_len(nrow(cf)), function(i) list(term = rownames(cf)[i], estimate = cf[i, 1], se = cf[i, 2],
                                                                 z = cf[i, 3], p = cf[i, 4])),
              ranef = lapply(seq_len(nrow(re[[g]])), function(i) list(level = rownames(re[[g]])[i], value = re[[g]][i, 1],
                                                                     condsd = sqrt(pv[1, 1, i]))),
              fitted_response_first = num(head(fitted(m), 25)),
              fitted_link_first = num(head(predict(m, type = "link"), 25)))
  write_json(out, file.path("cases", paste0(name, ".json")), digits = NA, auto_unbox = TRUE, pretty = TRUE)
}

d <- read.csv("data/cbpp.csv", stringsAsFactors = TRUE)
for (l in c("probit", "cloglog")) {
  m <- glmer(cbind(incidence, size - incidence) ~ period + (1 | herd), family = binomial(link = l), data = d,
             nAGQ = 25, control = ctrl)
  glmm_case(paste0("cbpp_", l, "_agq25"), paste("binomial GLMM,", l, "link, 25-node AGQ"), m, "data/cbpp.csv",
            list(successes = "incidence", trials = "size"), "incidence ~ period + (1 | herd)",
            paste0("glmer(cbind(incidence, size - incidence) ~ period + (1 | herd), family = binomial(link = '", l,
                   "'), data = d, nAGQ = 25, control = glmerControl(optimizer = 'bobyqa', optCtrl = list(rhoend = 1e-10, maxfun = 1e5)))"))
}

# --- counts with an exposure offset: 30 sites x 6 visits, log(exposure) offset
set.seed(2101)
site <- rep(sprintf("S%02d", 1:30), each = 6)
x <- round(rnorm(180), 3)
exposure <- round(runif(180, 0.5, 4), 2)
b <- rnorm(30, 0, 0.6)[rep(1:30, each = 6)]
count <- rpois(180, exposure * exp(0.3 + 0.5 * x + b))
cd <- data.frame(site = site, x = x, exposure = exposure, logexposure = log(exposure), count = count)
write.csv(cd, "data/counts_offset.csv", row.names = FALSE)
cd <- read.csv("data/counts_offset.csv", stringsAsFactors = TRUE)
for (k in c(1, 9)) {
  m <- glmer(count ~ x + (1 | site), offset = logexposure, family = poisson, data = cd, nAGQ = k, control = ctrl)
  glmm_case(paste0("counts_offset_", if (k == 1) "laplace" else "agq9"), paste("Poisson GLMM with an offset, nAGQ", k),
            m, "data/counts_offset.csv", "count", "count ~ x + (1 | site)",
            paste0("glmer(count ~ x + (1 | site), offset = logexposure, family = poisson, data = d, nAGQ = ", k,
                   ", control = glmerControl(optimizer = 'bobyqa', optCtrl = list(rhoend = 1e-10, maxfun = 1e5)))"),
            offset = "logexposure")
}

# --- lme4's Laplace deviance against the Laplace approximation at fully converged modes (cbpp, logit):
# lme4's PIRLS stops at a 1e-7 relative change and takes log|L|^2 from the weights before its last step
d <- read.csv("data/cbpp.csv", stringsAsFactors = TRUE)
m <- glmer(cbind(incidence, size - incidence) ~ period + (1 | herd), family = binomial, data = d, control = ctrl)
dd <- update(m, devFunOnly = TRUE)
p <- c(getME(m, "theta"), fixef(m))
X <- model.matrix(m); g <- as.integer(d$herd); y <- d$incidence / d$size; w <- d$size
exact <- function(p) {
  th <- p[1]; fe <- drop(X %*% p[-1]); tot <- 0
  for (j in sort(unique(g))) { i <- g == j
    f <- function(u) sum(binomial()$dev.resids(y[i], plogis(fe[i] + th * u), w[i])) + u^2
    u <- optimize(f, c(-10, 10), tol = 1e-14)$minimum
    mu <- plogis(fe[i] + th * u)
    L2 <- 1 + th^2 * sum(w[i] * mu * (1 - mu))
    tot <- tot - 2 * sum(dbinom(d$incidence[i], d$size[i], mu, log = TRUE)) + u^2 + log(L2) }
  tot }
write_json(list(case = "cbpp_laplace_exact", engine = "R 4.2.2, lme4 1.1.31 devfun and optimize()", data = "data/cbpp.csv",
                note = "at lme4's Laplace estimates (bobyqa rhoend 1e-10): lme4's devfun value and the Laplace approximation with each herd's mode from optimize(tol = 1e-14)",
                theta = num(p[1]), beta = num(p[-1]), lme4_devfun = dd(p), laplace_exact = exact(p)),
           "cases/cbpp_laplace_exact.json", digits = NA, auto_unbox = TRUE, pretty = TRUE)
