# Crossed (non-nested) random effects with random slopes, for Kenward-Roger without n x n matrices
# (KenwardRoger's Woodbury path): two generated data sets, subjects crossed with items, unbalanced (each
# subject rates a random subset of the items), fitted by lmerTest/lme4 with REML; Kenward-Roger SEs, df and
# Type III tables from pbkrtest (through lmerTest's ddf = "Kenward-Roger"). Same case format as the other
# lme4 cases (shared/reference/common.R's lmer_case, repeated here so this script stands alone).
# Run from this folder: Rscript generate-crossed-kr.R
suppressMessages({library(lme4); library(lmerTest); library(jsonlite); library(pbkrtest)})
num <- function(x) as.numeric(x)
write_case <- function(name, obj) writeLines(toJSON(obj, auto_unbox=TRUE, digits=NA, pretty=TRUE, na="null",
    null="null"), file.path("cases", paste0(name, ".json")))
lmer_case <- function(name, dataname, formula, nfit=25) {
  data <- read.csv(file.path("data", paste0(dataname, ".csv")), stringsAsFactors=TRUE)
  m <- lmerTest::lmer(as.formula(formula), data=data, REML=TRUE,
                      control=lmerControl(optimizer="bobyqa", calc.derivs=TRUE))
  co <- summary(m)$coefficients
  skr <- summary(m, ddf="Kenward-Roger")$coefficients
  fixed <- lapply(seq_len(nrow(co)), function(i) list(term=rownames(co)[i], estimate=num(co[i,1]), se=num(co[i,2]),
      df_satterthwaite=num(co[i,3]), t=num(co[i,4]), p_satterthwaite=num(co[i,5]),
      se_kr=num(skr[i,2]), df_kr=num(skr[i,3]), p_kr=num(skr[i,5])))
  vc <- as.data.frame(VarCorr(m))
  varcorr <- lapply(seq_len(nrow(vc)), function(i) list(group=vc$grp[i], var1=if (is.na(vc$var1[i])) NULL else vc$var1[i],
      var2=if (is.na(vc$var2[i])) NULL else vc$var2[i], vcov=num(vc$vcov[i]), sdcor=num(vc$sdcor[i])))
  re <- as.data.frame(ranef(m, condVar=TRUE))
  ranefs <- lapply(seq_len(nrow(re)), function(i) list(group=as.character(re$grpvar[i]), term=as.character(re$term[i]),
      level=as.character(re$grp[i]), value=num(re$condval[i]), condsd=num(re$condsd[i])))
  table <- function(a) if (is.null(a) || nrow(a) == 0) NULL else lapply(seq_len(nrow(a)), function(i)
      list(term=rownames(a)[i], numdf=num(a[i,"NumDF"]), dendf=num(a[i,"DenDF"]), F=num(a[i,"F value"]),
           p=num(a[i,"Pr(>F)"])))
  n <- min(nfit, nrow(data))
  obj <- list(case=name, engine=paste0("lme4 ", packageVersion("lme4"), " / lmerTest ", packageVersion("lmerTest"),
      " / pbkrtest ", packageVersion("pbkrtest")),
    data=paste0("data/", dataname, ".csv"), formula=formula, method="REML",
    note="generated crossed design (generate-crossed-kr.R); Kenward-Roger from pbkrtest",
    nobs=nobs(m), ngroups=as.list(ngrps(m)), theta=num(getME(m, "theta")),
    sigma=num(sigma(m)), logLik=num(logLik(m)), objective=num(REMLcrit(m)),
    AIC=num(AIC(m)), BIC=num(BIC(m)), singular=isSingular(m),
    fixed=fixed, varcorr=varcorr,
    anova_type3_satterthwaite=table(anova(m, type=3, ddf="Satterthwaite")),
    anova_type3_kr=table(anova(m, type=3, ddf="Kenward-Roger")),
    fitted_conditional_first=num(fitted(m)[1:n]), fitted_population_first=num(predict(m, re.form=NA)[1:n]),
    reference_levels=NULL, ranef=ranefs)
  write_case(name, obj)
  print(summary(m, ddf="Kenward-Roger"))
  invisible(m)
}

set.seed(20261202)
# 30 subjects x 16 items, each pair observed with probability 0.7; condition varies within subject and item.
subjects <- 30; items <- 16
d <- expand.grid(item=seq_len(items), subject=seq_len(subjects))
d <- d[runif(nrow(d)) < 0.7, ]
d$condition <- factor(ifelse(runif(nrow(d)) < 0.5, "control", "treated"))
d$x <- round(rnorm(nrow(d), 10, 3), 2)
u0 <- rnorm(subjects, 0, 2); u1 <- 0.5 * u0 + rnorm(subjects, 0, 1.2)
w0 <- rnorm(items, 0, 1.5); w1 <- rnorm(items, 0, 0.15)
trt <- d$condition == "treated"
d$y <- round(20 + 1.5 * trt + 0.3 * d$x + u0[d$subject] + u1[d$subject] * trt + w0[d$item] +
             w1[d$item] * (d$x - 10) + rnorm(nrow(d), 0, 1.8), 3)
d$subject <- sprintf("s%02d", d$subject); d$item <- sprintf("i%02d", d$item)
write.csv(d[, c("y", "condition", "x", "subject", "item")], file.path("data", "crossed_slopes.csv"), row.names=FALSE,
          quote=TRUE)
lmer_case("crossed_subject_slope", "crossed_slopes", "y ~ condition * x + (condition | subject) + (1 | item)")
lmer_case("crossed_item_slope", "crossed_slopes", "y ~ condition + x + (1 | subject) + (x | item)")
