"""A type's read rule holds wherever the type appears: a test generated from the schema.

From the schema it finds every path that reaches an object type: each root query field,
``node(id:)`` for every Node type, and every field of every type that returns an object
(reached through the shortest path to its parent). Each path is asked by an owner, an admin,
a manager and a member. Along the answer, every object must be there for a role that may read
it and be ``null`` with a FORBIDDEN error (at that very path) for one that may not; the
restricted fields of users (e-mail, role, rate, status) likewise per user object.

What each role may read is written down here, in ``READERS`` (the table of the README), not
taken from the code under test.
"""

from __future__ import annotations

import datetime as dt
from collections import deque
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
from graphql import (
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLUnionType,
    Undefined,
)
from sqlalchemy import select, update

from graphql_api.app import AppState
from graphql_api.models import (
    Activity,
    ApiToken,
    AttachmentKind,
    BillingMethod,
    Customer,
    Expense,
    ExpenseCategory,
    ExpenseReceipt,
    Invitation,
    Invoice,
    InvoiceAttachment,
    InvoiceLine,
    InvoiceMode,
    InvoiceStatus,
    LineKind,
    Project,
    ProjectActivity,
    ProviderConnection,
    RegistrationStatus,
    Role,
    Run,
    RunKind,
    RunStatus,
    Subscription,
    TimeEntry,
    TokenKind,
    Trip,
    User,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookEvent,
    WefactProduct,
    WefactSettings,
)
from resolvers.ids import global_id
from resolvers.permissions import IsAdmin, IsAuthenticated, IsManager
from schema.schema import schema
from tests.conftest import GraphQLClient, Member, add_member

ROLES = (Role.OWNER, Role.ADMIN, Role.MANAGER, Role.MEMBER)
EVERYONE = frozenset(ROLES)
MANAGERS = frozenset({Role.OWNER, Role.ADMIN, Role.MANAGER})
ADMINS = frozenset({Role.OWNER, Role.ADMIN})

READERS: dict[str, frozenset[Role]] = {
    # Types whose objects every member of the workspace may read unless listed.
    "Invoice": MANAGERS,
    "InvoiceLine": MANAGERS,
    "InvoiceRun": MANAGERS,
    "InvoiceAttachment": MANAGERS,
    "WefactSettings": ADMINS,
    "WefactAdministration": ADMINS,
    "Invitation": ADMINS,
    "WebhookEndpoint": ADMINS,
    "WebhookEvent": ADMINS,
    "WebhookDelivery": ADMINS,
    "WebhookAttempt": ADMINS,
}
"""Who may read objects of a type (by role); the Run kinds and API tokens are per object."""

RUN_READERS = {
    RunKind.CUSTOMER_IMPORT: EVERYONE,
    # The details fill after an import: customers' data, like the import itself.
    RunKind.CUSTOMER_DETAILS: EVERYONE,
    RunKind.INVOICE: MANAGERS,
    RunKind.STATUS_SYNC: MANAGERS,
}
USER_FIELDS = ("email", "role", "hourlyRate", "active")
"""Shown to the user themself, to owners and to admins."""

ROOT_ARGUMENTS = {
    "node": None,  # generated per Node type
    "previewInvoice": '(ids: ["{TimeEntry}", "{InvoicedEntry}"])',
    "invoice": '(id: "{Invoice}")',
    "invoiceRun": '(id: "{InvoiceRun}")',
    "run": '(id: "{Run}")',
    "customerImport": '(id: "{CustomerImport}")',
    "unbilled": '(filter: {{until: "2030-12-31"}})',
}
"""Arguments for the root fields that require some (ids from the seeded workspace)."""

NULLABLE_UNREACHED = {
    # Relations the seed leaves empty on purpose: nothing to read, so nothing to check.
    ("InvoicePreviewItem", "project"): "the preview invoices per customer, not per project",
}


@dataclass
class Seed:
    """One object of every kind in one workspace, and a member of every role."""

    members: dict[Role, Member]
    ids: dict[str, str]
    """Global id per Node type (and a few named extras), as the argument table uses them."""
    readers: dict[str, frozenset[Role]]
    """Who may read each seeded Node object, by global id."""
    node_ids: list[tuple[str, str]]
    """Every seeded Node object: (type name, global id)."""


