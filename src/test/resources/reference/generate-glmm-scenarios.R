# Data and lme4 references for the two GLMM scenario workflows of issue 21 (test-workflows/12 and 13), lme4 1.1-31.
# Run in this folder: Rscript generate-glmm-scenarios.R. Writes data/responder_visits.csv, data/seizure_counts.csv,
# cases/responder_visits_agq9.json and cases/seizure_counts_laplace.json. The data are simulated with fixed seeds.
suppressMessages(library(lme4))
library(jsonlite)
Sys.setlocale("LC_COLLATE", "C")
num <- function(x) unname(as.numeric(x))
ctrl <- glmerControl(optimizer = "bobyqa", optCtrl = list(rhoend = 1e-10, maxfun = 1e5))

case <- function(name, feature, m, data_file, response, formula_text, call_text, offset = NULL, reference = NULL) {
  s <- summary(m)
  cf <- coef(s)
  re <- ranef(m, condVar = TRUE)
  g <- names(re)[1]
  pv <- attr(re[[g]], "postVar")
  out <- list(case = name, feature = feature, engine = "lme4 1.1.31 glmer", data = data_file, call = call_text,
              formula = formula_text, family = family(m)$family, link = family(m)$link, response = response,
              offset = offset, reference_levels = reference, nAGQ = m@devcomp$dims[["nAGQ"]], nobs = nobs(m), theta = num(getME(m, "theta")),
              logLik = num(logLik(m)), deviance = num(-2 * logLik(m)), AIC = AIC(m), BIC = BIC(m),
              df_resid = df.residual(m), deviance_conditional_relative = deviance(m),
              varcorr = list(list(group = g, var1 = "(Intercept)", var2 = NA, vcov = num(VarCorr(m)[[g]]),
                                  sdcor = sqrt(num(VarCorr(m)[[g]])))),
              fixed = lapply(seq_len(nrow(cf)), function(i) list(term = rownames(cf)[i], estimate = cf[i, 1], se = cf[i, 2],
                                                                 z = cf[i, 3], p = cf[i, 4])),
              ranef = lapply(seq_len(nrow(re[[g]])), function(i) list(level = rownames(re[[g]])[i], value = re[[g]][i, 1],
                                                                     condsd = sqrt(pv[1, 1, i]))),
              # every row: the Predictor's columns (conditional and population, response and link scale)
              fitted_response = num(predict(m, type = "response")),
              fitted_link = num(predict(m, type = "link")),
              fitted_population_response = num(predict(m, re.form = NA, type = "response")),
              fitted_population_link = num(predict(m, re.form = NA, type = "link")))
  write_json(out, file.path("cases", paste0(name, ".json")), digits = NA, auto_unbox = TRUE, pretty = TRUE)
}

# --- 12: responders by visit. 80 patients (40 placebo, 40 active) seen at weeks 4, 8, 12 and 16; responder 0/1;
# a random intercept per patient. Visits are labelled W04..W16 so that they sort in time order.
set.seed(2121)
n <- 80
patient <- sprintf("P%03d", 1:n)
arm <- rep(c("placebo", "active"), each = n / 2)
visits <- c("W04", "W08", "W12", "W16")
d <- expand.grid(visit = visits, patient = patient, stringsAsFactors = FALSE)[, c("patient", "visit")]
d$arm <- arm[match(d$patient, patient)]
week <- as.integer(substr(d$visit, 2, 3))
b <- rnorm(n, 0, 1.2)[match(d$patient, patient)]
eta <- -1.2 + 0.08 * week + (d$arm == "active") * (0.3 + 0.06 * week) + b
d$responder <- rbinom(nrow(d), 1, plogis(eta))
d <- d[order(d$patient, d$visit), ]
write.csv(d, "data/responder_visits.csv", row.names = FALSE)
d <- read.csv("data/responder_visits.csv", stringsAsFactors = TRUE)
d$arm <- relevel(d$arm, ref = "placebo")
m <- glmer(responder ~ arm * visit + (1 | patient), family = binomial, data = d, nAGQ = 9, control = ctrl)
case("responder_visits_agq9", "binary GLMM (responder by visit and arm), logit, 9-node AGQ", m,
     "data/responder_visits.csv", "responder", "responder ~ arm * visit + (1 | patient)",
     "glmer(responder ~ arm * visit + (1 | patient), family = binomial, data = d, nAGQ = 9, control = glmerControl(optimizer = 'bobyqa', optCtrl = list(rhoend = 1e-10, maxfun = 1e5))), arm relevelled to placebo",
     reference = list(arm = "placebo"))

# --- 13: seizure counts with follow-up time. 60 patients, 5 periods of unequal length (days); counts per period;
# log(days) as the offset, so the coefficients are log rate ratios per day.
set.seed(2113)
n <- 60
patient <- sprintf("E%02d", 1:n)
treatment <- rep(c("placebo", "drug"), each = n / 2)
d <- expand.grid(period = 1:5, patient = patient, stringsAsFactors = FALSE)[, c("patient", "period")]
d$treatment <- treatment[match(d$patient, patient)]
d$baseline_rate <- round(rep(rgamma(n, 4, 8), each = 5), 3)
d$days <- sample(14:42, nrow(d), replace = TRUE)
d$log_days <- log(d$days)
b <- rnorm(n, 0, 0.5)[match(d$patient, patient)]
mu <- d$days * exp(-1.6 + 1.1 * d$baseline_rate - 0.4 * (d$treatment == "drug") - 0.05 * d$period + b)
d$seizures <- rpois(nrow(d), mu)
write.csv(d, "data/seizure_counts.csv", row.names = FALSE)
d <- read.csv("data/seizure_counts.csv", stringsAsFactors = TRUE)
d$treatment <- relevel(d$treatment, ref = "placebo")
m <- glmer(seizures ~ treatment + period + baseline_rate + (1 | patient), offset = log_days, family = poisson,
           data = d, control = ctrl)
case("seizure_counts_laplace", "Poisson GLMM with a log(days) offset, Laplace", m, "data/seizure_counts.csv",
     "seizures", "seizures ~ treatment + period + baseline_rate + (1 | patient)",
     "glmer(seizures ~ treatment + period + baseline_rate + (1 | patient), offset = log_days, family = poisson, data = d, control = glmerControl(optimizer = 'bobyqa', optCtrl = list(rhoend = 1e-10, maxfun = 1e5))), treatment relevelled to placebo",
     offset = "log_days", reference = list(treatment = "placebo"))
