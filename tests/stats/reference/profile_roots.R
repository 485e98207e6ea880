# Profile-likelihood limits by exact root-finding (uniroot on glm.fit with the coefficient
# as an offset), shared by the logistic reference scripts. source() it from tests/stats.
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
