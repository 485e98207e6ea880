# Reference values for tests/stats/test_stats_contingency.py (R 4.2.2, stats::chisq.test).
# Run: Rscript tests/stats/reference/contingency_chisq.R
options(digits = 12, width = 110)
tables <- rbind(c(12, 48, 20, 180), c(3, 7, 1, 9), c(5, 5, 5, 6), c(30, 1970, 100, 19900),
                c(0, 10, 4, 6))
out <- t(apply(tables, 1, function(r) {
  m <- matrix(r, 2, byrow = TRUE)
  y <- suppressWarnings(chisq.test(m, correct = TRUE))
  p <- suppressWarnings(chisq.test(m, correct = FALSE))
  c(yates = unname(y$statistic), p_yates = y$p.value, pearson = unname(p$statistic),
    p_pearson = p$p.value, min_expected = min(p$expected))
}))
print(cbind(tables, out))
