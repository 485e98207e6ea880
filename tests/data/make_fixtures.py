"""Write the test extracts of the fictional "ChildView" case-management system.

Every person, id, postcode and authority here is invented. Run from anywhere:

    python tests/data/make_fixtures.py

Files written next to this script:

- ``childview_extract.xlsx``: a clean but messy extract (sheets "Young People",
  "Offences", "Interventions", "Victims"): stray spaces in headers and cells,
  ``N/A`` and blanks, Excel date cells mixed with dd/mm/yyyy text, a blank row,
  ethnicity "not obtained"/"refused", names and addresses the mapping drops.
  It loads completely with ``mapping="childview"``.
- ``childview_young_people.csv`` (Windows-1252, with a "Zoë" in a dropped
  column), ``childview_offences.csv`` (UTF-8 with a byte-order mark),
  ``childview_interventions.csv`` and ``childview_victims.csv`` (UTF-8): the
  same extract as CSV files.
- ``childview_malformed.xlsx``: the same extract with the problems listed in
  :data:`PLANTED` (tests assert each is reported at that file, sheet, row
  and column).
- ``model/children.parquet`` and ``model/offences.parquet``: a small
  extract already in the data model's layout (``mapping=None``).

Row numbers count data rows from 1 under the header (Excel row 2 is row 1).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
from openpyxl import Workbook

HERE = Path(__file__).resolve().parent
D = dt.date

# ----------------------------------------------------------------------------- clean extract

YOUNG_PEOPLE_HEADER = [
    "YP_ID", "Forename", "Surname", "DOB", "Gender ", "Ethnicity Code", "SEN Status",
    "LAC Status", "FSM", "LA Code", "Postcode", "Allocated Worker",
]
YOUNG_PEOPLE = [
    ["YP0001", "Zoë", "Example", D(2008, 3, 14), "M", "WBRI", "N", "N", "Y", "X01", "ZZ99 1AA", "Worker One"],
    [" YP0002", "Amir", "Sample", "02/11/2007", "M", "APKN", "K", "N", "N", "X01", "ZZ99 1AB", "Worker One"],
    ["YP0003", "Kayla", "Specimen", D(2009, 7, 1), "F ", "MWBC", "E", "Y", "Y", "X01", "ZZ99 1AC", "Worker Two"],
    ["YP0004", "Tomasz", "Placeholder", "19/01/2010", "M", "WOTH", "N", "N", "N/A", "X01", "", "Worker Two"],
    ["YP0005", "Jordan", "Fictional", "30/09/2006", "U", "NOBT", "U", "CL", "", "X01", "ZZ99 1AD", ""],
    ["YP0006", "Leah", "Madeup", D(2008, 12, 5), "F", "BCRB", "K", "N", "Y", "X01", "ZZ99 1AE", "Worker One"],
    ["YP0007", "Callum", "Invented", "11/04/2009", "M", "WIRT", "N", "Y", "Y", "X01", "ZZ99 1AF", "Worker Three"],
    ["YP0008", "Priya", "Notreal", "23/08/2007", "F", "AIND", "N", "N", "N", "X01", "ZZ99 1AG", "Worker Three"],
    ["YP0009", "Kwame", "Pretend", "06/06/2008", "M", "BAFR", "K", "N", "Y", "X01", "ZZ99 1AH", "Worker Two"],
    ["YP0010", "Ellie", "Sampleton", "17/02/2011", "F", "REFU", "N", "N", " N ", "X01", "ZZ99 1AJ", "Worker One"],
    ["YP0011", "Dylan", "Examplar", "28/10/2010", "M", "WBRI", "E", "U", "Y", "X01", "ZZ99 1AK", "Worker Three"],
    ["YP0012", "Sofia", "Testcase", "09/05/2009", "F", "OARB", "N", "N", "N", "X01", "ZZ99 1AL", "Worker Two"],
]

OFFENCES_HEADER = [
    "Offence Ref", "YP_ID", "LA Code", "Offence Date", "Outcome Date", "Outcome",
    "Offence Category", "Gravity", "Breach", "Release Date",
]
OFFENCES = [
    ["OF0001", "YP0001", "X01", "12/01/2023", "20/02/2023", "YC", "THEFT", "2", "N", ""],
    ["OF0002", "YP0002", "X01", D(2023, 3, 3), D(2023, 5, 9), "RO", "VAP", "4", "N", ""],
    ["OF0003", "YP0003", "X01", "15/04/2023", "15/04/2023", "CR", "CDAM", "1", "N", ""],
    ["OF0004", "YP0001", "X01", "01/07/2023", "30/08/2023", "YRO", "ROB", "5", "N", ""],
    ["OF0005", "YP0004", "X01", "20/07/2023", "02/09/2023", "YCC", "BURG", "3", "N", ""],
    ["OF0006", "YP0005", "X01", "05/05/2023", "11/07/2023", "DTO", "WEAP", "6", "N", "10/01/2024"],
    ["OF0007", "YP0007", "X01", "09/09/2023", "09/10/2023", "O22", "DRUG", "2", "N", ""],
    ["OF0008", "YP0006", "X01", "14/10/2023", "01/12/2023", "YC", "PUBORD", "2", "no", ""],
    ["OF0009", "YP0008", "X01", "03/11/2023", "12/01/2024", "FINE", "MOTOR", "3", "N", ""],
    ["OF0010", "YP0009", "X01", "25/11/2023", "04/02/2024", "RO", "VAP", "4", "N", ""],
    ["OF0011", "YP0010", "X01", "07/12/2023", "19/01/2024", "CR", "THEFT", "1", "N", ""],
    ["OF0012", "YP0011", "X01", "16/01/2024", "28/02/2024", "YC", "CDAM", "2", "N", ""],
    ["OF0013", "YP0012", "X01", "02/02/2024", "26/03/2024", "RO", "FRAUD", "3", "N", ""],
    [None] * 10,  # a blank row: counted, skipped
    ["OF0014", "YP0003", "X01", "18/02/2024", "05/04/2024", "YRO", "VAP", "5", "Y", ""],
    ["OF0015", "YP0006", "X01", "01/03/2024", "01/03/2024", "O22", "OTHER", "1", "N", ""],
]

INTERVENTIONS_HEADER = [
    "Intervention ID", "YP_ID", "LA Code", "Programme", "Start", "End", "Status", "Offence Ref",
    "Allocated Worker",
]
INTERVENTIONS = [
    ["IN0001", "YP0001", "X01", "YC", "20/02/2023", "20/05/2023", "C", "OF0001", "Worker One"],
    ["IN0002", "YP0003", "X01", "CR", "15/04/2023", "15/06/2023", "C", "OF0003", "Worker Two"],
    ["IN0003", "YP0001", "X01", "YRO", "30/08/2023", "", "O", "OF0004", "Worker One"],
    ["IN0004", "YP0004", "X01", "YCC", "02/09/2023", "02/12/2023", "P", "OF0005", "Worker Two"],
    ["IN0005", "YP0010", "X01", "TURN", "01/10/2023", "31/03/2024", "C", "", "Worker One"],
    ["IN0006", "YP0012", "X01", "CYC", D(2023, 9, 4), D(2024, 3, 22), "N", "", "Worker Three"],
    ["IN0007", "YP0008", "X01", "PREV", "10/01/2023", "10/04/2023", "R", "", "Worker Three"],
    ["IN0008", "YP0002", "X01", "RO", "09/05/2023", "09/05/2024", "C", "OF0002", "Worker Two"],
]

VICTIMS_HEADER = [
    "Victim Ref", "Offence Ref", "LA Code", "Referral Date", "Victim Type", "Victim Name",
    "Victim Address", "Victim Phone", "Victim Gender", "Age Band", "Victim Ethnicity",
    "Consent to Contact", "Contacted", "RJ Offered", "RJ Accepted", "Support Requested",
    "Support Provided", "Non-engagement Reason",
]
VICTIMS = [
    ["VI0001", "OF0001", "X01", "21/02/2023", "ORG", "Example Stores Ltd", "1 Nowhere Street", "",
     "", "", "", "Y", "Y", "Y", "N", "N", "N", "DECLINED"],
    ["VI0002", "OF0002", "X01", "10/05/2023", "IND", "Alex Victimname", "2 Nowhere Street",
     "00000 000000", "F", "25-64", "W", "Y", "Y", "Y", "Y", "Y", "Y", ""],
    ["VI0003", "OF0004", "X01", "31/08/2023", "IND", "Sam Victimname", "3 Nowhere Street", "",
     "M", "U18", "B", "N", "N", "N", "N", "N", "N", "NOCONSENT"],
    ["VI0004", "OF0010", "X01", "05/02/2024", "IND", "Jo Victimname", "", "", "U", "65+", "U",
     "Y", "Y", "N", "N", "Y", "N", "UNSUITABLE"],
    ["VI0005", "OF0014", "X01", "06/04/2024", "IND", "Chris Victimname", "", "", "M", "18-24",
     "A", "Y", "N", "N", "N", "N", "N", "NOCONTACT"],
]

# ----------------------------------------------------------------------------- planted problems

#: (table, sheet, row, source column, rule): what the malformed extract must report.
PLANTED = [
    ("children", "Young People", 7, "Gender", "code"),                 # Gender "X"
    ("children", "Young People", 9, "DOB", "type"),                    # DOB "not known"
    ("children", "Young People", 2, "YP_ID", "primary_key"),           # duplicated in row 13
    ("children", "Young People", 13, "YP_ID", "primary_key"),
    ("offences", "Offences", 3, "Offence Date", "type"),               # 31/02/2023
    ("offences", "Offences", 5, "Outcome", "code"),                    # "YRX"
    ("offences", "Offences", 6, "YP_ID", "foreign_key"),               # YP0999
    ("offences", "Offences", 8, "Gravity", "maximum"),                 # 9
    ("offences", "Offences", 9, "Outcome Date", "outcome_after_offence"),
    ("offences", "Offences", 12, "Offence Date", "age_at_offence_10_to_17"),  # YP0011 born 2015
    ("interventions", "Interventions", 4, "End", "end_after_start"),
    ("victims", "Victims", None, "Contacted", "required_column"),      # column missing
]

#: Rows rejected only because their parent row was (strict=False).
CASCADED = [
    ("offences", 2),        # child YP0002 (duplicate id)
    ("offences", 7),        # child YP0007 (unknown sex code)
    ("offences", 10),       # child YP0009 (unreadable date of birth)
    ("interventions", 8),   # child YP0002
]


def malformed() -> dict[str, tuple[list, list]]:
    """The clean extract with the problems of :data:`PLANTED`."""
    yp = [list(r) for r in YOUNG_PEOPLE]
    yp[6][4] = "X"                      # row 7: Gender
    yp[8][3] = "not known"              # row 9: DOB
    yp[10][3] = "20/06/2015"            # YP0011 now under 10 at OF0012 (16/01/2024)
    yp.append(["YP0002", "Ryan", "Duplicate", "01/01/2008", "M", "WBRI", "N", "N", "N", "X01", "", ""])
    off = [list(r) for r in OFFENCES]
    off[2][3] = "31/02/2023"            # row 3: not a date
    off[4][5] = "YRX"                   # row 5: unknown outcome
    off[5][1] = "YP0999"                # row 6: unknown child
    off[7][7] = "9"                     # row 8: gravity above 8
    off[8][3], off[8][4] = "12/01/2024", "03/11/2023"  # row 9: outcome before offence
    inter = [list(r) for r in INTERVENTIONS]
    inter[3][4], inter[3][5] = "02/12/2023", "02/09/2023"  # row 4: end before start
    drop = VICTIMS_HEADER.index("Contacted")
    vic_header = [h for i, h in enumerate(VICTIMS_HEADER) if i != drop]
    vic = [[v for i, v in enumerate(r) if i != drop] for r in VICTIMS]
    return {
        "Young People": (YOUNG_PEOPLE_HEADER, yp),
        "Offences": (OFFENCES_HEADER, off),
        "Interventions": (INTERVENTIONS_HEADER, inter),
        "Victims": (vic_header, vic),
    }


def clean() -> dict[str, tuple[list, list]]:
    return {
        "Young People": (YOUNG_PEOPLE_HEADER, YOUNG_PEOPLE),
        "Offences": (OFFENCES_HEADER, OFFENCES),
        "Interventions": (INTERVENTIONS_HEADER, INTERVENTIONS),
        "Victims": (VICTIMS_HEADER, VICTIMS),
    }


# ----------------------------------------------------------------------------- writers


def _cell(v):
    return None if v == "" else v


def write_xlsx(path: Path, sheets: dict[str, tuple[list, list]]) -> None:
    wb = Workbook()
    wb.remove(wb.active)
    for name, (header, rows) in sheets.items():
        ws = wb.create_sheet(name)
        ws.append(header)
        for r in rows:
            ws.append([_cell(v) for v in r])
        for row in ws.iter_rows(min_row=2):
            for c in row:
                if isinstance(c.value, dt.date):
                    c.number_format = "DD/MM/YYYY"
    wb.properties.creator = "cohort test fixtures"
    wb.properties.created = dt.datetime(2024, 4, 1)
    wb.properties.modified = dt.datetime(2024, 4, 1)
    wb.save(path)


def _text(v) -> str:
    if v is None:
        return ""
    if isinstance(v, dt.date):
        return v.strftime("%d/%m/%Y")
    return str(v)


def write_csv(path: Path, header: list, rows: list, encoding: str) -> None:
    frame = pd.DataFrame([[_text(v) for v in r] for r in rows], columns=header)
    frame.to_csv(path, index=False, encoding=encoding, lineterminator="\r\n")


def write_model_parquet(folder: Path) -> None:
    folder.mkdir(exist_ok=True)
    children = pd.DataFrame(
        {
            "child_id": ["C001", "C002", "C003"],
            "authority_code": ["X02", "X02", "X02"],
            "date_of_birth": pd.to_datetime(["2008-05-17", "2009-11-02", "2010-01-30"]),
            "sex": ["Female", "Male", "Male"],
            "ethnicity": ["White", "Black", "Unknown"],
            "send_level": ["SEN Support", "No SEN Identified", "EHCP"],
            "care_status": ["Not looked after", "Looked after", "Not looked after"],
            "fsm_eligible": pd.array([True, False, None], dtype="boolean"),
        }
    )
    offences = pd.DataFrame(
        {
            "offence_id": ["F1", "F2", "F3", "F4"],
            "child_id": ["C001", "C001", "C002", "C003"],
            "authority_code": "X02",
            "offence_date": pd.to_datetime(["2023-04-02", "2023-09-14", "2023-06-30", "2024-01-08"]),
            "outcome_date": pd.to_datetime(["2023-05-01", "2023-11-20", "2023-08-01", "2024-02-15"]),
            "outcome": ["Youth caution", "Referral order", "Community resolution", "Outcome 22"],
            "offence_group": ["Theft and handling stolen goods", "Robbery", "Criminal damage", "Drugs"],
            "gravity_score": pd.array([2, 5, 1, 2], dtype="Int64"),
            "is_breach": [False, False, False, False],
        }
    )
    children.to_parquet(folder / "children.parquet", index=False)
    offences.to_parquet(folder / "offences.parquet", index=False)


def main(folder: Path = HERE) -> None:
    write_xlsx(folder / "childview_extract.xlsx", clean())
    write_xlsx(folder / "childview_malformed.xlsx", malformed())
    sheets = clean()
    write_csv(folder / "childview_young_people.csv", *sheets["Young People"], encoding="cp1252")
    write_csv(folder / "childview_offences.csv", *sheets["Offences"], encoding="utf-8-sig")
    write_csv(folder / "childview_interventions.csv", *sheets["Interventions"], encoding="utf-8")
    write_csv(folder / "childview_victims.csv", *sheets["Victims"], encoding="utf-8")
    write_model_parquet(folder / "model")


if __name__ == "__main__":
    main()
