"""`python -m schemas`: writes the JSON Schema of the wire contract into schemas/json/."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from schemas import (
    accounts,
    aftercare,
    boundaries,
    debriefs,
    pairing,
    phrases,
    problems,
    push,
    realtime,
    safety,
    sessions,
    signals,
    solo,
    summaries,
)

OUT = Path(__file__).parent / "json"

REST_MODELS: list[type[BaseModel]] = [
    problems.Problem,
    accounts.RegisterIn, accounts.LoginIn, accounts.DeleteMeIn, accounts.AccountOut,
    accounts.TokenOut, accounts.MeOut, accounts.PasswordChangeIn, accounts.DeviceOut,
    accounts.ExportOut,
    pairing.InviteOut, pairing.JoinIn, pairing.JoinOut, pairing.PairOut,
    signals.SignalOut,
    boundaries.BoundaryIn, boundaries.BoundaryEdit, boundaries.AnswerIn,
    boundaries.BoundaryOut, boundaries.BoundaryList, boundaries.HistoryOut,
    boundaries.CatalogueOut, boundaries.CatalogueTake, boundaries.PathOut, boundaries.ReviewPlanIn,
    boundaries.ReviewOut,
    phrases.PhraseIn, phrases.PhraseOut, phrases.PhraseList, phrases.StarterDeck,
    phrases.StarterTake, phrases.SayIn, phrases.SaidOut,
    aftercare.AftercareIn, aftercare.AftercareOut,
    safety.SafetyPlanIn, safety.SharingIn, safety.SafetyPlanOut, safety.SafetyCardOut,
    sessions.SessionIn, sessions.ExtendIn, sessions.CheckinAnswerIn, sessions.SessionOut,
    sessions.CurrentSession, sessions.SessionList, sessions.Timeline, sessions.NextDayIn,
    sessions.NextDayOut,
    debriefs.DebriefStart, debriefs.DebriefDraft, debriefs.DebriefOut, debriefs.DebriefList,
    debriefs.FeelingSeries, debriefs.JournalIn, debriefs.JournalOut, debriefs.JournalList,
    solo.SoloAnswerIn, solo.SoloItemIn, solo.SoloItem, solo.SoloList,
    summaries.SummaryIn, summaries.SummaryOut, summaries.SummaryList, summaries.SummaryView,
    summaries.SummaryAsk, summaries.SummaryAskList,
    push.PushKey, push.PushSubscriptionIn, push.PushUnsubscribe,
]


def documents() -> dict[str, dict[str, Any]]:
    """Every generated schema document, by file name."""
    _, rest = models_json_schema([(m, "validation") for m in REST_MODELS],
                                 title="Attune REST bodies")
    client = realtime.client_frame.json_schema()
    client["title"] = "Attune live channel: frames a client sends"
    server = realtime.server_frame.json_schema()
    server["title"] = "Attune live channel: frames the server sends"
    server["x-close-codes"] = {str(k): v for k, v in realtime.CLOSE_CODES.items()}
    return {"rest.json": rest, "ws-client.json": client, "ws-server.json": server}


def render(document: dict[str, Any]) -> str:
    """Stable text for a schema document."""
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def main() -> int:
    """Writes every document; prints what changed."""
    OUT.mkdir(exist_ok=True)
    for name, document in documents().items():
        path = OUT / name
        text = render(document)
        if not path.exists() or path.read_text() != text:
            path.write_text(text)
            print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
