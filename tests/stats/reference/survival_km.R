# Reference values for the Kaplan-Meier and median tests in tests/stats/test_stats_survival.py
# (R 4.2.2, survival 3.5-3).  Run: Rscript tests/stats/reference/survival_km.R
library(survival)
options(digits = 10, width = 110)

# the example of the outside check (issue 12, defect 1)
t <- c(1, 2, 2, 3, 5, 6, 8, 9, 10, 12); e <- c(1, 1, 0, 1, 0, 1, 1, 0, 1, 0)
s <- survfit(Surv(t, e) ~ 1, conf.type = "log-log")
print(summary(s, censored = TRUE))
print(s)

# Freireich (1963) 6-MP arm, log-log limits
weeks <- c(6, 6, 6, 6, 7, 9, 10, 10, 11, 13, 16, 17, 19, 20, 22, 23, 25, 32, 32, 34, 35)
relapse <- c(1, 1, 1, 0, 1, 0, 1, 0, 0, 1, 1, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0)
print(summary(survfit(Surv(weeks, relapse) ~ 1, conf.type = "log-log")))

# medians with the curve exactly 0.5 over an interval (issue 12, defect 3)
for (d in list(list(c(1, 2), c(1, 1)), list(c(1, 2, 3, 4), c(1, 1, 0, 1)),
               list(c(1, 2, 3, 4, 5, 6), c(1, 1, 1, 0, 1, 1)), list(c(1, 2), c(1, 0)),
               list(c(3, 3, 5, 8), c(1, 1, 1, 1)))) {
  print(survfit(Surv(d[[1]], d[[2]]) ~ 1, conf.type = "log-log"))
}
# Freireich medians and limits by arm, log-log and log
placebo <- c(1, 1, 2, 2, 3, 4, 4, 5, 5, 8, 8, 8, 8, 11, 11, 12, 12, 15, 17, 22, 23)
g <- rep(c("6-MP", "placebo"), each = 21)
w <- c(weeks, placebo); r <- c(relapse, rep(1, 21))
print(survfit(Surv(w, r) ~ g, conf.type = "log-log"))
print(survfit(Surv(w, r) ~ g, conf.type = "log"))
