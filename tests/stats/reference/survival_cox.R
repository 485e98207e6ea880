# Reference values for the Cox, concordance and delayed-entry Kaplan-Meier tests in
# tests/stats/test_stats_survival.py (R 4.2.2, survival 3.5-3).
# Run from tests/stats:  Rscript reference/survival_cox.R
# Writes data/veteran.csv and data/heart.csv (survival's own data sets) and prints the
# values pasted into the tests' docstrings.
library(survival)
options(digits = 12, width = 110)

vet <- veteran[, c("time", "status", "trt", "celltype", "karno", "age", "prior")]
vet$celltype <- as.character(vet$celltype)
write.csv(vet, "data/veteran.csv", row.names = FALSE)
hrt <- heart[, c("id", "start", "stop", "event", "age", "year", "surgery", "transplant")]
hrt$transplant <- as.integer(as.character(hrt$transplant))
write.csv(hrt, "data/heart.csv", row.names = FALSE)

show_cox <- function(fit) {
  s <- summary(fit)
  print(s$coefficients)
  cat("loglik", fit$loglik, "\n")
  cat("logtest", s$logtest, "\n")
  cat("waldtest", s$waldtest, "unrounded", fit$wald.test, "\n")
  cat("sctest", s$sctest, "\n")
  cat("concordance", s$concordance, "\n")
  cat("n", fit$n, "events", fit$nevent, "\n")
}
vet$celltype <- relevel(factor(vet$celltype), ref = "squamous")
cat("== veteran, Breslow\n")
show_cox(coxph(Surv(time, status) ~ trt + celltype + karno + age, data = vet, ties = "breslow"))
cat("== veteran, Efron\n")
show_cox(coxph(Surv(time, status) ~ trt + celltype + karno + age, data = vet, ties = "efron"))
cat("== veteran, Breslow, strata(prior)\n")
show_cox(coxph(Surv(time, status) ~ trt + karno + strata(prior), data = vet, ties = "breslow"))
cat("== heart, counting process, Breslow\n")
show_cox(coxph(Surv(start, stop, event) ~ age + year + surgery + transplant, data = hrt,
               ties = "breslow"))
cat("== heart, counting process, Efron\n")
show_cox(coxph(Surv(start, stop, event) ~ age + year + surgery + transplant, data = hrt,
               ties = "efron"))

cat("== concordance of a score (higher = earlier event)\n")
cc <- concordance(Surv(time, status) ~ karno, data = vet, reverse = TRUE)
print(cc$count); cat("concordance", cc$concordance, "se", sqrt(cc$var), "\n")
cc <- concordance(Surv(time, status) ~ karno + strata(prior), data = vet, reverse = TRUE)
print(cc$count); cat("concordance", cc$concordance, "se", sqrt(cc$var), "\n")
cc <- concordance(Surv(start, stop, event) ~ age, data = hrt, reverse = TRUE)
print(cc$count); cat("concordance", cc$concordance, "se", sqrt(cc$var), "\n")

cat("== delayed entry Kaplan-Meier, heart\n")
km <- survfit(Surv(start, stop, event) ~ 1, data = hrt)
kmll <- survfit(Surv(start, stop, event) ~ 1, data = hrt, conf.type = "log-log")
# std.err of a survfit object is the standard error of log S (Greenwood)
ref <- data.frame(time = km$time, n.risk = km$n.risk, n.event = km$n.event,
                  n.censor = km$n.censor, surv = km$surv, std.err = km$std.err,
                  lower.log = km$lower, upper.log = km$upper,
                  lower.loglog = kmll$lower, upper.loglog = kmll$upper)
write.csv(ref, "data/heart_survfit.csv", row.names = FALSE)
print(head(ref, 8))
print(kmll)
