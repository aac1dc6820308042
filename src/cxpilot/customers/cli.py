"""Commands of the customers domain: link two files, resolve the warehouse's customers into
persons, show a person, review and decide pairs, merge and unmerge."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from cxpilot.kernel import csvcells
from cxpilot.kernel.cli import FormatOpt, err, handle_errors, progress, setup, user_named
from cxpilot.kernel.output import Format, emit

customers_app = typer.Typer(
    help="Customers: the same person across files and sources.", no_args_is_help=True
)

FileArg = Annotated[Path, typer.Argument(help="A customers file: CSV, Parquet or JSON Lines.")]
PAIR_COLUMNS = ("id_a", "id_b", "match_probability")


def register(app: typer.Typer) -> None:
    """Add this domain's commands to ``app``."""
    app.add_typer(customers_app, name="customers")


@customers_app.command("link")
@handle_errors
def link_cmd(
    file_a: FileArg,
    file_b: FileArg,
    threshold: Annotated[
        float, typer.Option(help="Least match probability of a pair printed (0 to 1).")
    ] = 0.5,
    mapping: Annotated[
        Path | None,
        typer.Option(
            help="A column mapping file (as for import, docs/importing.md) for both files."
        ),
    ] = None,
    mapping_b: Annotated[
        Path | None,
        typer.Option(help="The second file's own column mapping, when it differs."),
    ] = None,
    fmt: FormatOpt = Format.table,
) -> None:
    """Link two customers files: the pairs of records, one from each file, that are the same
    person, with their match probability, best first.

    Both files are in the customers import format (customer_id, first_name, last_name,
    email, phone, address, postcode, city, birth_date…; see docs/data-model.md). The model
    is fitted on the two files themselves, without labels. Nothing is stored. Example:

      cxpilot customers link crm.csv eshop.parquet --threshold 0.9 --format csv
    """
    setup()
    from cxpilot.customers.linkage import FEW_RECORDS
    from cxpilot.customers.selectors import files_linked, threshold_checked

    threshold_checked(threshold)
    with progress(f"linking {file_a.name} and {file_b.name}", steps=6) as step:
        result = files_linked(
            path_a=file_a,
            path_b=file_b,
            threshold=threshold,
            mapping_a=mapping,
            mapping_b=mapping_b or mapping,
            progress=step,
        )
        step("done")
    few = min(result.records_a, result.records_b)
    if few < FEW_RECORDS:
        err.print(
            f"note: {few:,} record(s) in the smaller file; the model is fitted on the files "
            f"themselves and, below {FEW_RECORDS:,}, keeps most of its starting weights: "
            "read the probabilities as rough",
            highlight=False,
            soft_wrap=True,
        )
    rows: list[dict[str, Any]] = []
    for row in result.pairs.to_pylist():
        p = row["match_probability"]
        shown: Any = {Format.json: round(p, 6), Format.csv: f"{p:.6f}"}.get(fmt, f"{p:.4f}")
        rows.append({"id_a": row["id_a"], "id_b": row["id_b"], "match_probability": shown})
    if not rows and fmt is Format.csv:  # the header alone: no pair above the threshold
        csvcells.writer(sys.stdout).writerow(PAIR_COLUMNS)
        return
    emit(rows, fmt, title=f"same person in {file_a.name} and {file_b.name}")


def _flat(summary: dict[str, Any], fmt: Format) -> dict[str, Any]:
    """The JSON keeps objects and lists; a table or CSV row spells an object out as columns
    (``duplicates_found`` as ``duplicates_found_<source>``) and a list (records moved,
    persons now…) as one cell, comma-separated."""
    if fmt is Format.json:
        return summary
    out: dict[str, Any] = {}
    for key, value in summary.items():
        if isinstance(value, dict):
            out.update({f"{key}_{k}": v for k, v in value.items()})
        elif isinstance(value, list):
            out[key] = ", ".join(map(str, value))
        else:
            out[key] = value
    return out


@customers_app.command("resolve")
@handle_errors
def resolve_cmd(
    threshold: Annotated[
        float | None,
        typer.Option(help="Match probability from which two records are one person (0 to 1)."),
    ] = None,
    fmt: FormatOpt = Format.table,
) -> None:
    """Resolve the warehouse's customers (every source) into persons, with golden records.

    Scores the pairs of records with the linkage model fitted on them, applies the review
    decisions, keeps each person's id from the last run, and replaces the tables
    customer_persons and customer_golden. Prints records, persons, pairs_scored,
    duplicates_found (per source: its records that are the same person as another record of
    that source), persons_new, merges, splits and seconds. Example:

      cxpilot customers resolve --format json
    """
    setup()
    from cxpilot.customers.selectors import threshold_checked
    from cxpilot.customers.services import customers_resolve

    if threshold is not None:
        threshold_checked(threshold)
    with progress("resolving the customers", steps=8) as step:
        summary = customers_resolve(threshold=threshold, progress=step)
    emit(_flat(summary, fmt), fmt, title="customers resolved")