@pytest.fixture
async def seed(state: AppState, owner: Member) -> Seed:
    members = {Role.OWNER: owner}
    for role in (Role.ADMIN, Role.MANAGER, Role.MEMBER):
        members[role] = await add_member(
            state, owner.workspace_id, role=role, email=f"{role.value.lower()}@acme.test"
        )
    ws = owner.workspace_id
    day = dt.date(2026, 3, 2)
    async with state.sessionmaker() as session, session.begin():
        def add(row: Any) -> Any:
            session.add(row)
            return row

        await session.execute(
            update(User).where(User.workspace_id == ws).values(hourly_rate=Decimal("80.00"))
        )
        customer = add(Customer(workspace_id=ws, name="Bakkerij", customer_number="K-1"))
        activity = add(Activity(workspace_id=ws, name="Design", wefact_product_code="P1"))
        category = add(ExpenseCategory(workspace_id=ws, name="Books"))
        current = add(ProviderConnection(
            workspace_id=ws, provider=Subscription.WEFACT, api_key_encrypted="x",
            api_key_hint="abcd",
        ))
        # An earlier connection (kept for its invoices) reaches WefactSettings.earlierConnections.
        earlier = add(ProviderConnection(
            workspace_id=ws, provider=Subscription.HOSTFACT,
            hostfact_url="https://hostfact.example/Pro", api_key_encrypted="y",
            api_key_hint="efgh", replaced_at=dt.datetime.now(dt.UTC),
        ))
        await session.flush()
        add(WefactSettings(
            workspace_id=ws, connection_id=current.id, active=True, default_product_code="P1",
            line_templates={"ENTRY": "{date}: {activity}"},
        ))
        add(WefactProduct(
            workspace_id=ws, code="P1", name="Hours", tax_percentage=Decimal("21.00"),
            synced_at=dt.datetime.now(dt.UTC),
        ))
        await session.flush()
        project = add(Project(
            workspace_id=ws, customer_id=customer.id, name="Shop",
            billing_method=BillingMethod.HOURLY_PROJECT_RATE, hourly_rate=Decimal("90.00"),
        ))
        await session.flush()
        add(ProjectActivity(workspace_id=ws, project_id=project.id, activity_id=activity.id))
        runs = {
            kind: add(Run(
                workspace_id=ws, kind=kind, status=RunStatus.PARTIAL,
                started_by_user_id=members[Role.MANAGER].user_id, counts={"done": 1},
                problems=[{"item": "K-1", "message": "Check it."}],
            ))
            for kind in RunKind
        }
        await session.flush()
        # The import points at the details fill it queued (CustomerImport.detailsRun).
        runs[RunKind.CUSTOMER_IMPORT].params = {"details_run_id": runs[RunKind.CUSTOMER_DETAILS].id}
        await session.flush()
        invoice = add(Invoice(
            workspace_id=ws, run_id=runs[RunKind.INVOICE].id, customer_id=customer.id,
            project_id=project.id, provider=Subscription.HOSTFACT, connection_id=earlier.id,
            reference="ref-1",
            status=InvoiceStatus.CONCEPT, mode=InvoiceMode.CONCEPT, invoice_date=day,
            amount_excl=Decimal("90.00"),
        ))
        await session.flush()
        line = add(InvoiceLine(
            workspace_id=ws, invoice_id=invoice.id, position=1, kind=LineKind.HOURS,
            product_code="P1", description="Design", quantity=Decimal(1),
            unit_price=Decimal("90.00"), amount=Decimal("90.00"), period_start=day,
            period_end=day, project_id=project.id,
        ))
        await session.flush()
        member_id = members[Role.MEMBER].user_id
        registration = {"workspace_id": ws, "project_id": project.id, "date": day}
        invoiced = add(TimeEntry(
            **registration, user_id=member_id, activity_id=activity.id, hours=Decimal(1),
            rate=Decimal("90.00"), status=RegistrationStatus.INVOICED, invoice_line_id=line.id,
        ))
        entry = add(TimeEntry(
            **registration, user_id=member_id, activity_id=activity.id, hours=Decimal(2),
            rate=Decimal("90.00"), notes="open",
        ))
        expense = add(Expense(
            **registration, user_id=members[Role.MANAGER].user_id, category_id=category.id,
            description="Book", quantity=Decimal(1), unit_price=Decimal("12.50"),
            status=RegistrationStatus.INVOICED, invoice_line_id=line.id,
        ))
        trip = add(Trip(
            **registration, user_id=owner.user_id, from_address="A", to_address="B",
            distance_km=Decimal(10), rate=Decimal("0.23"), status=RegistrationStatus.INVOICED,
            invoice_line_id=line.id,
        ))
        await session.flush()
        invitation = add(Invitation(
            workspace_id=ws, email="new@acme.test", role=Role.MEMBER, token_hash="0" * 64,
            expires_at=dt.datetime.now(dt.UTC) + dt.timedelta(days=7),
            invited_by_user_id=owner.user_id,
        ))
        # The expense's receipt, and the invoice's file of it in WeFact (issue 17).
        add(ExpenseReceipt(
            workspace_id=ws, expense_id=expense.id, filename="bon.pdf",
            content_type="application/pdf", size_bytes=9, sha256="0" * 64, content=b"%PDF-1.4\n",
            uploaded_by_user_id=members[Role.MANAGER].user_id,
        ))
        add(InvoiceAttachment(
            workspace_id=ws, invoice_id=invoice.id, kind=AttachmentKind.RECEIPT,
            expense_id=expense.id, filename="receipt-2026-03-02-1.pdf",
        ))
        # A webhook endpoint, an event, its delivery and one attempt (issue 18).
        endpoint = add(WebhookEndpoint(
            workspace_id=ws, url="https://partner.example/hooks", events=["invoice.created"],
            secret_encrypted="not-a-real-ciphertext",
        ))
        add(WebhookEvent(
            id="msg_seed", workspace_id=ws, type="invoice.created", schema_version=1,
            payload={"type": "invoice.created"},
        ))
        await session.flush()
        delivery = add(WebhookDelivery(
            workspace_id=ws, event_id="msg_seed", endpoint_id=endpoint.id,
        ))
        await session.flush()
        add(WebhookAttempt(
            workspace_id=ws, delivery_id=delivery.id, number=1, status_code=500, duration_ms=12,
            error="The receiver answered 500.",
        ))
        await session.flush()
        tokens = {
            role: await session.scalar(
                select(ApiToken.id).where(
                    ApiToken.user_id == member.user_id, ApiToken.kind == TokenKind.API
                )
            )
            for role, member in members.items()
        }

    rows: list[tuple[str, int, frozenset[Role]]] = [
        ("Customer", customer.id, EVERYONE), ("Project", project.id, EVERYONE),
        ("Activity", activity.id, EVERYONE), ("ExpenseCategory", category.id, EVERYONE),
        ("TimeEntry", invoiced.id, EVERYONE), ("Expense", expense.id, EVERYONE),
        ("Trip", trip.id, EVERYONE), ("Invoice", invoice.id, MANAGERS),
        ("Workspace", ws, EVERYONE),
        ("InvoiceRun", runs[RunKind.INVOICE].id, MANAGERS),
        ("CustomerImport", runs[RunKind.CUSTOMER_IMPORT].id, EVERYONE),
        ("Invitation", invitation.id, ADMINS),
        ("WebhookEndpoint", endpoint.id, ADMINS), ("WebhookDelivery", delivery.id, ADMINS),
    ]
    rows += [("Run", run.id, RUN_READERS[kind]) for kind, run in runs.items()]
    rows += [("User", m.user_id, EVERYONE) for m in members.values()]
    rows += [("ApiToken", int(t), frozenset({role})) for role, t in tokens.items() if t]
    ids = {name: global_id(name, pk) for name, pk, _ in rows}
    ids["Run"] = global_id("Run", runs[RunKind.CUSTOMER_IMPORT].id)
    ids["InvoicedEntry"] = ids["TimeEntry"]
    ids["TimeEntry"] = global_id("TimeEntry", entry.id)  # open: the preview invoices it
    readers = {global_id(name, pk): allowed for name, pk, allowed in rows}
    readers[ids["TimeEntry"]] = EVERYONE
    return Seed(members, ids, readers, [(name, global_id(name, pk)) for name, pk, _ in rows])


