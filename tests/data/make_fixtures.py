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
- ``gss/``: a ChildView CSV extract of two *real* authorities, Sefton
  (E08000014) and Wirral (E08000015), taken on 5 January 2026, whose rows are
  fictional (made by ``cohort.synthetic.generate(seed=2024, authorities=2)``,
  cut at the extract date and written in ChildView's layout and codes), and
  ``gss_refresh/``: Wirral's next quarterly extract, taken on 6 April 2026.
  Real authority codes, so ingest fills real ONS denominators.
- ``youthtrack/``: an extract of the fictional "YouthTrack" system for
  Knowsley (E08000011): one semicolon-delimited CSV per table with its own
  codes and ``yyyymmdd`` dates, no authority column (the mapping names the
  authority) and custody release dates in a file of their own
  (``mapping="youthtrack"``).

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
    ["YP0001", "Zoë", "Example", D(2008, 3, 14), "M", "WBRI", "N", "N", "Y", "E08000014", "ZZ99 1AA", "Worker One"],
    [" YP0002", "Amir", "Sample", "02/11/2007", "M", "APKN", "K", "N", "N", "E08000014", "ZZ99 1AB", "Worker One"],
    ["YP0003", "Kayla", "Specimen", D(2009, 7, 1), "F ", "MWBC", "E", "Y", "Y", "E08000014", "ZZ99 1AC", "Worker Two"],
    ["YP0004", "Tomasz", "Placeholder", "19/01/2010", "M", "WOTH", "N", "N", "N/A", "E08000014", "", "Worker Two"],
    ["YP0005", "Jordan", "Fictional", "30/09/2006", "U", "NOBT", "U", "CL", "", "E08000014", "ZZ99 1AD", ""],
    ["YP0006", "Leah", "Madeup", D(2008, 12, 5), "F", "BCRB", "K", "N", "Y", "E08000014", "ZZ99 1AE", "Worker One"],
    ["YP0007", "Callum", "Invented", "11/04/2009", "M", "WIRT", "N", "Y", "Y", "E08000014", "ZZ99 1AF", "Worker Three"],
    ["YP0008", "Priya", "Notreal", "23/08/2007", "F", "AIND", "N", "N", "N", "E08000014", "ZZ99 1AG", "Worker Three"],
    ["YP0009", "Kwame", "Pretend", "06/06/2008", "M", "BAFR", "K", "N", "Y", "E08000014", "ZZ99 1AH", "Worker Two"],
    ["YP0010", "Ellie", "Sampleton", "17/02/2011", "F", "REFU", "N", "N", " N ", "E08000014", "ZZ99 1AJ", "Worker One"],
    ["YP0011", "Dylan", "Examplar", "28/10/2010", "M", "WBRI", "E", "U", "Y", "E08000014", "ZZ99 1AK", "Worker Three"],
    ["YP0012", "Sofia", "Testcase", "09/05/2009", "F", "OARB", "N", "N", "N", "E08000014", "ZZ99 1AL", "Worker Two"],
]

OFFENCES_HEADER = [
    "Offence Ref", "YP_ID", "LA Code", "Offence Date", "Outcome Date", "Outcome",
    "Offence Category", "Gravity", "Breach", "Release Date",
]
OFFENCES = [
    ["OF0001", "YP0001", "E08000014", "12/01/2023", "20/02/2023", "YC", "THEFT", "2", "N", ""],
    ["OF0002", "YP0002", "E08000014", D(2023, 3, 3), D(2023, 5, 9), "RO", "VAP", "4", "N", ""],
    ["OF0003", "YP0003", "E08000014", "15/04/2023", "15/04/2023", "CR", "CDAM", "1", "N", ""],
    ["OF0004", "YP0001", "E08000014", "01/07/2023", "30/08/2023", "YRO", "ROB", "5", "N", ""],
    ["OF0005", "YP0004", "E08000014", "20/07/2023", "02/09/2023", "YCC", "BURG", "3", "N", ""],
    ["OF0006", "YP0005", "E08000014", "05/05/2023", "11/07/2023", "DTO", "WEAP", "6", "N", "10/01/2024"],
    ["OF0007", "YP0007", "E08000014", "09/09/2023", "09/10/2023", "O22", "DRUG", "2", "N", ""],
    ["OF0008", "YP0006", "E08000014", "14/10/2023", "01/12/2023", "YC", "PUBORD", "2", "no", ""],
    ["OF0009", "YP0008", "E08000014", "03/11/2023", "12/01/2024", "FINE", "MOTOR", "3", "N", ""],
    ["OF0010", "YP0009", "E08000014", "25/11/2023", "04/02/2024", "RO", "VAP", "4", "N", ""],
    ["OF0011", "YP0010", "E08000014", "07/12/2023", "19/01/2024", "CR", "THEFT", "1", "N", ""],
    ["OF0012", "YP0011", "E08000014", "16/01/2024", "28/02/2024", "YC", "CDAM", "2", "N", ""],
    ["OF0013", "YP0012", "E08000014", "02/02/2024", "26/03/2024", "RO", "FRAUD", "3", "N", ""],
    [None] * 10,  # a blank row: counted, skipped
    ["OF0014", "YP0003", "E08000014", "18/02/2024", "05/04/2024", "YRO", "VAP", "5", "Y", ""],
    ["OF0015", "YP0006", "E08000014", "01/03/2024", "01/03/2024", "O22", "OTHER", "1", "N", ""],
]

