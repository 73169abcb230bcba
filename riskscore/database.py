"""out/riskscore.duckdb: the hand-off database an analyst opens with any DuckDB from 1.1 on.

Self-contained: the dataset tables, the model config (cfg_*) and every output present in out/ are
copied in as tables (no view points at a path, so out/ can be moved or zipped). Written in the
DuckDB 1.1 storage format, every table and column carries a COMMENT (outputs from the registry in
`riskscore.outputs`, dataset tables from their pandera models), every band column is an ordered
ENUM, and the table `contents` lists what is inside. The file is written beside the old one and
renamed over it, so a reader never sees half a database.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import os
import shutil
import threading
from collections.abc import Callable, Collection
from pathlib import Path

import duckdb
import polars as pl

from riskscore import db, export, outputs, settings
from riskscore.config import ModelConfig
from riskscore.config import load as load_config

DATABASE = "riskscore.duckdb"
# The oldest storage format that holds everything written here (ENUMs, comments, lists): DuckDB
# 1.1 and every later release open it; without this DuckDB 2 writes a format only 2.x reads.
STORAGE_VERSION = db.STORAGE_VERSION
CONTENTS = "contents"
# out/.inputs-<n>-<key>.duckdb: the file as last written up to the input tables and the first n
# outputs (n = 0: the inputs alone), copied instead of written again
INPUTS_CACHE_PREFIX = ".inputs-"
# The outputs after which the file is attached anew, so a cached copy of it opens in the state
# the writer goes on from: the end of what `score` and `history` write, the part the evaluating
# commands leave unchanged. Attaching after every output would cost each ~8 ms.
CACHE_POINTS = frozenset({"history_contributions"})
PACKAGE_META = "package_meta"

CONFIG_TABLES: dict[str, tuple[str, dict[str, str]]] = {
    "cfg_factors": ("Model config: every factor, its pillar, weight and scaling caps", {
        "pillar": "Pillar the factor belongs to", "factor": "Factor name",
        "label": "Plain-English label", "weight": "Relative weight within the pillar",
        "lo": "Raw value scaled to 0", "hi": "Raw value scaled to 10 (hi < lo: lower is riskier)",
        "position": "Order within the pillar",
        "column_index": "Position among all factors (the model's factor matrix column)"}),
    "cfg_pillars": ("Model config: the three pillars and how they aggregate", {
        "pillar": "Pillar name", "label": "Plain-English label",
        "missing_value": "Value (0-10) used when none of its factors is observed",
        "coefficient": "Aggregation coefficient in the score formula", "position": "Order"}),
    "cfg_bands": ("Model config: score bands and their lower bounds", {
        "band": "Band name", "lower_bound": "Lowest score (0-100) in the band"}),
    "cfg_action_types": ("Model config: weight and half-life of each crypto action type", {
        "action_type": "Action type (controlled vocabulary)",
        "weight": "Points of the action at full strength (negative: restrictive)",
        "half_life_months": "Months after which the action counts half"}),
    "cfg_action_status": ("Model config: multiplier of an action by its status", {
        "status": "Action status", "multiplier": "Share of the type weight the status counts"}),
    "cfg_program_level": ("Model config: program_in_force level by kind of IMF engagement", {
        "level": "Kind of engagement", "value": "Level (0-10)"}),
    "cfg_attention_stance": ("Model config: weight of an IMF crypto response by its stance", {
        "stance": "Stance of the response", "weight": "Weight"}),
    "cfg_scalars": ("Model config: single-valued parameters, one column per [section] key", {}),
    PACKAGE_META: ("The data package this database was built from", {
        "data_sha256": "SHA-256 over the package's CSV files",
        "datasets": "Folder the package was read from"}),
}  # fmt: skip

CONTENTS_COLUMNS = {
    "name": "Table name",
    "kind": "dataset (the sourced data package), config (model parameters), output (what the "
    "model wrote to out/), meta (about this database)",
    "rows": "Number of rows",
    "description": "What the table holds",
    "data_through": "Date the data run to (the as-of date, the end of the history, or the last "
    "observed outcome) when the output's metadata says",
    "source": "Where the rows came from, relative to out/ (outputs) or the repository",
}


class DatabaseError(Exception):
    """The database could not be written; the message is one line and names the file."""


def build(package, out: Path, config: ModelConfig | None = None) -> Path:
    """Write out/riskscore.duckdb from the validated package, the config and the outputs in out/."""
    return Writer(package, out, config).finish()


class Writer:
    """out/riskscore.duckdb written as a fixed sequence of commits: the inputs (the dataset and
    config tables), then each registered output found in out/, in registry order, then the
    table of contents. With `ahead`, a thread of its own, started at once, writes the inputs
    and then the outputs before the first one the command changes (`changing`: files relative
    to out/), so the command computes its outputs meanwhile (DuckDB works outside the GIL);
    `finish` writes the rest. Either way the same statements run in the same order, so the
    file is the same bytes."""

    def __init__(
        self,
        package,
        out: Path,
        config: ModelConfig | None = None,
        ahead: bool = False,
        changing: Collection[str] = (),
    ):
        self.out, self.config = out, config or load_config()
        self.target = out / DATABASE
        self.tmp = out / f".{DATABASE}.{os.getpid()}.tmp"
        self.con: duckdb.DuckDBPyConnection | None = None
        self.described: list[dict] = []
        self.error: BaseException | None = None
        self.pending = [t for t in outputs.registry(self.config).values() if t.file is not None]
        self.changing = frozenset(changing)
        self.thread = None
        if ahead:
            self.thread = threading.Thread(target=self._behind, args=(package,))
            self.thread.start()
        else:
            self._caught(self._inputs, package)

    def _behind(self, package) -> None:
        """The inputs and the unchanged outputs, on a thread that yields the CPU to the
        command's own work (Linux nices a thread by its id; elsewhere it simply runs at the
        usual priority)."""
        with contextlib.suppress(AttributeError, OSError):
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 10)
        self._caught(self._ahead, package)

    def _ahead(self, package) -> None:
        unchanged = 0
        while unchanged < len(self.pending) and self.pending[unchanged].file not in self.changing:
            unchanged += 1
        points = [i + 1 for i, t in enumerate(self.pending[:unchanged]) if t.name in CACHE_POINTS]
        through = max(points, default=0)
        self._inputs(package, through)  # takes the first `through` off the pending outputs
        for _ in range(unchanged - through):
            self._output(self.pending.pop(0))

    def _caught(self, write: Callable, package) -> None:
        try:
            write(package)
        except BaseException as err:  # raised again, as one line, by `finish`
            self.error = err

    def _inputs(self, package, through: int = 0) -> None:
        """The input tables and the first `through` pending outputs (none, or up to a cache
        point): copied from out/'s cache when it holds them for this package, config, code and
        those outputs' files (the same bytes; the thread then spends no CPU on them), else
        written anew and cached. Either way the file is then attached anew, so both paths
        continue from the same state and write the same bytes."""
        self.out.mkdir(parents=True, exist_ok=True)
        _remove(self.tmp)
        tables = self.pending[:through]
        found = [sorted(self.out.glob(t.file)) for t in tables]
        kind = f"{INPUTS_CACHE_PREFIX}{through}-"
        cached = self.out / f"{kind}{_inputs_key(package, self.config, found)}.duckdb"
        if _copy_cached(cached, self.tmp) and _holds(self.tmp, package):
            self.con = con = _open(self.tmp)
            self.described = _input_entries(con) + [
                _output_entry(con, table, files)
                for table, files in zip(tables, found, strict=True)
                if files
            ]
            del self.pending[:through]
            return
        _remove(self.tmp)
        if through:  # the inputs (themselves cached), then the outputs
            self._inputs(package)
            for _ in range(through):
                self._output(self.pending.pop(0))
            _cache(self.tmp, cached, kind)
            return
        _write_inputs(self.tmp, package, self.config)
        _cache(self.tmp, cached, kind)
        self.con = con = _open(self.tmp)
        self.described = _input_entries(con)

    def _output(self, table: outputs.Table) -> None:
        """One registered output, if out/ holds it, in a commit of its own; after a cache point
        the file is attached again, the state a cached copy of it opens in (see `_inputs`)."""
        self.con.execute("begin transaction")
        entry = _load_output(self.con, self.out, table, self.config)
        if entry is not None:
            self.described.append(entry)
        _commit(self.con)
        if table.name in CACHE_POINTS:
            _detach(self.con)
            _attach(self.con, self.tmp)

    def finish(self) -> Path:
        """Add the outputs not yet written and the table of contents; put the file in place."""
        try:
            if self.thread is not None:
                self.thread.join()
            if self.error is not None:
                raise self.error
            while self.pending:
                self._output(self.pending.pop(0))
            con = self.con
            con.execute("begin transaction")
            _write_contents(con, self.described)
            _commit(con)
            _detach(con)
        except (duckdb.Error, pl.exceptions.PolarsError, OSError) as err:
            self.abandon()
            message = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
            raise DatabaseError(f"{self.target}: not written: {message}") from err
        except BaseException:
            self.abandon()
            raise
        self._close()
        _remove(Path(f"{self.target}.wal"))  # a stale log would be replayed onto the new file
        os.replace(self.tmp, self.target)
        from riskscore import output_docs  # the descriptor lists the database too

        output_docs.write_datapackage(self.out)
        return self.target

    def abandon(self) -> None:
        """Stop without touching the database in place (the half-written copy goes)."""
        if self.thread is not None:
            self.thread.join()
        self._close()
        _remove(self.tmp)

    def _close(self) -> None:
        if self.con is not None:
            self.con.close()
            self.con = None


def _commit(con: duckdb.DuckDBPyConnection) -> None:
    # a checkpoint after every commit: the file's layout follows the fixed sequence of
    # commits, not where the write was when DuckDB chose to checkpoint
    con.execute("commit")
    con.execute("checkpoint")


def _open(path: Path) -> duckdb.DuckDBPyConnection:
    """A connection writing to the database file at `path` (created if absent)."""
    # one writer thread: the same outputs give the same file bytes
    con = db.connect(threads=1)
    # FSST builds its string symbol table from a random sample, so it alone would make
    # two writes of the same tables differ in bytes; dictionary compression stays on.
    con.execute("set disabled_compression_methods = 'fsst'")
    # every commit checkpoints at once (see _commit): a threshold of one byte makes the commit
    # write the data to the file itself, instead of to the log first (same bytes, less work)
    con.execute("set checkpoint_threshold = '1b'")
    _attach(con, path)
    return con


def _attach(con: duckdb.DuckDBPyConnection, path: Path) -> None:
    con.execute(f"attach '{db.sql_literal(path)}' as handoff (storage_version '{STORAGE_VERSION}')")
    con.execute("use handoff")


def _detach(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("use memory")
    con.execute("detach handoff")


def _write_inputs(path: Path, package, config: ModelConfig) -> None:
    """The dataset and config tables, commented, in one commit; the file closed after it."""
    con = _open(path)
    try:
        con.execute("begin transaction")  # one commit, not one per table and comment
        _create_enums(con, config)
        meta = {"data_sha256": [package.data_sha256], "datasets": [str(package.directory)]}
        db.load_frames(con, package.tables)
        db.load_frames(con, {PACKAGE_META: pl.DataFrame(meta)})
        db.load_frames(con, config.tables())
        _describe_inputs(con, config)
        _commit(con)
        _detach(con)
    finally:
        con.close()


def _inputs_key(package, config: ModelConfig, outputs_read: list[list[Path]] = ()) -> str:
    """What the file's bytes depend on: the data, where they were read, the config, the code,
    the DuckDB and polars versions, and the bytes of the output files copied in after them
    (`outputs_read`: each output's files, none when out/ lacks it)."""
    parts = [package.data_sha256, str(package.directory), config.sha256, settings.code_sha256(),
             duckdb.__version__, pl.__version__, STORAGE_VERSION]  # fmt: skip
    for files in outputs_read:
        parts.append(str(len(files)))
        parts += [f"{f.name} {hashlib.sha256(f.read_bytes()).hexdigest()}" for f in files]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:20]