# ---------------------------------------------------------------- paths from the schema


def _named(gtype: Any) -> Any:
    while isinstance(gtype, GraphQLNonNull | GraphQLList):
        gtype = gtype.of_type
    return gtype


def _selection(gtype: Any, depth: int = 0) -> str:
    """What to ask of an object at the end of a path: its identity, and a user's
    restricted fields."""
    named = _named(gtype)
    if isinstance(named, GraphQLObjectType):
        parts = ["__typename"]
        if "id" in named.fields:
            parts.append("id")
        if named.name == "User":
            parts += list(USER_FIELDS)
        if named.name == "InvoiceLine":
            parts.append("position")
        if "edges" in named.fields:  # a Relay connection (not every name ending in Connection is)
            edge = _named(named.fields["edges"].type)
            parts.append(f"edges {{ node {{ {_selection(edge.fields['node'].type, depth + 1)} }} }}")
        return " ".join(parts)
    if isinstance(named, GraphQLInterfaceType | GraphQLUnionType):
        fragments = [
            f"... on {t.name} {{ {_selection(t, depth + 1)} }}"
            for t in schema._schema.get_possible_types(named)
        ]
        return "__typename " + " ".join(fragments)
    return ""


@dataclass(frozen=True)
class Path:
    """A query reaching ``field`` of ``parent``: its text, and the response keys to it."""

    label: str
    document: str
    keys: tuple[str, ...]