INTERVENTIONS_HEADER = [
    "Intervention ID", "YP_ID", "LA Code", "Programme", "Start", "End", "Status", "Offence Ref",
    "Allocated Worker",
]
INTERVENTIONS = [
    ["IN0001", "YP0001", "E08000014", "YC", "20/02/2023", "20/05/2023", "C", "OF0001", "Worker One"],
    ["IN0002", "YP0003", "E08000014", "CR", "15/04/2023", "15/06/2023", "C", "OF0003", "Worker Two"],
    ["IN0003", "YP0001", "E08000014", "YRO", "30/08/2023", "", "O", "OF0004", "Worker One"],
    ["IN0004", "YP0004", "E08000014", "YCC", "02/09/2023", "02/12/2023", "P", "OF0005", "Worker Two"],
    ["IN0005", "YP0010", "E08000014", "TURN", "01/10/2023", "31/03/2024", "C", "", "Worker One"],
    ["IN0006", "YP0012", "E08000014", "CYC", D(2023, 9, 4), D(2024, 3, 22), "N", "", "Worker Three"],
    ["IN0007", "YP0008", "E08000014", "PREV", "10/01/2023", "10/04/2023", "R", "", "Worker Three"],
    ["IN0008", "YP0002", "E08000014", "RO", "09/05/2023", "09/05/2024", "C", "OF0002", "Worker Two"],
]