def _copy_cached(cached: Path, target: Path) -> bool:
    """Copy the cached inputs file (a regular file in out/, never a link) to `target`."""
    try:
        if cached.is_symlink() or not cached.is_file():
            return False
        shutil.copyfile(cached, target)
    except OSError:
        return False
    return True


def _holds(path: Path, package) -> bool:
    """Whether the database file at `path` opens and was written from `package`'s data."""
    try:
        con = duckdb.connect(str(path), read_only=True)
        try:
            row = con.execute(f"select data_sha256, datasets from {PACKAGE_META}").fetchone()
        finally:
            con.close()
    except duckdb.Error:
        return False
    return row == (package.data_sha256, str(package.directory))


def _cache(path: Path, cached: Path, kind: str) -> None:
    """Keep a copy of the file as out/'s cache of its `kind` (the only one: older keys go). A
    failure costs only speed."""
    tmp = cached.with_name(f"{cached.name}.{os.getpid()}.tmp")
    try:
        shutil.copyfile(path, tmp)
        os.replace(tmp, cached)
        db.drop_older_caches(cached, kind)
    except OSError:
        tmp.unlink(missing_ok=True)


def _remove(path: Path) -> None:
    path.unlink(missing_ok=True)
    Path(f"{path}.wal").unlink(missing_ok=True)


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _comment(column: outputs.Column, config: ModelConfig) -> str:
    text = outputs.describe(column, config)
    return text + (f" [{column.unit}]" if column.unit else "")


