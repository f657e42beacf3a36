"""Line texts as the customer wants them (issue 17): a workspace template per grouping,
checked when saved, shown by previewInvoice exactly as it lands in WeFact/HostFact; ENTRY
lines carry their entry's date on the line instead of repeating one text."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from graphql_api.jobs.worker import JobRunner
from graphql_api.services.invoicing.line_texts import (
    LineFacts,
    TemplateError,
    parse_template,
    placeholder_values,
)
from tests.conftest import Emulator, GraphQLClient, activate
from tests.invoicing.conftest import (
    PREVIEW,
    World,
    emulator_invoices,
    gid,
    product_code,
    run_invoices,
)

UPDATE = """
mutation($input: UpdateWefactSettingsInput!) { updateWefactSettings(input: $input) {
  __typename
  ... on WefactSettings { hoursSpecification attachReceipts
    lineTemplates { groupBy template } linePlaceholders { name description } }
  ... on Error { code message field }
} }
"""
SETTINGS = "{ wefactSettings { hoursSpecification lineTemplates { groupBy template } } }"


# ---------------------------------------------------------------- the templates themselves


def test_an_unknown_placeholder_or_a_stray_brace_is_refused_naming_it() -> None:
    with pytest.raises(TemplateError) as unknown:
        parse_template("{project}: {hourz}")
    assert unknown.value.placeholder == "hourz"
    assert "{hourz}" in str(unknown.value)
    assert "{project}" in str(unknown.value)  # says what may be used
    with pytest.raises(TemplateError) as stray:
        parse_template("{project} }")
    assert stray.value.placeholder is None
    assert "'}'" in str(stray.value)
    for refused in ("", "   ", "x" * 501, "only text"):
        with pytest.raises(TemplateError):
            parse_template(refused)


def test_rendering_shares_or_lists_values_and_trims_what_is_left_dangling() -> None:
    items = [
        LineFacts(dt.date(2026, 3, 9), "Shop", "Design", "Ann", "Logo"),
        LineFacts(dt.date(2026, 3, 2), "Shop", "Build", "Ann", "Homepage"),
        LineFacts(dt.date(2026, 3, 5), "Shop", "Design", "Bob", "Logo"),
    ]
    values = placeholder_values(items)
    assert values == {
        "project": "Shop",
        "activity": "Build, Design",  # distinct, in date order
        "user": "Ann, Bob",
        "date": "2026-03-02",
        "period": "2026-03-02 – 2026-03-09",
        "notes": "Homepage; Logo",
        "count": "3",
    }
    template = parse_template("{{{count}}} {project} – {activity} ({period})")
    assert template.render(values) == "{3} Shop – Build, Design (2026-03-02 – 2026-03-09)"
    # Empty values leave no "Shop – " or "()" behind.
    bare = placeholder_values([LineFacts(dt.date(2026, 3, 2), "Shop", None, None, None)])
    assert parse_template("{project} – {notes}").render(bare) == "Shop"
    assert parse_template("{project} ({notes})").render(bare) == "Shop"
    # Notes of many entries are bounded.
    many = [LineFacts(dt.date(2026, 3, 2), "Shop", "Design", None, f"note {n} " * 20)
            for n in range(100)]
    text = parse_template("{notes}").render(placeholder_values(many))
    assert 990 < len(text) <= 1000
    assert text.endswith("…")


# ---------------------------------------------------------------- through the API


async def _world(world: World, emulator: Emulator) -> list[Any]:
    await world.settings(default_product_code=product_code(emulator, "Consultancy"))
    customer = await world.customer("Bakkerij Jansen", "K-1")
    project = await world.project(customer, "Shop")
    design, build = await world.activity("Design"), await world.activity("Build")
    return [
        await world.entry(project, design, "2.00", date=dt.date(2026, 3, 2), notes="Logo"),
        await world.entry(project, design, "1.50", date=dt.date(2026, 3, 3)),
        await world.entry(project, build, "3.00", date=dt.date(2026, 3, 4), notes="Homepage"),
    ]


async def test_a_template_with_an_unknown_placeholder_is_refused_and_nothing_is_saved(
    gql: GraphQLClient, emulator: Emulator
) -> None:
    await activate(gql, emulator)
    result = (await gql.data(UPDATE, {"input": {
        "hoursSpecification": True,
        "lineTemplates": [
            {"groupBy": "ENTRY", "template": "{date}: {activity}"},
            {"groupBy": "ACTIVITY", "template": "{activity} – {hourz} h"},
        ],
    }}))["updateWefactSettings"]
    assert result["__typename"] == "InvalidInputError"
    assert (result["code"], result["field"]) == ("UNKNOWN_PLACEHOLDER", "lineTemplates[1].template")
    assert "{hourz}" in result["message"]
    stray = (await gql.data(UPDATE, {"input": {
        "lineTemplates": [{"groupBy": "ENTRY", "template": "{date: {activity}"}],
    }}))["updateWefactSettings"]
    assert (stray["code"], stray["field"]) == ("BAD_TEMPLATE", "lineTemplates[0].template")
    # All or nothing: neither the valid template nor the default was kept.
    settings = (await gql.data(SETTINGS))["wefactSettings"]
    assert settings == {"hoursSpecification": False, "lineTemplates": []}


async def test_preview_shows_the_text_exactly_as_it_lands(
    gql: GraphQLClient, world: World, jobs: JobRunner, emulator: Emulator
) -> None:
    await activate(gql, emulator)
    entries = await _world(world, emulator)
    saved = (await gql.data(UPDATE, {"input": {"lineTemplates": [
        {"groupBy": "PROJECT", "template": "{project}: {activity} ({count} entries, {period}) "
                                           "– {notes}"},
    ]}}))["updateWefactSettings"]
    assert saved["lineTemplates"] == [{"groupBy": "PROJECT", "template": "{project}: {activity} "
                                       "({count} entries, {period}) – {notes}"}]
    assert [p["name"] for p in saved["linePlaceholders"]] == [
        "project", "activity", "user", "date", "period", "notes", "count"
    ]
    ids = [gid(e) for e in entries]
    options = {"groupBy": "PROJECT"}
    preview = (await gql.data(PREVIEW, {"ids": ids, "options": options}))["previewInvoice"]
    [draft] = preview["invoices"]
    texts = [line["description"] for line in draft["lines"]]
    assert texts == ["Shop: Design, Build (3 entries, 2026-03-02 – 2026-03-04) – Logo; Homepage"]

    run = await run_invoices(gql, jobs, ids, options)

    assert run["status"] == "SUCCEEDED", run["problems"]
    [remote] = emulator_invoices(emulator)
    assert [line["Description"] for line in remote["InvoiceLines"]] == texts
    assert [line["description"] for line in run["invoices"][0]["lines"]] == texts


async def test_entry_lines_carry_their_date_on_the_line(
    gql: GraphQLClient, world: World, jobs: JobRunner, emulator: Emulator
) -> None:
    """Two entries with the same text tell apart by the date WeFact (Date, StartDate/EndDate)
    and HostFact (Date, StartPeriod) show on the line; a template can still word them."""
    await activate(gql, emulator)
    entries = await _world(world, emulator)
    await gql.data(UPDATE, {"input": {"lineTemplates": [
        {"groupBy": "ENTRY", "template": "{activity} ({user})"},
    ]}})
    ids = [gid(e) for e in entries[:2]]

    run = await run_invoices(gql, jobs, ids, {"groupBy": "ENTRY"})

    assert run["status"] == "SUCCEEDED", run["problems"]
    [remote] = emulator_invoices(emulator)
    lines = remote["InvoiceLines"]
    assert [line["Description"] for line in lines] == ["Design (owner)", "Design (owner)"]
    period = ("StartDate", "EndDate") if emulator.flavor == "wefact" else ("StartPeriod",)
    for line, day in zip(lines, ("2026-03-02", "2026-03-03"), strict=True):
        assert line["Date"].isoformat() == day
        assert all(line[name].isoformat() == day for name in period)

    # Removing the template brings the built-in text back.
    cleared = (await gql.data(UPDATE, {"input": {"lineTemplates": [
        {"groupBy": "ENTRY", "template": None},
    ]}}))["updateWefactSettings"]
    assert cleared["lineTemplates"] == []