VICTIMS_HEADER = [
    "Victim Ref", "Offence Ref", "LA Code", "Referral Date", "Victim Type", "Victim Name",
    "Victim Address", "Victim Phone", "Victim Gender", "Age Band", "Victim Ethnicity",
    "Consent to Contact", "Contacted", "RJ Offered", "RJ Accepted", "Support Requested",
    "Support Provided", "Non-engagement Reason",
]
VICTIMS = [
    ["VI0001", "OF0001", "E08000014", "21/02/2023", "ORG", "Example Stores Ltd", "1 Nowhere Street", "",
     "", "", "", "Y", "Y", "Y", "N", "N", "N", "DECLINED"],
    ["VI0002", "OF0002", "E08000014", "10/05/2023", "IND", "Alex Victimname", "2 Nowhere Street",
     "00000 000000", "F", "25-64", "W", "Y", "Y", "Y", "Y", "Y", "Y", ""],
    ["VI0003", "OF0004", "E08000014", "31/08/2023", "IND", "Sam Victimname", "3 Nowhere Street", "",
     "M", "U18", "B", "N", "N", "N", "N", "N", "N", "NOCONSENT"],
    ["VI0004", "OF0010", "E08000014", "05/02/2024", "IND", "Jo Victimname", "", "", "U", "65+", "U",
     "Y", "Y", "N", "N", "Y", "N", "UNSUITABLE"],
    ["VI0005", "OF0014", "E08000014", "06/04/2024", "IND", "Chris Victimname", "", "", "M", "18-24",
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
    yp.append(["YP0002", "Ryan", "Duplicate", "01/01/2008", "M", "WBRI", "N", "N", "N", "E08000014", "", ""])
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


# ----------------------------------------------------------------------------- from synthetic data

#: Synthetic authority -> the real authority whose code the sample extract carries.
GSS = {"X01": "E08000014", "X02": "E08000015"}
GSS_EXTRACT_DATE = dt.date(2026, 1, 5)
GSS_REFRESH_DATE = dt.date(2026, 4, 6)
YOUTHTRACK_AUTHORITY = "E08000011"
YOUTHTRACK_EXTRACT_DATE = dt.date(2026, 4, 7)
_FIRST = ["Alex", "Sam", "Jo", "Chris", "Jamie", "Robin", "Casey", "Morgan", "Charlie", "Riley"]
_LAST = ["Example", "Sample", "Specimen", "Placeholder", "Fictional", "Madeup", "Invented", "Notreal"]


def _cut(data, day: dt.date) -> dict[str, pd.DataFrame]:
    """The tables as a case-management system would hold them on ``day``."""
    end = pd.Timestamp(day)
    off = data.offences[data.offences["outcome_date"] <= end].copy()
    off["release_date"] = off["release_date"].where(off["release_date"] <= end)
    inter = data.interventions[data.interventions["start_date"] <= end].copy()
    open_ = inter["end_date"].isna() | (inter["end_date"] > end)
    inter.loc[open_, "end_date"] = pd.NaT
    inter.loc[open_, "status"] = "Ongoing"
    inter["offence_id"] = inter["offence_id"].where(inter["offence_id"].isin(off["offence_id"]))
    vic = data.victims[(data.victims["record_date"] <= end) & data.victims["offence_id"].isin(off["offence_id"])]
    known = set(off["child_id"]) | set(inter["child_id"])
    children = data.children[data.children["child_id"].isin(known)].copy()
    return {"children": children, "offences": off, "interventions": inter, "victims": vic.copy()}


#: Real codes for any further synthetic authorities (Merseyside and its neighbours).
_MORE = ["E08000011", "E08000012", "E08000013", "E06000006", "E06000007", "E06000049", "E06000050"]


def _gss_of(code: str) -> str:
    if code in GSS:
        return GSS[code]
    return _MORE[(int(code[1:]) - 3) % len(_MORE)]


def _inverse(mapping, table: str, column: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for code, value in mapping.tables[table].recode.get(column, {}).items():
        if value is not None:
            out.setdefault(value, code)
    return out


def _dmy(s: pd.Series, fmt: str = "%d/%m/%Y") -> pd.Series:
    return s.dt.strftime(fmt).fillna("")


def _flag(s: pd.Series, yes: str = "Y", no: str = "N") -> pd.Series:
    return s.map({True: yes, False: no}).fillna("")


def _birth_dates(months: pd.Series, ids: pd.Series) -> pd.Series:
    """Fictional full dates of birth in each birth month (the loader cuts them back to the month)."""
    day = ids.str[-2:].astype(int) % 28 + 1
    return pd.to_datetime(months + "-" + day.astype(str).str.zfill(2), format="%Y-%m-%d")


def childview_gss(day: dt.date, only: tuple[str, ...] = (), data=None) -> dict[str, pd.DataFrame]:
    """A ChildView CSV extract of Sefton and Wirral (fictional rows) taken on ``day``
    (of ``data``, default the synthetic data of two authorities; the benchmark
    passes a larger draw, whose authorities all get real codes of Merseyside)."""
    import cohort
    from cohort.loaders import read_mapping

    if data is None:
        data = cohort.synthetic.generate(seed=2024, authorities=2)
    t = _cut(data, day)
    if only:
        t = {k: v[v["authority_code"].isin(only)] for k, v in t.items()}
    m = read_mapping("childview")
    ch = t["children"]
    ids = "YP" + ch["child_id"].str[1:]
    eth = {**_inverse(m, "children", "ethnicity_detailed")}
    young = pd.DataFrame({
        "YP_ID": ids,
        "Forename": [_FIRST[i % len(_FIRST)] for i in range(len(ch))],
        "Surname": [_LAST[i % len(_LAST)] for i in range(len(ch))],
        "DOB": _dmy(_birth_dates(ch["birth_month"], ch["child_id"])),
        "Gender": ch["sex"].map(_inverse(m, "children", "sex")),
        "Ethnicity Code": ch["ethnicity_detailed"].map(eth).fillna("NOBT"),
        "SEN Status": ch["send_level"].map(_inverse(m, "children", "send_level")),
        "LAC Status": ch["care_status"].map(_inverse(m, "children", "care_status")),
        "FSM": _flag(ch["fsm_eligible"]),
        "LA Code": ch["authority_code"].map(_gss_of),
        "Postcode": "ZZ99 9ZZ",
        "Allocated Worker": "Worker " + (ch["child_id"].str[-1:]),
    })
    off = t["offences"]
    offences = pd.DataFrame({
        "Offence Ref": "OF" + off["offence_id"].str[1:],
        "YP_ID": "YP" + off["child_id"].str[1:],
        "LA Code": off["authority_code"].map(_gss_of),
        "Offence Date": _dmy(off["offence_date"]),
        "Outcome Date": _dmy(off["outcome_date"]),
        "Outcome": off["outcome"].map(_inverse(m, "offences", "outcome")).fillna(off["outcome"]),
        "Offence Category": off["offence_group"].map(_inverse(m, "offences", "offence_group")),
        "Gravity": off["gravity_score"].astype(str),
        "Breach": _flag(off["is_breach"]),
        "Release Date": _dmy(off["release_date"]),
    })
    iv = t["interventions"]
    interventions = pd.DataFrame({
        "Intervention ID": "IN" + iv["intervention_id"].str[1:],
        "YP_ID": "YP" + iv["child_id"].str[1:],
        "LA Code": iv["authority_code"].map(_gss_of),
        "Programme": iv["programme"].map(_inverse(m, "interventions", "programme")).fillna(iv["programme"]),
        "Start": _dmy(iv["start_date"]),
        "End": _dmy(iv["end_date"]),
        "Status": iv["status"].map(_inverse(m, "interventions", "status")),
        "Offence Ref": ("OF" + iv["offence_id"].str[1:]).fillna(""),
        "Allocated Worker": "Worker 1",
    })
    v = t["victims"]
    victims = pd.DataFrame({
        "Victim Ref": "VI" + v["victim_id"].str[1:],
        "Offence Ref": "OF" + v["offence_id"].str[1:],
        "LA Code": v["authority_code"].map(_gss_of),
        "Referral Date": _dmy(v["record_date"]),
        "Victim Type": v["victim_type"].map(_inverse(m, "victims", "victim_type")),
        "Victim Name": "Victim Name",
        "Victim Address": "",
        "Victim Phone": "",
        "Victim Gender": v["sex"].map(_inverse(m, "victims", "sex")).fillna(""),
        "Age Band": v["age_band"].map(_inverse(m, "victims", "age_band")).fillna(""),
        "Victim Ethnicity": v["ethnicity"].map(_inverse(m, "victims", "ethnicity")).fillna(""),
        "Consent to Contact": _flag(v["consented_contact"]),
        "Contacted": _flag(v["contacted"]),
        "RJ Offered": _flag(v["offered_rj"]),
        "RJ Accepted": _flag(v["accepted_rj"]),
        "Support Requested": _flag(v["support_requested"]),
        "Support Provided": _flag(v["support_provided"]),
        "Non-engagement Reason": v["non_engagement_reason"].map(
            _inverse(m, "victims", "non_engagement_reason")).fillna(""),
    })
    return {"young_people": young, "offences": offences, "interventions": interventions, "victims": victims}


#: YouthTrack's own codes (the mapping youthtrack.yaml translates them back).
YT_SEX = {"Male": "1", "Female": "2", "Unknown": "9"}
YT_ETHNICITY = {"White": "W", "Mixed": "M", "Asian": "A", "Black": "B", "Other": "O"}
YT_SEND = {"No SEN Identified": "0", "SEN Support": "1", "EHCP": "2", "Unknown": "9"}
YT_CARE = {"Not looked after": "NLA", "Looked after": "LAC", "Care leaver": "CL", "Unknown": "UNK"}
YT_STATUS = {"Completed": "10", "Partially completed": "20", "Not completed": "30", "Refused": "40", "Ongoing": "50"}


def youthtrack() -> dict[str, pd.DataFrame]:
    """A YouthTrack extract of Knowsley (fictional rows): persons, cases, programmes, releases."""
    import cohort
    from cohort.loaders import read_mapping

    data = cohort.synthetic.generate(seed=7, authorities=1, scale=0.6)
    t = _cut(data, YOUTHTRACK_EXTRACT_DATE)
    m = read_mapping("youthtrack")
    ch = t["children"]
    persons = pd.DataFrame({
        "PersonRef": "P" + ch["child_id"].str[1:],
        "FamilyName": [_LAST[i % len(_LAST)] for i in range(len(ch))],
        "GivenName": [_FIRST[i % len(_FIRST)] for i in range(len(ch))],
        "BirthDate": _dmy(_birth_dates(ch["birth_month"], ch["child_id"]), "%Y%m%d"),
        "SexCode": ch["sex"].map(YT_SEX),
        "EthnicGroup": ch["ethnicity"].map(YT_ETHNICITY).fillna("Z"),
        "SENCode": ch["send_level"].map(YT_SEND),
        "CareCode": ch["care_status"].map(YT_CARE),
        "FreeMeals": ch["fsm_eligible"].map({True: "1", False: "0"}).fillna(""),
    })
    off = t["offences"]
    cases = pd.DataFrame({
        "CaseNo": "K" + off["offence_id"].str[1:],
        "PersonRef": "P" + off["child_id"].str[1:],
        "OffenceDate": _dmy(off["offence_date"], "%Y%m%d"),
        "DisposalDate": _dmy(off["outcome_date"], "%Y%m%d"),
        "DisposalCode": off["outcome"].map(_inverse(m, "offences", "outcome")),
        "OffenceType": off["offence_group"].map(_inverse(m, "offences", "offence_group")),
        "Seriousness": off["gravity_score"].astype(str),
        "BreachFlag": off["is_breach"].map({True: "1", False: "0"}),
    })
    rel = off[off["release_date"].notna()]
    releases = pd.DataFrame({"CaseNo": "K" + rel["offence_id"].str[1:],
                             "ReleasedOn": _dmy(rel["release_date"], "%Y%m%d")})
    iv = t["interventions"]
    programmes = pd.DataFrame({
        "ProgRef": "G" + iv["intervention_id"].str[1:],
        "PersonRef": "P" + iv["child_id"].str[1:],
        "ProgType": iv["programme"].map(_inverse(m, "interventions", "programme")),
        "Began": _dmy(iv["start_date"], "%Y%m%d"),
        "Ended": _dmy(iv["end_date"], "%Y%m%d"),
        "Outcome": iv["status"].map(YT_STATUS),
        "CaseNo": ("K" + iv["offence_id"].str[1:]).fillna(""),
    })
    return {"persons": persons, "cases": cases, "custody_releases": releases, "programmes": programmes}


def write_extracts(folder: Path = HERE) -> None:
    for name, frame in childview_gss(GSS_EXTRACT_DATE).items():
        (folder / "gss").mkdir(exist_ok=True)
        frame.to_csv(folder / "gss" / f"childview_{name}.csv", index=False, lineterminator="\r\n")
    for name, frame in childview_gss(GSS_REFRESH_DATE, only=("X02",)).items():
        (folder / "gss_refresh").mkdir(exist_ok=True)
        frame.to_csv(folder / "gss_refresh" / f"childview_{name}.csv", index=False, lineterminator="\r\n")
    for name, frame in youthtrack().items():
        (folder / "youthtrack").mkdir(exist_ok=True)
        frame.to_csv(folder / "youthtrack" / f"youthtrack_{name}.csv", index=False, sep=";")


def main(folder: Path = HERE) -> None:
    write_xlsx(folder / "childview_extract.xlsx", clean())
    write_xlsx(folder / "childview_malformed.xlsx", malformed())
    sheets = clean()
    write_csv(folder / "childview_young_people.csv", *sheets["Young People"], encoding="cp1252")
    write_csv(folder / "childview_offences.csv", *sheets["Offences"], encoding="utf-8-sig")
    write_csv(folder / "childview_interventions.csv", *sheets["Interventions"], encoding="utf-8")
    write_csv(folder / "childview_victims.csv", *sheets["Victims"], encoding="utf-8")
    write_model_parquet(folder / "model")
    write_extracts(folder)


if __name__ == "__main__":
    main()