def _create_enums(con: duckdb.DuckDBPyConnection, config: ModelConfig) -> None:
    values = ", ".join(f"'{db.sql_literal(v)}'" for v in outputs.band_order(config))
    con.execute(f"create type {outputs.BAND} as enum ({values})")


def _comment_table(
    con: duckdb.DuckDBPyConnection, name: str, description: str, columns: dict[str, str]
) -> None:
    present = {r[0] for r in con.execute(f"describe {_ident(name)}").fetchall()}
    statements = [f"comment on table {_ident(name)} is '{db.sql_literal(description)}'"]
    statements += [
        f"comment on column {_ident(name)}.{_ident(column)} is '{db.sql_literal(text)}'"
        for column, text in columns.items()
        if column in present and text
    ]
    con.execute(";\n".join(statements))  # one call: a round trip per comment adds up


def _describe_inputs(con: duckdb.DuckDBPyConnection, config: ModelConfig) -> None:
    """Comment the dataset and config tables."""
    for name, table in outputs.dataset_tables().items():
        _comment_table(con, name, table.description, {c.name: c.description for c in table.columns})
    for name, (description, columns) in CONFIG_TABLES.items():
        if name == "cfg_scalars":
            present = [r[0] for r in con.execute("describe cfg_scalars").fetchall()]
            columns = {c: f"model.toml: {c.replace('_', ' ', 1)}" for c in present}
        _comment_table(con, name, description, columns)


