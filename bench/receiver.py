"""The webhook benchmark's receiver: a partner's endpoint in its own process.

Every POST is verified with the ``standardwebhooks`` library (as a partner would) and its
arrival time recorded (``time.time()``, the same clock as the bench's commit times: one
machine); ``GET /arrivals`` lists them, ``GET /healthz`` says it is up. An unverifiable
request is answered 400 and counted under ``forged``.
"""

from __future__ import annotations

import time
from typing import Any

from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route


def create_receiver_app(secret: str) -> Any:
    webhook = Webhook(secret)
    arrivals: dict[str, float] = {}
    forged: list[str] = []

    async def receive(request: Request) -> Response:
        body = await request.body()
        at = time.time()
        try:
            webhook.verify(body, dict(request.headers))
        except WebhookVerificationError:
            forged.append(request.headers.get("webhook-id", "?"))
            return Response(status_code=400)
        # The first arrival counts (a retry would arrive later with the same id).
        arrivals.setdefault(request.headers["webhook-id"], at)
        return Response(status_code=204)

    async def listing(request: Request) -> Response:
        return JSONResponse({"arrivals": arrivals, "forged": len(forged)})

    async def healthz(request: Request) -> Response:
        return Response("ok")

    return Starlette(routes=[
        Route("/healthz", healthz),
        Route("/arrivals", listing),
        Route("/hooks", receive, methods=["POST"]),
    ])
