# Reference values for tests/stats/test_stats_logistic.py (R 4.2.2, MASS 7.3-58.2).
# Run from tests/stats:  Rscript reference/logistic_infert.R
# Writes data/infert.csv (R's datasets::infert, 248 rows, the columns the tests use)
# and prints the values pasted into the tests' docstrings.
options(digits = 12, width = 100)
d <- infert[, c("case", "age", "parity", "education", "spontaneous", "induced")]
d$education <- as.character(d$education)
write.csv(d, "data/infert.csv", row.names = FALSE)

d$education <- relevel(factor(d$education), ref = "6-11yrs")
fit <- glm(case ~ age + parity + education + spontaneous + induced,
           data = d, family = binomial())
print(coef(summary(fit)))
# R's default stopping rule (relative deviance change < 1e-8, here after 4 iterations)
# leaves the standard errors computed from the weights of the previous iterate, about
# 1e-5 from the information at the maximum; fitted to convergence they agree with it:
fit14 <- update(fit, control = glm.control(epsilon = 1e-14, maxit = 100))
print(coef(summary(fit14)))
print(confint.default(fit14))   # Wald limits
print(confint(fit))           # profile limits, MASS: spline-interpolated on a grid
cat("deviance", deviance(fit), "null", fit$null.deviance, "AIC", AIC(fit),
    "logLik", as.numeric(logLik(fit)), "BIC", BIC(fit), "\n")

# The exact profile limits: roots of D_j(b) - D = qchisq(0.95, 1), D_j(b) the deviance
# with beta_j fixed at b (an offset) and the other coefficients refitted.
source("reference/profile_roots.R")
print(profile_roots(fit, d$case, colnames(model.matrix(fit))))

# Quasi-complete separation: no child in group "C" has the outcome.
q <- data.frame(
  custody = c(1, 0, 0, 1, 0, 1, 0, 0, 1, 0, 1, 1, 0, 1, 0, 0, 0, 0, 0, 0),
  group = c("A", "A", "A", "A", "A", "A", "A", "B", "B", "B", "B", "B", "B", "B",
            "C", "C", "C", "C", "C", "C"),
  gravity = c(3, 2, 1, 5, 2, 4, 3, 2, 3, 4, 6, 2, 1, 5, 4, 2, 6, 1, 3, 5))
qfit <- glm(custody ~ group + gravity, data = q, family = binomial())
print(coef(summary(qfit)))
# finite (upper) profile limit of groupC, by the same root-finding
X <- model.matrix(qfit); D <- deviance(qfit); crit <- qchisq(0.95, 1); j <- 3
dev <- function(b) deviance(glm.fit(X[, -j], q$custody, offset = b * X[, j], family = binomial(),
  control = glm.control(epsilon = 1e-14, maxit = 100))) - D - crit
cat("groupC upper profile limit", uniroot(dev, c(-3, 5), tol = 1e-12)$root, "\n")
print(profile_roots(qfit, q$custody, c("groupB", "gravity")))
