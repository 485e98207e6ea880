"""Calibrated synthetic youth justice data for fictional authorities.

:func:`generate` returns a :class:`~cohort.cohortdata.CohortData` holding every
table of the data model (``data_dictionary/tables``) for fictional local
authorities (codes ``X01`` ... or ``X001`` ..., names such as Ashbridge and
Kelmoor, regions called "Synthetic ..."). Nothing in it describes a real
child, service or place. The data are simulated as processes in time, not
drawn as independent noise, so that the official measures computed from them
land near published figures.

How the data are made
---------------------
1. **Population.** For each authority, ONS-style mid-year counts of children
   aged 10-17 by single year of age, sex and ethnic group (GSS 5 groups), for
   mid-years ``start - 1`` to ``end`` (the previous-mid-year convention of the
   FTE and custody rates needs ``start - 1``). Authorities hold 12,000-45,000
   children; the total grows about 1% a year and the non-White share (5%-35%
   by authority, higher at younger ages) rises slowly. The table has one row
   per ethnic group and no ``All`` rows: totals are sums over ethnicity.
2. **Offending careers.** Children enter the service (first proven offence,
   formal or informal) at an authority-specific rate applied to the
   population; each child then offends as a renewal process with a
   child-level frailty (gamma-distributed rate, about 1.5 offences a year on
   average) and a probability of stopping after each offence, until the 18th
   birthday or the end of the data. Every offence gets an outcome from an
   ordinal (probit) model whose latent score rises with the number of earlier
   offences, earlier formal outcomes, a previous court outcome, gravity and
   age, so that outcomes escalate (diversion -> youth caution -> youth
   conditional caution -> referral order -> youth rehabilitation order);
   at a court outcome, custody (detention and training order or section
   250) is a logistic decision on gravity, earlier formal outcomes, age,
   ethnic group and the authority. Outcome dates follow offence dates by
   1-6 weeks (informal), 5-12 weeks (cautions) or 2-6 months (court).
   Custody pauses offending until release (half the order). Some outcomes
   deal with several offences at once (extra offences committed in the
   preceding weeks), and some court orders are breached (offence group
   "Breach of statutory order", ``is_breach`` True).
3. **Whole histories.** Careers start up to three years before ``start``
   (offence and outcome dates may precede the first financial year) so that a
   child's first formal outcome is in the data: first time entrants are
   exactly those whose earliest formal outcome falls in the period. Careers
   begun more than three years before ``start`` are not simulated, which
   slightly thins the first year's caseload of long-standing offenders.
   Offences proven after the end of the data are not in the table, as in a
   real extract; adult offending (18+) is not simulated.
4. **Interventions.** Each outcome with a service intervention (Outcome 22,
   community resolution, cautions, referral orders, YROs, custody) opens an
   episode of that programme at the outcome date, lasting 1-4 months (out of
   court), 3-12 months (referral order), 6-24 months (YRO) or the whole order
   (custody; section 250 sentences use the custodial programme code because
   the code list has no other). Some court cases have a "Bail and remand"
   episode from charge to sentence. Children diverted informally and
   children referred without an offence get Turnaround (from December 2022)
   or Prevention episodes. Episodes open at the end of the data are
   ``Ongoing`` with no ``end_date``.
5. **KPI records.** One record per episode of a KPI-cohort programme
   (``kpi_cohort: true`` in the code list) that has ended, dated at its end,
   with characteristics drawn from the child (care status, SEND level,
   sex, age, risk) so that they correlate sensibly.
6. **Victims, board attendance, attendance** as described below.
7. **Identifiers** are sequential within the whole data set (``C000001``,
   ``O0000001``, ``I0000001``, ``K0000001``, ``V0000001``), children
   numbered by authority; they carry no information.

Planted facts and their references
----------------------------------
Reference files are those transcribed in the project's shared reference
folder; the figures used, with file and row, are copied into
``cohort/data/calibration_targets.csv`` (read at run time into
``metadata["calibration"]``). "Generated" figures are for the default call
(seed 2024, five authorities, scale 1) as recomputed independently by
``tests/test_synthetic.py``; other seeds vary by sampling error.

* Population: 12,000-45,000 aged 10-17 per authority (Sefton 24,412, the
  denominator in fte_by_authority.csv); non-White share 5%-35% (Census 2021
  excerpt: Sefton 7%, Wirral 8.5%, Trafford 33%).
* First time entrants (the child's first youth caution, youth conditional
  caution or court outcome; Outcome 22 and community resolutions never
  count): entry parameters 150-195 per 100,000 a year for the default
  authorities, 125-220 nationally; realised calendar-year rates with the
  previous mid-year's population about 120-235 (fte_by_authority.csv:
  118-255; Sefton 143 and 146). X01 (Ashbridge) is Sefton-sized with a
  Sefton-like rate.
* Caseload (children with a KPI-cohort episode in the year): about 87% boys
  (wirral_facts.csv: 91%), about 76% aged 15-17 (Wirral 94%, national 75%);
  in a Sefton-sized authority about 170 distinct children a year
  (sefton_cohort_facts_2023_24.csv: 167), about 55 of them on court orders.
* Proven reoffending (MoJ: 3-month cohorts, offence within 12 months of the
  index date proven within 18 months, breaches excluded): about 28%-35% by
  authority, 32% overall (reoffending_by_authority.csv: 21.3%-47.8%;
  national 32.2%).
* Custodial sentences about 0.08-0.18 per 1,000 aged 10-17 a year
  (custody_by_authority.csv: 0.00-0.48).
* Ethnic disproportionality growing at later decision points: relative risk
  of entering the service Black 3.0, Mixed 2.2, Other 1.6, Asian 1.0 versus
  White, so that X01 (7.5% non-White) has a caseload about 1.8 times as
  non-White as its population (wirral_facts.csv: 15% vs 9%); the outcome
  model's court boundary moves for Black and Mixed children (latent shift
  0.25 and 0.15); custody at court has a conditional odds ratio (given
  gravity, earlier formal outcomes, age and authority) of 1.8 for Black,
  1.4 for Mixed, 1.2 for Other and 1.0 for Asian children; and a planted
  confounder makes offences of Black (70%), Mixed (40%), Asian (35%) and
  Other (25%) children more often one gravity point graver, which raises
  both court and custody, so that part of the unadjusted disparity is
  explained by gravity (the Asian custody disparity entirely). Marginal
  stage relative rates, Black against White children, for the five
  default authorities over 2022/23-2024/25: 2.70 (a proven offence, over
  the population), 1.20 (first time entrant), 1.43 (court), 1.13 (remand,
  given court) and 1.78 (custody, given court); every group's in
  ``metadata["planted_effects"]["ethnicity"]["stage_relative_rates"]``
  (:mod:`cohort.synthetic.planted`).
* KPI records (sefton_kpi_quarterly_2023_24.csv and
  sefton_kpi_counts_2023_24.csv, 2023/24): accommodation suitable 91%,
  unsuitable 7.3%, unknown 1.4%; school age 44% of records, with the
  published ETE type mix (mainstream 45%, alternative provision 38%, SEMH
  7%, school refuser 6%, secure unit 2%, home schooled 1%); 25+ hours
  offered to 85% and attended by 57% of the school age, 54% and 41% of all;
  ETE suitable 78% (school age) and 65% (all); SEN Support 22%, EHCP 24%,
  no SEN 52%; mental health need 38%; substance misuse need 47%; early help
  34%, child in need 17%, child protection 6%, cared for 22%. About 57% of
  ended out-of-court episodes are ``Completed``
  (sefton_cohort_facts_2023_24.csv: 55 of 95). Not reproduced: Sefton's
  quarterly denominators (about 75) sum to 303 a year over 167 distinct
  children, 1.8 ended episodes per child; one record per ended episode
  gives about 1.2 per child, about 50 a quarter.
* Victims: about one per violence, robbery or sexual offence and many
  theft, burglary, criminal damage and public order offences (some theft,
  burglary and fraud victims are businesses); 40% of individual victims
  female (wirral_facts.csv); in a Sefton-sized authority about 30-35 contacted
  a quarter, half of them offered restorative justice and a fifth of those
  accepting (sefton_kpi_counts_2023_24.csv: 36 contacted a quarter; 38 of 88
  offered and 8 of 38 accepting in quarters 1-3), with a non-engagement
  reason for every victim who did not accept.
* Management board: one meeting a quarter per service (on a weekday), five
  statutory agencies, attendance about 80% (children's social care and
  police highest, probation and health lowest).
* Community Youth Connectors (sefton_cohort_facts_2023_24.csv: about 94 girls
  a year with emotional wellbeing concerns, 13 schools, engagement 97%,
  attendance up 6.5 points, none became known to the service): a schools
  mentoring project for girls aged 11-15 in the two most populous
  authorities (X03 and X05 by default; X01 alone when there are fewer than
  three), one cohort of 94 girls (times ``scale``) per academic year whose
  baseline year and programme year both lie in the data (2022/23-2024/25 by
  default). Participants are chosen from 12 times as many candidate girls
  of the same authority and year, on *observed* characteristics only (lower
  baseline attendance, SEN Support or EHCP, free school meals, looked after,
  older), so matching on them recovers the effects. Planted effects: the
  hazard of an offence leading to a first formal outcome within 12 months
  of the programme start is halved (hazard ratio 0.5; about 0.5% of
  participants a year offend, against about 0.5% of the pool, which has a
  lower baseline risk), and the attendance rate rises 6.5 percentage points
  in the programme year (less only where attendance would pass 100%).
  Attendance varies from term to term, so a naive before-after comparison
  of the participants mixes the effect with regression to the mean (about
  +1 point) and the secular change (-1 point); a matched difference in
  differences gives about 6 points. The offending effect is planted but
  weakly powered at scale 1 (a handful of events), as in the real project;
  each such girl replaces two girls among the regular entrants, so the
  project does not inflate first time entrant counts. Attendance rows
  (three terms of the baseline and the programme year) exist for
  participants and for every candidate girl, and all of them are in
  ``children`` with ``fsm_eligible``, ``send_level`` and ``care_status``.

Scale
-----
``scale`` multiplies every population and hence every caseload (0.2 gives a
fast, small data set). Everything is vectorised over children with numpy;
the only Python loops run over offence number within a career (at most
:data:`MAX_EVENTS`), over tables and over the project's authority-years.
Five authorities take about 1 s; 150 authorities for five years (about
320,000 offence rows, 165,000 children) about 3-4 s and 0.4 GiB above the
imports; see ``benchmarks/synthetic_scale.py``.

References
----------
.. [1] Youth Justice Board, Key performance indicators for youth justice
   services (2023); Sefton Youth Justice Plan 2024/25, performance appendix.
.. [2] Ministry of Justice, Guide to Proven Reoffending Statistics (2019).
.. [3] HM Inspectorate of Probation, inspection of youth justice services in
   Wirral (2025).
.. [4] ONS, Census 2021 ethnic group by age, and mid-year population
   estimates 2021 and 2022.

Examples
--------
>>> from cohort import synthetic
>>> data = synthetic.generate(seed=1, authorities=2, scale=0.1)
>>> sorted(data.tables)[:3]
['attendance', 'authorities', 'board_attendance']
>>> data.authorities["authority_name"].tolist()
['Ashbridge', 'Kelmoor']
>>> data.metadata["planted_effects"]["cyc_first_formal_hazard_ratio"]
0.5
>>> bool((data.offences["outcome_date"] >= data.offences["offence_date"]).all())
True
"""

from __future__ import annotations

from cohort.synthetic._base import MAX_EVENTS
from cohort.synthetic.generator import generate

__all__ = ["MAX_EVENTS", "generate"]

from cohort._submodules import submodule_getattr

__getattr__ = submodule_getattr(__name__)  # submodules on first use (cohort/_submodules.py)
