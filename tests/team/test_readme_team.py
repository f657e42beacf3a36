"""The README's "Build your team" operations, run literally: the owner invites, the invitee
accepts with the token and no bearer token, and the invitation is no longer open."""

from __future__ import annotations

import re
from pathlib import Path

from tests.conftest import GraphQLClient

README = Path(__file__).resolve().parents[2] / "README.md"


def _team_operations() -> list[str]:
    section = README.read_text().split("### Build your team", 1)[1].split("\n### ", 1)[0]
    (block,) = re.findall(r"```graphql\n(.*?)```", section, re.S)
    operations = []
    for chunk in re.split(r"\n\s*\n", block):
        text = "\n".join(line for line in chunk.splitlines() if not line.strip().startswith("#"))
        if text.strip():
            operations.append(text)
    return operations


async def test_the_readme_team_flow_works_as_written(gql: GraphQLClient) -> None:
    invite, accept, listing = _team_operations()
    invited = (await gql.data(invite))["inviteUser"]
    assert invited["__typename"] == "NewInvitation", invited
    assert (invited["invitation"]["email"], invited["invitation"]["status"]) == (
        "anna@example.com", "PENDING")
    open_before = (await gql.data(listing))["invitations"]["edges"]
    assert [e["node"]["email"] for e in open_before] == ["anna@example.com"]

    body = await gql.post(accept, {"token": invited["token"]}, token="")
    assert not body.get("errors"), body
    joined = body["data"]["acceptInvitation"]
    assert joined["__typename"] == "Session", joined
    assert joined["user"] == {"email": "anna@example.com", "role": "MANAGER"}
    me = await gql.data("{ me { email role hourlyRate } }", token=joined["token"])
    assert me["me"] == {"email": "anna@example.com", "role": "MANAGER", "hourlyRate": "85.00"}
    assert (await gql.data(listing))["invitations"]["edges"] == []