def _input_entries(con: duckdb.DuckDBPyConnection) -> list[dict]:
    """The dataset and config tables' rows for `contents`."""
    rows = []
    for name, table in outputs.dataset_tables().items():
        rows.append(_entry(con, name, "dataset", table.description, None, table.file))
    for name, (description, _) in CONFIG_TABLES.items():
        kind = "meta" if name == PACKAGE_META else "config"
        rows.append(_entry(con, name, kind, description, None, "riskscore/config/model.toml"))
    return rows


def _load_output(
    con: duckdb.DuckDBPyConnection, out: Path, table: outputs.Table, config: ModelConfig
) -> dict | None:
    """Copy a registered output found in out/ into a table and comment it: its contents row
    (None when out/ does not hold it)."""
    files = sorted(out.glob(table.file))
    if not files:
        return None
    params = {"files": [str(f) for f in files]}
    source = "read_parquet($files, union_by_name = true)"
    present = [r[0] for r in con.execute(f"describe select * from {source}", params).fetchall()]
    casts = [
        f"cast({_ident(c.name)} as {c.enum}) as {_ident(c.name)}"
        for c in table.columns
        if c.enum and c.name in present
    ]
    replace = f" replace ({', '.join(casts)})" if casts else ""
    con.execute(f"create table {_ident(table.name)} as select *{replace} from {source}", params)
    columns = {c.name: _comment(c, config) for c in table.columns}
    _comment_table(con, table.name, table.description, columns)
    return _output_entry(con, table, files)


def _output_entry(con: duckdb.DuckDBPyConnection, table: outputs.Table, files: list[Path]) -> dict:
    """An output table's row for `contents` (`files`: what it was read from)."""
    through = _data_through(table, files)
    return _entry(con, table.name, "output", table.description, through, table.file)


def _data_through(table: outputs.Table, files: list[Path]) -> dt.date | None:
    """The latest date the files' metadata gives under the table's data_through keys."""
    days = []
    for path in files:
        meta = export.read_metadata(path)
        value = next((meta[k] for k in table.data_through if k in meta), None)
        try:
            days.append(dt.date.fromisoformat(value))
        except (TypeError, ValueError):  # no such key, or not a date
            continue
    return max(days) if days else None


def _entry(con, name: str, kind: str, description: str, through, source) -> dict:
    rows = con.execute(f"select count(*) from {_ident(name)}").fetchall()[0][0]
    return {
        "name": name,
        "kind": kind,
        "rows": rows,
        "description": description,
        "data_through": through,
        "source": source,
    }


def _write_contents(con: duckdb.DuckDBPyConnection, rows: list[dict]) -> None:
    description = "What this database holds: one row per table"
    rows = [*rows, {"name": CONTENTS, "kind": "meta", "rows": len(rows) + 1,
                    "description": description, "data_through": None, "source": None}]  # fmt: skip
    schema = {"name": pl.String, "kind": pl.String, "rows": pl.Int64, "description": pl.String,
              "data_through": pl.Date, "source": pl.String}  # fmt: skip
    db.load_frames(con, {CONTENTS: pl.DataFrame(rows, schema=schema)})
    _comment_table(con, CONTENTS, description, CONTENTS_COLUMNS)
