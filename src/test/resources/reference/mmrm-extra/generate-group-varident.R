# References for Kenward-Roger and the robust covariance of group-specific and varident fits.
# Run from src/test/resources/reference: Rscript mmrm-extra/generate-group-varident.R
# (R 4.2.2, nlme 3.1-162, pbkrtest 0.5.2, clubSandwich 0.5.8, jsonlite).
#
# 1. Group-specific unstructured covariance (us(AVISIT | ARMCD / USUBJID), SAS GROUP=ARMCD) with the fixed effects
#    fully interacted with ARMCD: the model is the separate fits of each arm, so each arm's gls fit gives the joint
#    fit's coefficients, their robust covariances (clubSandwich CR0 / CR2 and its Satterthwaite df) and their
#    Kenward-Roger covariance and df (pbkrtest's KR on that arm's V, which is linear in the UN(i,j) elements).
# 2. varident with a random intercept (orthodont, lme(distance ~ age * Sex, random = ~ 1 | Subject,
#    weights = varIdent(~ 1 | Sex))): V = tau^2 J + diag(sigma^2_Sex) is linear in (tau^2, sigma^2_Female,
#    sigma^2_Male), so pbkrtest's KR on these generators is SAS's KR for RANDOM int / REPEATED / GROUP=Sex.
suppressMessages({library(nlme); library(pbkrtest); library(clubSandwich); library(jsonlite); library(Matrix)})

# pbkrtest's KR (vcovAdj_internal) and df (Lb_ddf) for Sigma = sum gamma_r G_r
kr <- function(phi, sigma, generators, x, names) {
  sg <- list(Sigma = sigma, G = generators, n.ggamma = length(generators))
  adj <- pbkrtest:::vcovAdj_internal(phi, sg, x)
  df <- sapply(seq_along(names), function(i) { l <- rep(0, length(names)); l[i] <- 1
    pbkrtest:::Lb_ddf(matrix(l, nrow = 1), phi, adj) })
  list(terms = names, vcov_kr = unname(as.matrix(adj)), df_kr = unname(df),
       se_kr = unname(sqrt(diag(as.matrix(adj)))))
}

d <- read.csv("sas-fev/fev_data.csv", stringsAsFactors = TRUE)
d <- d[!is.na(d$FEV1), ]
arms <- list()
for (arm in levels(d$ARMCD)) {
  a <- d[d$ARMCD == arm, ]
  a <- a[order(a$USUBJID, a$VISITN), ]
  m <- gls(FEV1 ~ AVISIT, correlation = corSymm(form = ~ VISITN | USUBJID),
           weights = varIdent(form = ~ 1 | AVISIT), data = a, method = "REML",
           control = glsControl(tolerance = 1e-10, msTol = 1e-10, msMaxIter = 500))
  x <- model.matrix(~ AVISIT, a)
  n <- nrow(a)
  # the subjects' fitted covariances, block-diagonal, and the UN(i,j) generators
  sigma <- matrix(0, n, n)
  subj <- as.character(a$USUBJID)
  vis <- a$VISITN
  for (s in unique(subj)) {
    idx <- which(subj == s)
    sigma[idx, idx] <- as.matrix(getVarCov(m, individual = s))
  }
  gens <- list()
  same <- outer(subj, subj, "==")
  for (j in 1:4) for (k in 1:j) {
    g <- same & ((outer(vis, vis, function(u, v) u == j & v == k)) | (outer(vis, vis, function(u, v) u == k & v == j)))
    gens[[length(gens) + 1]] <- Matrix(g * 1, sparse = TRUE)
  }
  names <- paste0(arm, c("", ":AVISITVIS2", ":AVISITVIS3", ":AVISITVIS4"))
  k <- kr(vcov(m), Matrix(sigma), gens, x, names)
  robust <- lapply(c("CR0", "CR2"), function(type) {
    v <- vcovCR(m, cluster = a$USUBJID, type = type)
    ct <- coef_test(m, vcov = v, test = "Satterthwaite")
    list(type = type, vcov = unname(as.matrix(v)), se = unname(ct$SE), df_satterthwaite = unname(ct$df_Satt))
  })
  arms[[arm]] <- c(list(arm = arm, logLik = as.numeric(logLik(m)), estimates = unname(coef(m)),
                        se_model = unname(sqrt(diag(vcov(m)))), nclusters = length(unique(subj)), robust = robust), k)
}

o <- read.csv("data/orthodont.csv", stringsAsFactors = TRUE)
o <- o[order(o$Subject, o$age), ]
mo <- lme(distance ~ age * Sex, random = ~ 1 | Subject, weights = varIdent(form = ~ 1 | Sex), data = o,
          method = "REML", control = lmeControl(tolerance = 1e-10, msTol = 1e-10, msMaxIter = 500))
xo <- model.matrix(~ age * Sex, o)
no <- nrow(o)
tau2 <- as.numeric(getVarCov(mo))
ratio <- coef(mo$modelStruct$varStruct, unconstrained = FALSE, allCoef = TRUE)
sd <- mo$sigma * ratio[as.character(o$Sex)]
so <- as.character(o$Subject)
jo <- outer(so, so, "==") * 1
sigmao <- tau2 * jo + diag(sd^2)
gens <- list(Matrix(jo, sparse = TRUE))
for (lev in levels(o$Sex)) gens[[length(gens) + 1]] <- Matrix(diag((o$Sex == lev) * 1), sparse = TRUE)
ko <- kr(vcov(mo), Matrix(sigmao), gens, xo, colnames(xo))
varident <- c(list(call = "lme(distance ~ age * Sex, random = ~ 1 | Subject, weights = varIdent(form = ~ 1 | Sex), method = 'REML')",
                   formula = "distance ~ age * Sex + (1 | Subject) + varident(Sex | Subject)",
                   logLik = as.numeric(logLik(mo)), estimates = unname(fixef(mo)),
                   se_model = unname(sqrt(diag(vcov(mo)))),
                   generators = "tau^2 (same subject), sigma^2 of Female rows, sigma^2 of Male rows"), ko)

out <- list(note = paste("Kenward-Roger (pbkrtest 0.5.2 vcovAdj_internal and Lb_ddf on V written as a linear",
                         "combination of generators) and clubSandwich 0.5.8 robust covariances, see the comments of",
                         "generate-group-varident.R"),
            packages = list(R = as.character(getRversion()), nlme = as.character(packageVersion("nlme")),
                            pbkrtest = as.character(packageVersion("pbkrtest")),
                            clubSandwich = as.character(packageVersion("clubSandwich"))),
            group_specific = list(formula = "FEV1 ~ 0 + ARMCD + ARMCD:AVISIT + us(AVISIT | ARMCD / USUBJID)",
                                  call = "gls(FEV1 ~ AVISIT, correlation = corSymm(form = ~ VISITN | USUBJID), weights = varIdent(form = ~ 1 | AVISIT), method = 'REML') per arm",
                                  arms = unname(arms)),
            varident = varident)
writeLines(toJSON(out, auto_unbox = TRUE, digits = NA, pretty = TRUE), "mmrm-extra/group_varident_kr_robust.json")
