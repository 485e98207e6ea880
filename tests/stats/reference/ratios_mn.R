# Reference values for the Miettinen-Nurminen risk-ratio tests in
# tests/stats/test_stats_intervals.py (R 4.2.2, base R only).
# Run: Rscript tests/stats/reference/ratios_mn.R
# The score statistic of Miettinen & Nurminen (1985) for H0: p1 = theta * p2, with the
# restricted maximum likelihood estimates in closed form (Farrington & Manning 1990,
# eq. 4) and the variance inflated by N / (N - 1); the limits are the thetas where it
# equals -/+ qnorm(0.975), found by uniroot on log(theta).
options(digits = 12)
mn_stat <- function(theta, x1, n1, x2, n2) {
  N <- n1 + n2
  a <- N * theta; b <- -(n1 * theta + x1 + n2 + x2 * theta); c <- x1 + x2
  p2 <- (-b - sqrt(b^2 - 4 * a * c)) / (2 * a); p1 <- theta * p2
  v <- (p1 * (1 - p1) / n1 + theta^2 * p2 * (1 - p2) / n2) * N / (N - 1)
  d <- x1 / n1 - theta * x2 / n2
  if (d == 0) 0 else d / sqrt(v)   # 0 at the estimate, also when v = 0 there
}
mn_ci <- function(x1, n1, x2, n2, level = 0.95) {
  z <- qnorm(1 - (1 - level) / 2)
  f <- function(u, target) mn_stat(exp(u), x1, n1, x2, n2) - target
  lo <- if (x1 == 0) 0 else exp(uniroot(f, c(-30, log((x1 / n1) / (x2 / n2))), target = z,
                                         tol = 1e-13)$root)
  start <- if (x1 == 0) -30 else log((x1 / n1) / (x2 / n2))
  hi <- exp(uniroot(f, c(start, 30), target = -z, tol = 1e-13)$root)
  c(lower = lo, upper = hi, fisher_p = fisher.test(matrix(c(x1, n1 - x1, x2, n2 - x2), 2,
                                                          byrow = TRUE))$p.value)
}
cases <- rbind(c(5, 10, 10, 10), c(10, 10, 5, 10), c(20, 20, 18, 20), c(18, 20, 20, 20),
               c(10, 10, 20, 20), c(12, 60, 20, 200), c(0, 10, 5, 10), c(3, 3, 1, 7))
out <- t(apply(cases, 1, function(r) mn_ci(r[1], r[2], r[3], r[4])))
print(cbind(cases, out))