def _paths(seed: Seed) -> list[Path]:
    query = schema._schema.query_type
    assert query is not None
    paths: list[Path] = []
    # How each object type is first reached: (opening, closing, keys) of a query.
    reach: dict[str, tuple[str, str, tuple[str, ...]]] = {}
    todo: deque[str] = deque()

    def enter(type_name: str, opening: str, closing: str, keys: tuple[str, ...]) -> None:
        # The parent itself is asked for its identity too: its readers decide what follows.
        identity = " __typename id" if "id" in schema._schema.type_map[type_name].fields else (
            " __typename"
        )
        if type_name not in reach:
            reach[type_name] = (opening + identity, closing, keys)
            todo.append(type_name)

    # node(id:) for every Node type
    for type_name, gid in seed.node_ids:
        gtype = schema._schema.type_map[type_name]
        opening = f'{{ node(id: "{gid}") {{ ... on {type_name} {{'
        paths.append(Path(f"node → {type_name} {gid}", opening + _selection(gtype) + "} } }",
                          ("node",)))
        enter(type_name, opening, "} } }", ("node",))
    # root fields
    for name, field in query.fields.items():
        target = _named(field.type)
        if not isinstance(target, GraphQLObjectType | GraphQLInterfaceType | GraphQLUnionType):
            continue
        if name == "node":
            continue
        required = [a for a, arg in field.args.items() if isinstance(arg.type, GraphQLNonNull)
                    and arg.default_value is Undefined]
        if required:
            assert name in ROOT_ARGUMENTS, f"give arguments for root field {name} in ROOT_ARGUMENTS"
            args = ROOT_ARGUMENTS[name].format(**seed.ids)
        else:
            args = ""
        opening = f"{{ {name}{args} {{"
        paths.append(Path(f"Query.{name}", opening + _selection(field.type) + "} }", (name,)))
        if isinstance(target, GraphQLObjectType):
            enter(target.name, opening, "} }", (name,))
    # every object-typed field of every reached type
    while todo:
        parent = schema._schema.type_map[todo.popleft()]
        opening, closing, keys = reach[parent.name]
        for name, field in parent.fields.items():
            target = _named(field.type)
            if not isinstance(target, GraphQLObjectType | GraphQLInterfaceType | GraphQLUnionType):
                continue
            if any(isinstance(a.type, GraphQLNonNull) and a.default_value is Undefined
                   for a in field.args.values()):
                continue
            inner = f"{opening} {name} {{"
            paths.append(Path(f"{parent.name}.{name}",
                              inner + _selection(field.type) + "}" + closing, (*keys, name)))
            if isinstance(target, GraphQLObjectType):
                enter(target.name, inner, "}" + closing, (*keys, name))
    return paths


# ---------------------------------------------------------------- checking the answers

ROOT_RULES = {IsAuthenticated: EVERYONE, IsManager: MANAGERS, IsAdmin: ADMINS}
CALLER_OWN = {"me", "apiTokens"}
"""Root fields that answer the caller's own objects: each role sees different ones."""

Objects = dict[tuple[Any, ...], tuple[str, str | None]]


def _root_readers(name: str) -> frozenset[Role]:
    """Who may use a root field: its own permission (narrower than its type's rule, e.g.
    ``users``)."""
    field = schema.get_field_for_type(name, "Query")
    assert field is not None
    allowed = EVERYONE
    for permission in field.permission_classes:
        allowed &= ROOT_RULES[permission]
    return allowed


def _objects(value: Any, at: tuple[Any, ...], found: Objects) -> None:
    """Every object of an answer by its path: (typename, id)."""
    if isinstance(value, list):
        for index, item in enumerate(value):
            _objects(item, (*at, index), found)
    elif isinstance(value, dict):
        if "__typename" in value:
            found[at] = (value["__typename"], value.get("id"))
        for key, child in value.items():
            _objects(child, (*at, key), found)


def _readers(seed: Seed, typename: str, gid: str | None) -> frozenset[Role]:
    if gid is not None and gid in seed.readers:
        return seed.readers[gid]
    return READERS.get(typename, EVERYONE)