@customers_app.command("show")
@handle_errors
def show_cmd(
    key: Annotated[
        str,
        typer.Argument(
            metavar="ID", help="A person id (PER-…), a record (source:customer_id) or an e-mail."
        ),
    ],
    fmt: FormatOpt = Format.table,
) -> None:
    """Show a person: the golden record, then each source record.

    One row per record, the golden record first (record "golden"); JSON is an object with
    person_id, golden and records. Examples:

      cxpilot customers show PER-00000042
      cxpilot customers show crm:CRM-12345678
      cxpilot customers show nicolas.martin@gmail.com --format json
    """
    setup()
    from cxpilot.customers.selectors import person_found

    person = person_found(key=key)
    if fmt is Format.json:
        emit(
            {"person_id": person.person_id, "golden": person.golden, "records": person.records},
            fmt,
        )
        return
    golden = {k: v for k, v in person.golden.items() if k != "person_id"}
    rows = [{"person_id": person.person_id, "record": "golden", **golden}]
    for rec in person.records:
        fields = {k: v for k, v in rec.items() if k not in ("source", "customer_id")}
        rows.append(
            {
                "person_id": person.person_id,
                "record": f"{rec['source']}:{rec['customer_id']}",
                **fields,
            }
        )
    emit(rows, fmt, title=f"person {person.person_id}")


@customers_app.command("model")
@handle_errors
def model_cmd(fmt: FormatOpt = Format.table) -> None:
    """The linkage model the last resolution fitted: one row per comparison level.

    Each level's m and u probabilities (how often two records of one person, and of
    different persons, fall in it) and its match weight, log2(m/u); the prior first. Example:

      cxpilot customers model --format csv
    """
    setup()
    from cxpilot.customers.selectors import MODEL_COLUMNS, resolution_model

    model = resolution_model()
    if fmt is Format.json:
        emit(
            {
                "run_id": model.run_id,
                "started_at": model.started_at.isoformat(),
                "threshold": model.threshold,
                "probability_two_random_records_match": (
                    model.probability_two_random_records_match
                ),
                "prior_match_weight": model.prior_match_weight,
                "levels": model.levels,
            },
            fmt,
        )
        return
    rows: list[dict[str, Any]] = []
    if model.prior_match_weight is not None:
        rows.append(
            {
                "comparison": "prior",
                "level": "two records at random",
                "m_probability": "",
                "u_probability": "",
                "match_weight": model.prior_match_weight,
            }
        )
    rows += model.levels
    if fmt is Format.table:
        rows = [
            {
                k: f"{v:.4g}" if isinstance(v, float) and k != "match_weight" else v
                for k, v in r.items()
            }
            | (
                {"match_weight": f"{r['match_weight']:.2f}"}
                if r["match_weight"] is not None
                else {}
            )
            for r in rows
        ]
    if fmt is Format.csv:  # every digit the JSON has (u is often below 0.01)
        rows = [{k: repr(v) if isinstance(v, float) else v for k, v in r.items()} for r in rows]
    if not rows and fmt is Format.csv:
        csvcells.writer(sys.stdout).writerow(MODEL_COLUMNS)
        return
    emit(rows, fmt, title=f"linkage model of {model.started_at:%Y-%m-%d %H:%M}")


