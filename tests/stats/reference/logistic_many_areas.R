# Reference values for tests/stats/test_stats_logistic.py::test_profile_limits_of_a_model_with_many_area_terms
# A model with 40 area indicators (the sparse design of a custody model adjusted for authority).
# tests/stats/data/many_areas.csv: 1,200 synthetic rows (generated with numpy, seed 2026).
options(digits = 12)
d <- read.csv("tests/stats/data/many_areas.csv")
d$group <- relevel(factor(d$group), ref = "White")
fit <- glm(custody ~ group + gravity + area, data = d, family = binomial(),
           control = glm.control(epsilon = 1e-14, maxit = 100))
print(coef(summary(fit))[c("groupAsian", "groupBlack"), ])
profile_roots <- function(fit, y, j_names, level = 0.95) {
  X <- model.matrix(fit); D <- deviance(fit); crit <- qchisq(level, 1)
  t(sapply(j_names, function(name) {
    j <- match(name, colnames(X))
    dev <- function(b) deviance(glm.fit(X[, -j, drop = FALSE], y, offset = b * X[, j],
      family = binomial(), control = glm.control(epsilon = 1e-14, maxit = 100))) - D - crit
    b <- coef(fit)[j]; s <- sqrt(diag(vcov(fit)))[j]
    c(uniroot(dev, c(b - 5 * s, b), tol = 1e-12)$root,
      uniroot(dev, c(b, b + 5 * s), tol = 1e-12)$root)
  }))
}
print(profile_roots(fit, d$custody, c("groupAsian", "groupBlack")))