def _user_fields(
    seed: Seed, role: Role, data: Any, objects: Objects, refused: set[tuple[Any, ...]],
) -> list[str]:
    """The restricted fields of every user in an answer: shown to themself and admins,
    refused (null and FORBIDDEN at the field) to everyone else."""
    problems = []
    for at, (typename, gid) in objects.items():
        if typename != "User":
            continue
        value = data
        for key in at:
            value = value[key]
        own = gid == global_id("User", seed.members[role].user_id)
        for name in (n for n in USER_FIELDS if n in value):  # where they were asked for
            if own or role in ADMINS:
                if value.get(name) is None:
                    problems.append(f"{role.name} misses User.{name} at {at}")
            elif value.get(name) is not None or (*at, name) not in refused:
                problems.append(f"{role.name} got User.{name} at {at}, not refused")
    return problems


def _check(seed: Seed, path: Path, answers: dict[Role, dict[str, Any]]) -> list[str]:
    """Compare the roles' answers to one path against the readers of every object in them."""
    problems: list[str] = []
    seen: dict[Role, Objects] = {}
    refused: dict[Role, set[tuple[Any, ...]]] = {}
    for role, body in answers.items():
        errors = body.get("errors") or []
        codes = {(e.get("extensions") or {}).get("code") for e in errors}
        if codes - {"FORBIDDEN"}:
            problems.append(f"{path.label}: {role.name} got errors {errors}")
        refused[role] = {tuple(e.get("path") or ()) for e in errors}
        seen[role] = {}
        _objects(body.get("data"), (), seen[role])
        problems += [f"{path.label}: {p}" for p in _user_fields(
            seed, role, body.get("data"), seen[role], refused[role]
        )]
    root = path.keys[0]
    reference: Objects = {}
    for objects in seen.values():
        reference.update(objects)
    for role in answers:
        leaked = [
            (at, obj) for at, obj in seen[role].items()
            if role not in _readers(seed, obj[0], obj[1])
        ]
        problems += [f"{path.label}: {role.name} read {obj} at {at}" for at, obj in leaked]
        if role not in _root_readers(root):
            if seen[role] or (root,) not in refused[role]:
                problems.append(f"{path.label}: {role.name} not refused at the root")
            continue
        if root in CALLER_OWN:
            continue
        for at, (typename, gid) in reference.items():
            ancestors = [a for a in reference if a != at and at[: len(a)] == a]
            if any(role not in _readers(seed, *reference[a]) for a in ancestors):
                continue  # refused further up: checked there
            if role in _readers(seed, typename, gid):
                if seen[role].get(at) != (typename, gid):
                    problems.append(f"{path.label}: {role.name} did not get {gid or typename}"
                                    f" at {at}")
            elif at in seen[role] or at not in refused[role]:
                problems.append(f"{path.label}: {role.name} not refused {typename} at {at}")
    return problems


async def test_read_rules_hold_on_every_path(gql: GraphQLClient, seed: Seed) -> None:
    paths = _paths(seed)
    assert len(paths) > 60, len(paths)  # the walk found the schema's paths
    problems: list[str] = []
    unreached = []
    for path in paths:
        answers = {
            role: await gql.post(path.document, token=seed.members[role].token) for role in ROLES
        }
        problems += _check(seed, path, answers)
        reached: Objects = {}
        for body in answers.values():
            _objects(body.get("data"), (), reached)
        leaf_reached = any(len(at) >= len(path.keys) for at in reached)
        if not leaf_reached and tuple(path.label.split(".", 1)) not in NULLABLE_UNREACHED:
            unreached.append(path.label)
    assert not problems, "\n".join(problems)
    assert not unreached, f"give the seed data for: {unreached}"


async def test_refusals_are_the_same_on_every_path(gql: GraphQLClient, seed: Seed) -> None:
    """A member asking for an invoice gets FORBIDDEN on the root field, through node(id:) and
    through a time entry's invoice line: the same code on every path, never the data."""
    member = seed.members[Role.MEMBER].token
    invoice, entry = seed.ids["Invoice"], seed.ids["InvoicedEntry"]
    root = await gql.post(f'{{ invoice(id: "{invoice}") {{ amountExcl }} }}', token=member)
    node = await gql.post(
        f'{{ node(id: "{invoice}") {{ ... on Invoice {{ amountExcl }} }} }}', token=member
    )
    nested = await gql.post(
        f'{{ node(id: "{entry}") {{ ... on TimeEntry {{ invoiceLine {{ invoice {{ amountExcl }}'
        " } } } }", token=member,
    )
    for body, path in (
        (root, ["invoice"]), (node, ["node"]), (nested, ["node", "invoiceLine"]),
    ):
        assert [(e["path"], e["extensions"]["code"]) for e in body["errors"]] == [
            (path, "FORBIDDEN")
        ], body
    assert root["data"] == {"invoice": None}
    assert node["data"] == {"node": None}
    assert nested["data"] == {"node": {"invoiceLine": None}}