@customers_app.command("review")
@handle_errors
def review_cmd(
    low: Annotated[
        float | None,
        typer.Option(help="Least match probability listed (the settings' by default)."),
    ] = None,
    high: Annotated[
        float | None,
        typer.Option(help="Greatest match probability listed (the settings' by default)."),
    ] = None,
    limit: Annotated[int, typer.Option(help="Most pairs listed.")] = 50,
    decided: Annotated[
        bool, typer.Option("--decided", help="List the pairs already decided too.")
    ] = False,
    fmt: FormatOpt = Format.table,
) -> None:
    """List the pairs of records to review: a match probability near the threshold.

    The most uncertain first, both records side by side (<field>_a, <field>_b), whether they
    are one person now (same_person). Decide each with `cxpilot customers decide`. Example:

      cxpilot customers review --low 0.5 --high 0.99 --format csv
    """
    setup()
    from cxpilot.customers.selectors import customers_pairs_to_review

    rows = customers_pairs_to_review(low=low, high=high, limit=limit, decided=decided)
    for row in rows:
        p = row["match_probability"]
        row["match_probability"] = {Format.json: p, Format.csv: f"{p:.6f}"}.get(fmt, f"{p:.4f}")
        if fmt is Format.json:
            row["decision"] = row["decision"] or None
    if not rows and fmt is Format.csv:
        from cxpilot.customers.selectors import RECORD_FIELDS

        header = ["record_a", "record_b", "match_probability", "same_person", "decision"]
        header += [f"{n}_{s}" for n in RECORD_FIELDS for s in ("a", "b")]
        csvcells.writer(sys.stdout).writerow(header)
        return
    emit(rows, fmt, title="pairs to review")


RecordArg = Annotated[str, typer.Argument(help="A record: source:customer_id.")]


@customers_app.command("decide")
@handle_errors
def decide_cmd(
    record_a: RecordArg,
    record_b: RecordArg,
    confirm: Annotated[bool, typer.Option("--confirm", help="They are the same person.")] = False,
    reject: Annotated[bool, typer.Option("--reject", help="They are different persons.")] = False,
    reason: Annotated[str, typer.Option(help="Why (kept in the audit trail).")] = "",
    by: Annotated[
        str | None,
        typer.Option(help="The user deciding (a user with the review permission)."),
    ] = None,
    fmt: FormatOpt = Format.table,
) -> None:
    """Decide a pair of records: --confirm (same person) or --reject (different persons).

    The decision is kept and respected by every later resolution; the persons are drawn again
    at once from the last run's pairs. Example:

      cxpilot customers decide crm:CRM-12345678 eshop:WEB123456789 --reject --reason "twins"
    """
    setup()
    from cxpilot.customers.selectors import record_key
    from cxpilot.customers.services import pair_confirm, pair_reject
    from cxpilot.kernel.errors import ValidationError

    if confirm == reject:
        raise ValidationError("say --confirm or --reject (one of them)", where="--confirm/--reject")
    a = record_key(record_a, where="RECORD_A")
    b = record_key(record_b, where="RECORD_B")
    actor = user_named(by)
    decide = pair_confirm if confirm else pair_reject
    emit(_flat(decide(actor=actor, a=a, b=b, reason=reason), fmt), fmt, title="decision")


@customers_app.command("unmerge")
@handle_errors
def unmerge_cmd(
    person_id: Annotated[str, typer.Argument(metavar="PERSON", help="The person's id (PER-…).")],
    records: Annotated[
        list[str], typer.Argument(help="The records to take out: source:customer_id …")
    ],
    reason: Annotated[str, typer.Option(help="Why (kept in the audit trail).")] = "",
    by: Annotated[str | None, typer.Option(help="The user deciding.")] = None,
    fmt: FormatOpt = Format.table,
) -> None:
    """Take records out of a person: each is rejected with the person's other records.

    Example:

      cxpilot customers unmerge PER-00000042 support:SAV12345678 --reason "another person"
    """
    setup()
    from cxpilot.customers.selectors import record_key
    from cxpilot.customers.services import person_unmerge

    keys = [record_key(r, where="RECORDS") for r in records]
    result = person_unmerge(actor=user_named(by), person_id=person_id, records=keys, reason=reason)
    emit(_flat(result, fmt), fmt)


@customers_app.command("merge")
@handle_errors
def merge_cmd(
    records: Annotated[list[str], typer.Argument(help="Two or more records: source:customer_id …")],
    reason: Annotated[str, typer.Option(help="Why (kept in the audit trail).")] = "",
    by: Annotated[str | None, typer.Option(help="The user deciding.")] = None,
    fmt: FormatOpt = Format.table,
) -> None:
    """Make records one person: every pair of them is confirmed.

    The other records of their persons come with them (listed as moved).
    Example:

      cxpilot customers merge crm:CRM-12345678 support:SAV12345678 --reason "same phone, moved"
    """
    setup()
    from cxpilot.customers.selectors import record_key
    from cxpilot.customers.services import records_merge

    keys = [record_key(r, where="RECORDS") for r in records]
    emit(_flat(records_merge(actor=user_named(by), records=keys, reason=reason), fmt), fmt)
