"""A validation failure is data: file, line, column, rule, value (printable and storable).

Every rule has a registered code (frictionless style: code, title, description) in `CODES`.
A failure's `rule` is its code, optionally followed by `:detail` (`range:>=0`,
`foreign_key:countries.iso3`, `type:date`); only the code part must be registered, so rules that
carry a parameter stay one entry here. Creating a Failure with an unregistered code raises
riskscore.errors.NotFound: a misspelt rule name is a bug the tests catch, never a silent new rule.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import polars as pl

from riskscore.errors import NotFound


@dataclass(frozen=True)
class Code:
    """A stable rule name, a short title and what it means for the person fixing the file."""

    name: str
    title: str
    description: str

    def rule(self, detail: object = "") -> str:
        """The rule text printed for a failure: the code, or `code:detail`."""
        return f"{self.name}:{detail}" if detail != "" else self.name


CODES: dict[str, Code] = {}


def _code(name: str, title: str, description: str) -> Code:
    code = Code(name, title, description)
    CODES[name] = code
    return code


def lookup(rule: str) -> Code:
    """The registered code of a rule text (`range:>=0` -> range); NotFound if there is none."""
    name = rule.partition(":")[0]
    try:
        return CODES[name]
    except KeyError:
        raise NotFound(f"unregistered validation rule {rule!r}") from None


# --- the file as a whole (line 0) ------------------------------------------------------------
MISSING_FILE = _code("missing_file", "Missing file", "A file the package needs is not there.")
NOT_REGULAR_FILE = _code(
    "not_regular_file",
    "Not a regular file",
    "The path is a directory, FIFO, device or socket. Only regular files are read; a FIFO is "
    "never opened, so it cannot make a command wait forever.",
)
OUTSIDE_PACKAGE = _code(
    "outside_package",
    "Link leaves the package",
    "A symbolic link that resolves to a file outside the package folder.",
)
UNREADABLE = _code(
    "unreadable",
    "Unreadable file",
    "The operating system refused to read the file (permissions or an I/O error).",
)
FILE_TOO_LARGE = _code(
    "file_too_large",
    "File too large",
    "Larger than the limit in riskscore.settings (MAX_TABLE_BYTES for tables, "
    "MAX_SMALL_INPUT_BYTES for datapackage.json and scenario files).",
)
EMPTY_FILE = _code("empty_file", "Empty file", "The file holds nothing but whitespace.")
NOT_TEXT = _code(
    "not_text",
    "Not a text file",
    "A NUL byte on the first line: a binary file or UTF-16 text, not UTF-8.",
)
ENCODING = _code(
    "encoding",
    "Not UTF-8",
    "Bytes that are not UTF-8 (e.g. Latin-1 or Windows-1252 text); the line of the first one "
    "is given. Save the file as UTF-8 (a leading byte-order mark is tolerated).",
)
CSV_SYNTAX = _code(
    "csv_syntax", "CSV syntax error", "The CSV cannot be split into fields (e.g. a field too long)."
)
JSON_SYNTAX = _code("json_syntax", "JSON syntax error", "datapackage.json is not valid JSON.")
TOML_SYNTAX = _code("toml_syntax", "TOML syntax error", "The scenario file is not valid TOML.")
DESCRIPTOR_MISMATCH = _code(
    "descriptor_mismatch",
    "datapackage.json disagrees with the schemas",
    "datapackage.json is generated from the pandera models (riskscore.datapackage); the column "
    "names the first differing place. Regenerate it with `make datasets`.",
)

# --- the header (line 1) ---------------------------------------------------------------------
UNKNOWN_HEADER = _code(
    "unknown_header",
    "Not this table's header",
    "The first line names none of the table's columns: the wrong file, or no header line.",
)
MISSING_COLUMN = _code("missing_column", "Missing column", "A column of the schema is absent.")
EXTRA_COLUMN = _code("extra_column", "Unknown column", "A column the schema does not have.")
DUPLICATE_COLUMN = _code("duplicate_column", "Duplicate column", "A column named twice.")

# --- one row or one cell ---------------------------------------------------------------------
FIELD_COUNT = _code(
    "field_count", "Wrong number of fields", "A row with more or fewer fields than the header."
)
TYPE = _code(
    "type",
    "Wrong type",
    "A value that does not parse as the column's type (integer, number, boolean, date as "
    "YYYY-MM-DD; in a scenario also string or table). Numbers must be finite.",
)
REQUIRED = _code("required", "Missing value", "An empty cell in a column that needs a value.")
VOCABULARY = _code(
    "vocabulary", "Not in the vocabulary", "A value outside the column's allowed values."
)
PATTERN = _code("pattern", "Wrong format", "A value that does not match the column's pattern.")
RANGE = _code(
    "range",
    "Out of range",
    "A number or date outside the column's bounds (the detail gives the bound). Dates must lie "
    "within 1900-01-01..2100-12-31, amounts within plausible limits.",
)
CONTROL_CHARACTER = _code(
    "control_character",
    "Control character in text",
    "Text holding a control character (NUL, ESC, DEL, C1 controls) or a bidirectional override. "
    "Tab, line feed and carriage return are allowed (multi-line notes).",
)
CHECK = _code(
    "check",
    "Custom check",
    "A pandera check that riskscore does not compile itself; the detail is pandera's name.",
)

# --- rules over a whole table ----------------------------------------------------------------
PRIMARY_KEY = _code(
    "primary_key_unique", "Duplicate key", "A row repeating an earlier row's primary key."
)
NOT_IN_FUTURE = _code(
    "not_in_future",
    "Dated in the future",
    "A fact dated after today (schedules such as expires_on may lie ahead).",
)
DATE_ORDER = _code("date_order", "Dates out of order", "An end date before its start date.")
CONSISTENT = _code(
    "consistent",
    "Inconsistent with another column",
    "A value that disagrees with the one another column implies (e.g. direction for an "
    "action_type).",
)
PLAUSIBLE = _code(
    "plausible",
    "Implausible value",
    "A value outside the plausible bounds for its unit (e.g. GDP above US$1,000 trillion).",
)

# --- rules across tables ---------------------------------------------------------------------
FOREIGN_KEY = _code(
    "foreign_key", "Unknown reference", "A key that the referenced table does not hold."
)
ARRANGEMENT_OVERLAP = _code(
    "arrangement_overlap",
    "Two arrangements of one kind in force",
    "Two arrangements of one member and facility family in force on the same day, neither "
    "recorded as replacing the other (imf_arrangements.replaced_by).",
)
END_AFTER_EXPIRY = _code(
    "end_after_expiry",
    "Ended after its scheduled end",
    "An arrangement's ended_on after its (extended) expires_on: record the extension in "
    "imf_arrangement_events, or correct the end.",
)
REVIEW_OUTSIDE_LIFE = _code(
    "review_outside_life",
    "Review completed outside the arrangement's life",
    "A review completed before its arrangement's approval or after its end (ended_on, else the "
    "extended expires_on); a month-precision completion counts when its month meets the life.",
)
REFERENCE_DATE = _code(
    "reference_date",
    "Reference from the future",
    "A row linking another row dated after it (e.g. a response to an action not yet announced).",
)

# --- scenario files --------------------------------------------------------------------------
UNKNOWN_TABLE = _code(
    "unknown_table",
    "Not a scenario table",
    "A table a scenario may not add to, or a CSV row whose table cannot be told.",
)
UNKNOWN_KEY = _code("unknown_key", "Unknown key", "A key the [scenario] section does not have.")
FILE_FORMAT = _code(
    "file_format", "Not a scenario format", "A scenario is a .toml file, or a .csv for one table."
)
HYPOTHETICAL_ID = _code(
    "hypothetical_id", "Not a hypothetical id", "A scenario row's id must start with 'HYP-'."
)

VALUE_WIDTH = 80  # long free-text values are shortened in messages, not in the Parquet


@dataclass(frozen=True, order=True)
class Failure:
    """One broken rule at one place. line 0 = the file as a whole, 1 = the header.

    `where` replaces the line in messages when a place has no line (a scenario's
    `[[crypto_actions]] row 2`); it is not stored in the failures table.
    """

    file: str
    line: int
    column: str
    rule: str
    value: str
    where: str = ""

    def __post_init__(self) -> None:
        lookup(self.rule)  # only registered codes

    @property
    def code(self) -> Code:
        return lookup(self.rule)

    def format(self) -> str:
        value = (
            self.value if len(self.value) <= VALUE_WIDTH else self.value[: VALUE_WIDTH - 1] + "…"
        )
        place = f"{self.file}: {self.where}" if self.where else f"{self.file}:{self.line}"
        return f"{place}: {self.column or '-'}: {self.rule}: {value!r}"


FAILURE_SCHEMA = {
    "file": pl.String,
    "line": pl.Int64,
    "column": pl.String,
    "rule": pl.String,
    "value": pl.String,
}


def failures_frame(failures: list[Failure]) -> pl.DataFrame:
    """All failures as a table (one row each), sorted as they are printed."""
    ordered = sorted(failures)
    return pl.DataFrame(
        {name: [getattr(f, name) for f in ordered] for name in FAILURE_SCHEMA},
        schema=FAILURE_SCHEMA,
    )


def write_failures(failures: list[Failure], path: Path) -> Path:
    """Write the failures table to Parquet (atomically: temp file, then rename), each column
    described as the output registry says."""
    from riskscore import export

    return export.write_parquet(failures_frame(failures), path, {})
