# Reference values for tests/measures/test_adjusted_disparity.py.
# Run from the repository root: Rscript tests/reference/adjusted_disparity.R
d <- read.csv("tests/data/adjusted_disparity_occasions.csv")
d$ethnicity <- relevel(factor(d$ethnicity), ref = "White")
d$sex <- relevel(factor(d$sex), ref = "Male")
d$offence_group <- relevel(factor(d$offence_group), ref = "Violence against the person")
models <- list(
  custody ~ ethnicity,
  custody ~ ethnicity + age + sex,
  custody ~ ethnicity + age + sex + offence_group + gravity_score,
  custody ~ ethnicity + age + sex + offence_group + gravity_score + prior_outcomes
)
options(digits = 10)
for (k in seq_along(models)) {
  fit <- glm(models[[k]], family = binomial, data = d,
             control = glm.control(epsilon = 1e-14, maxit = 100))
  terms <- c("ethnicityAsian", "ethnicityBlack")
  ci <- suppressMessages(confint(fit))[terms, ]
  out <- cbind(coef = coef(fit)[terms], se = sqrt(diag(vcov(fit)))[terms],
               p = summary(fit)$coefficients[terms, 4], ci)
  cat("model", k - 1, "\n")
  print(out)
}
